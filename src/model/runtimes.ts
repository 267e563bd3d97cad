/**
 * The one table of SCF runtimes. Everything that names, checks, lists or runs a runtime reads it: the
 * schema's `runtime` enum (generated from it by scripts/schemas.mjs at build time), the validator and
 * the language server, the Functions view, the local SCF endpoint, the deploy errors and the emulator.
 *
 * `type: web` is a function type, not a runtime: a web function still names one of these runtimes (the
 * language image its `scf_bootstrap` runs in).
 *
 * Where the names come from:
 * - the SCF API's CreateFunction `Runtime` parameter (tencentcloud-sdk-nodejs-scf 4.1.151, scf_models.d.ts):
 *   Python2.7, Python3.6, Python3.7, Python3.9, Python3.10, Nodejs6.10 ... Nodejs18.15, Php5.6,
 *   Php7 ("7.2 版本"), Php7.4, Php8.0, Go1, Java8, CustomRuntime; its older revisions spell PHP5 and PHP7;
 * - SCF's web-function bootstrap guide (cloud.tencent.com/document/product/583/56126): Java 11 (Kona JDK),
 *   and the standard paths `/var/lang/${lang}${version}/bin/${lang}` of the images;
 * - the scf component (serverless-components/tencent-scf, src/config.js): `Php5` and `Php7` as runtime
 *   names and the interpreter path of each runtime's image (`/var/lang/python37/bin/python3` ...);
 * - "Notes on Node.js" (tencentcloud.com/document/product/583/11060): Nodejs8.9 and Nodejs6.10
 *   "deactivating soon" (deprecated here).
 * Our choices, where SCF's pages are silent: Nodejs20.15, Python3.11 and Python3.12 are listed for the
 * newer images (the guide says versions past its CentOS 7.9 list run on newer images; CloudBase, which
 * runs on SCF, lists Node.js 20 and Python 3.11 with the same paths); Python2.7 and PHP 5.6 are marked
 * deprecated because their languages reached end of life, though SCF still runs them.
 */
import { distance } from './spelling';

export type RuntimeFamily = 'nodejs' | 'python' | 'php' | 'go' | 'java' | 'custom';

/**
 * How the platform finds the entry point (facts §1): `file.function` (index.main_handler), the
 * compiled binary's name (Go: main), `package.Class::method` (Java), or free (Custom Runtime: the
 * bootstrap reads `_HANDLER` itself).
 */
export type HandlerForm = 'file.function' | 'binary' | 'package.Class::method' | 'free';

/** Which local interpreter stands in for the runtime's image. */
export interface LocalInterpreterRule {
  /** The program to look for locally; undefined: the function's own bootstrap is the program. */
  tool: 'node' | 'python' | 'php' | 'go' | 'java' | undefined;
  /** The language version SCF runs, e.g. "3.7" for Python3.7, "16" for Nodejs16.13. */
  version: string;
  /**
   * How much of `version` a local interpreter must share to be the same one: Node.js's major (any
   * 16.x runs Nodejs16.13), Python's and PHP's major.minor, Java's major, Go any.
   */
  match: 'major' | 'minor' | 'any';
}

export interface ScfRuntime {
  /** As SCF spells it in serverless.yml and the API, e.g. `Nodejs16.13`. */
  name: string;
  family: RuntimeFamily;
  /** The language version of SCF's image, e.g. "16.13", "3.7", "7.2" (Php7), "1" (Go1). */
  version: string;
  handler: HandlerForm;
  local: LocalInterpreterRule;
  /** SCF says it is going away (or its language is past end of life): suggest a current one. */
  deprecated: boolean;
  /** Another spelling of `aliasOf` (PHP7 for Php7): accepted, never suggested. */
  aliasOf?: string;
  /** The runtime's folder in SCF's image (`<imageDir>/bin/node` ...), as scf_bootstrap files name it. */
  imageDir?: string;
}

const node = (version: string, major: string, deprecated = false): ScfRuntime => ({
  name: `Nodejs${version}`,
  family: 'nodejs',
  version,
  handler: 'file.function',
  local: { tool: 'node', version: major, match: 'major' },
  deprecated,
  imageDir: `/var/lang/node${major}`,
});

const python = (version: string, imageDir: string, deprecated = false): ScfRuntime => ({
  name: `Python${version}`,
  family: 'python',
  version,
  handler: 'file.function',
  local: { tool: 'python', version, match: 'minor' },
  deprecated,
  imageDir,
});

const php = (name: string, version: string, imageDir: string, extra: Partial<ScfRuntime> = {}): ScfRuntime => ({
  name,
  family: 'php',
  version,
  handler: 'file.function',
  local: { tool: 'php', version, match: 'minor' },
  deprecated: false,
  imageDir,
  ...extra,
});

const java = (major: string): ScfRuntime => ({
  name: `Java${major}`,
  family: 'java',
  version: major,
  handler: 'package.Class::method',
  local: { tool: 'java', version: major, match: 'major' },
  deprecated: false,
  imageDir: `/var/lang/java${major}`,
});

/** Every runtime name SCF has had, each family newest first. */
export const RUNTIMES: readonly ScfRuntime[] = [
  node('20.15', '20'),
  node('18.15', '18'),
  node('16.13', '16'),
  node('14.18', '14'),
  node('12.16', '12'),
  node('10.15', '10'),
  node('8.9', '8', true),
  node('6.10', '6', true),
  python('3.12', '/var/lang/python312'),
  python('3.11', '/var/lang/python311'),
  python('3.10', '/var/lang/python310'),
  python('3.9', '/var/lang/python39'),
  python('3.7', '/var/lang/python37'),
  python('3.6', '/var/lang/python3'),
  python('2.7', '/var/lang/python2', true),
  php('Php8.0', '8.0', '/var/lang/php80'),
  php('Php7.4', '7.4', '/var/lang/php74'),
  php('Php7', '7.2', '/var/lang/php7'),
  php('PHP7', '7.2', '/var/lang/php7', { aliasOf: 'Php7' }),
  php('Php5.6', '5.6', '/var/lang/php5', { deprecated: true }),
  php('Php5', '5.6', '/var/lang/php5', { deprecated: true, aliasOf: 'Php5.6' }),
  php('PHP5', '5.6', '/var/lang/php5', { deprecated: true, aliasOf: 'Php5.6' }),
  { name: 'Go1', family: 'go', version: '1', handler: 'binary', local: { tool: 'go', version: '1', match: 'any' }, deprecated: false },
  java('11'),
  java('8'),
  { name: 'CustomRuntime', family: 'custom', version: '', handler: 'free', local: { tool: undefined, version: '', match: 'any' }, deprecated: false },
];

/** The scf component's default when serverless.yml names no runtime. */
export const DEFAULT_RUNTIME = 'Nodejs10.15';

/** Every accepted name, in table order (the schema's enum, the local endpoint's check). */
export const RUNTIME_NAMES: readonly string[] = RUNTIMES.map((r) => r.name);

const FAMILY_ORDER: readonly RuntimeFamily[] = ['nodejs', 'python', 'php', 'go', 'java', 'custom'];

/** The runtime named exactly so (SCF's names are case-sensitive). */
export function findRuntime(name: string): ScfRuntime | undefined {
  return RUNTIMES.find((r) => r.name === name);
}

/** The runtime named so, ignoring case (`nodejs16.13`): for messages and local runs, never for validation. */
export function findRuntimeIgnoringCase(name: string): ScfRuntime | undefined {
  const lower = name.trim().toLowerCase();
  return findRuntime(name) ?? RUNTIMES.find((r) => r.name.toLowerCase() === lower);
}

/** Name prefixes a runtime of each family starts with, for names that are not in the table. */
const PREFIXES: ReadonlyArray<[RegExp, RuntimeFamily]> = [
  [/^node(js)?/i, 'nodejs'],
  [/^py(thon)?/i, 'python'],
  [/^php/i, 'php'],
  [/^go(lang)?/i, 'go'],
  [/^java/i, 'java'],
  [/^custom/i, 'custom'],
];

/**
 * The family of a runtime name: the table's, or for a name it does not know (a newer runtime, a typo
 * like `Nodejs16`) the family its prefix names, so icons, handler checks and quick fixes still fit.
 */
export function runtimeFamily(name: string): RuntimeFamily | 'unknown' {
  const known = findRuntimeIgnoringCase(name);
  if (known) return known.family;
  for (const [prefix, family] of PREFIXES) if (prefix.test(name.trim())) return family;
  return 'unknown';
}

export function isDeprecated(name: string): boolean {
  return findRuntimeIgnoringCase(name)?.deprecated ?? false;
}

/** The handler form of a runtime (of its family, for names the table does not know). */
export function handlerForm(name: string): HandlerForm | undefined {
  const known = findRuntimeIgnoringCase(name);
  if (known) return known.handler;
  const family = runtimeFamily(name);
  return family === 'unknown' ? undefined : (RUNTIMES.find((r) => r.family === family)?.handler ?? undefined);
}

/** Numeric parts of a version string: "3.10" -> [3, 10]. */
export function versionParts(version: string): number[] {
  return version
    .split('.')
    .filter((p) => p !== '')
    .map((p) => Number.parseInt(p, 10))
    .filter((n) => Number.isFinite(n));
}

/** Orders versions: negative when a is older than b. */
export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Current runtimes (not deprecated, no alternative spellings), newest first within each family. */
export function currentRuntimes(family?: RuntimeFamily): ScfRuntime[] {
  return RUNTIMES.filter((r) => !r.deprecated && !r.aliasOf && (family === undefined || r.family === family)).sort(
    (a, b) => FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family) || compareVersions(b.version, a.version),
  );
}

/** The newest current runtime of a family (the usual "upgrade to" target). */
export function newestRuntime(family: RuntimeFamily): ScfRuntime | undefined {
  return currentRuntimes(family)[0];
}

/**
 * The current runtimes nearest to a name SCF does not offer (a typo, a version it never had, a
 * deprecated one), best first, for "Change to ..." quick fixes: the same family by version distance
 * (ties to the newer), else by spelling.
 */
export function nearestRuntimes(name: string, limit = 3): string[] {
  const trimmed = name.trim();
  const known = findRuntimeIgnoringCase(trimmed);
  if (known && !known.deprecated) {
    const canonical = known.aliasOf ?? known.name;
    if (canonical !== trimmed) return [canonical];
  }
  const family = known?.family ?? runtimeFamily(trimmed);
  if (family !== 'unknown') {
    const candidates = currentRuntimes(family);
    const wanted = known?.version ?? /(\d+(?:\.\d+)*)/.exec(trimmed)?.[1];
    if (wanted === undefined) return candidates.slice(0, limit).map((r) => r.name);
    const w = versionParts(wanted);
    const distance = (r: ScfRuntime): number => {
      const v = versionParts(r.version);
      return Math.abs((v[0] ?? 0) - (w[0] ?? 0)) * 1000 + (w.length > 1 ? Math.abs((v[1] ?? 0) - (w[1] ?? 0)) : 0);
    };
    return candidates
      .map((r) => ({ r, d: distance(r) }))
      .sort((a, b) => a.d - b.d || compareVersions(b.r.version, a.r.version))
      .slice(0, limit)
      .map((x) => x.r.name);
  }
  const lower = trimmed.toLowerCase();
  return currentRuntimes()
    .map((r) => ({ name: r.name, d: distance(lower, r.name.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.name.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, limit)
    .map((x) => x.name);
}

/**
 * The interpreter of a runtime's SCF image, as scf_bootstrap files name it (the scf component's
 * src/config.js): `/var/lang/node16/bin/node`, `/var/lang/python37/bin/python3`, `/var/lang/python2/bin/python2`,
 * `/var/lang/php7/bin/php`, `/var/lang/java8/bin/java`.
 */
export function imageInterpreter(runtime: ScfRuntime): string | undefined {
  if (!runtime.imageDir || !runtime.local.tool) return undefined;
  const program = runtime.family === 'python' ? (versionParts(runtime.version)[0] === 2 ? 'python2' : 'python3') : runtime.local.tool;
  return `${runtime.imageDir}/bin/${program}`;
}

/** The runtime whose image folder this is (`/var/lang/python37` -> Python3.7), canonical names first. */
export function runtimeForImageDir(dir: string): ScfRuntime | undefined {
  const d = dir.replace(/\/+$/, '');
  return RUNTIMES.find((r) => r.imageDir === d && !r.aliasOf && !r.deprecated) ?? RUNTIMES.find((r) => r.imageDir === d && !r.aliasOf);
}
