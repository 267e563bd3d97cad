/**
 * Finding the local interpreters that can stand in for SCF's images: every Python, Node.js, Java, PHP
 * and Go installed on the machine, with its version, from where people install them:
 *   Python   PATH (`python3.7`, `python3`, `python2.7` ...), pyenv, asdf, mise, uv
 *   Node.js  PATH `node`, nvm, fnm, volta, n, asdf, mise
 *   Java     JAVA_HOME, PATH `java`, /usr/lib/jvm, sdkman, asdf, mise, macOS JavaVirtualMachines
 *   PHP      PATH (`php`, `php8.2` ...), asdf, mise
 *   Go       PATH `go`, asdf, mise
 * Discovery is cheap and never runs an interpreter when its path tells the version (pyenv's
 * `versions/3.7.16`, nvm's `v16.20.2`, `python3.11` on PATH, a JDK's `release` file, a symlink's
 * target): a path that does not tell is asked once, lazily, only when a choice needs it. Everything is
 * cached per process (a new process sees newly installed interpreters). Version-manager shims (pyenv's
 * and asdf's `shims/` folders) are skipped: the installs behind them are read directly, which also
 * keeps the shims' start-up (and their own environment needs) out of every cold start.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { compareVersions, versionParts, type LocalInterpreterRule } from '../../model/runtimes';
import { probe } from '../probeCache';

export type Tool = NonNullable<LocalInterpreterRule['tool']>;

export interface Interpreter {
  tool: Tool;
  /** The program to start (a real executable, never a version-manager shim). */
  path: string;
  /** Where it was found, for the log line: "PATH", "pyenv", "nvm", "scf.runtimePaths" ... */
  source: string;
  /** Java: the JDK's home folder (its bin/javac compiles our bootstrap). */
  home?: string;
  /** The version when the path tells it; otherwise found by `version()`. */
  knownVersion?: string;
}

/** The environment variables discovery reads besides PATH and HOME (passed on to the emulator host). */
export const DISCOVERY_VARIABLES = ['PYENV_ROOT', 'ASDF_DATA_DIR', 'UV_PYTHON_INSTALL_DIR', 'XDG_DATA_HOME', 'NVM_DIR', 'FNM_DIR', 'VOLTA_HOME', 'N_PREFIX', 'JAVA_HOME', 'SDKMAN_DIR'] as const;

export interface DiscoveryEnv {
  PATH?: string;
  HOME?: string;
  [key: string]: string | undefined;
}

const askedVersions = new Map<string, string | undefined>();

/** The interpreter's version: from its path when it tells, else asked once per process. */
export function interpreterVersion(i: Interpreter): string | undefined {
  if (i.knownVersion) return i.knownVersion;
  const key = `${i.tool}\0${i.path}`;
  // kept across processes too (probeCache.ts: until the interpreter's file changes), so a CLI invoke
  // does not start the interpreter once just to learn its version
  if (!askedVersions.has(key)) askedVersions.set(key, probe(`version:${key}`, [i.path], () => askVersion(i.tool, i.path)));
  return askedVersions.get(key);
}

function askVersion(tool: Tool, path: string): string | undefined {
  const probe: Record<Tool, string[]> = {
    python: ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
    node: ['-p', 'process.versions.node'],
    php: ['-r', 'echo PHP_VERSION;'],
    go: ['env', 'GOVERSION'],
    java: ['-XshowSettings:properties', '-version'],
  };
  const r = spawnSync(path, probe[tool], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) return undefined;
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (tool === 'java') return /java\.specification\.version = (\S+)/.exec(out)?.[1]?.replace(/^1\./, '');
  return /(\d+(?:\.\d+)+|\d+)/.exec(out)?.[1];
}

/** The version a path tells: `python3.7`, `.../versions/3.7.16/bin/python`, `v16.20.2/bin/node` ... */
export function versionFromPath(tool: Tool, path: string): string | undefined {
  if (tool === 'python' || tool === 'php') {
    const named = new RegExp(`^${tool}(\\d+(?:\\.\\d+)+)$`).exec(basename(path));
    if (named) return named[1];
  }
  // The folder the bin/ folder sits in (nvm's v16.20.2, uv's cpython-3.11.5-linux..., go-1.19).
  const parts = path.split('/');
  const bin = parts.lastIndexOf('bin');
  if (bin < 1) return undefined;
  let folder = parts[bin - 1]!;
  if (folder === 'installation' || folder === 'go') folder = parts[bin - 2] ?? '';
  return /(\d+\.\d+(?:\.\d+)?)/.exec(folder)?.[1];
}

/** Whether a file exists and may be run. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  // (existsSync first: most version managers' folders are absent, and a readdir that throws builds an
  // error with its stack, ~9 folders per Node.js discovery on a cold invoke's path)
  if (!existsSync(dir)) return [];
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function real(path: string): string {
  try {
    // realpath(3), one call, where it behaves as the JS walk does (POSIX): the walk lstat()s every
    // part of the path, ~0.5 ms per interpreter found, on every cold invoke's path
    return process.platform === 'win32' ? realpathSync(path) : realpathSync.native(path);
  } catch {
    return path;
  }
}

const isShimDir = (dir: string) => /[/\\]shims[/\\]?$/.test(dir);

/** Executables on PATH whose names match, in PATH order, shims left out. */
function onPath(env: DiscoveryEnv, names: RegExp): string[] {
  const out: string[] = [];
  // One exact name (`node`, `java`): a stat per PATH folder, not a listing of each (/usr/bin holds thousands).
  const exact = /^\^([\w.-]+)\$$/.exec(names.source)?.[1];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || isShimDir(dir)) continue;
    if (exact !== undefined) {
      if (isExecutable(join(dir, exact))) out.push(join(dir, exact));
      continue;
    }
    for (const name of namesIn(dir, names)) if (isExecutable(join(dir, name))) out.push(join(dir, name));
  }
  return out;
}

/**
 * The names in `dir` that match, kept across processes (probeCache.ts) while the folder's stamp is the
 * same: adding, removing or renaming an entry changes a folder's modification time. Listing PATH's
 * folders (/usr/bin and /bin hold a thousand names each) was ~3-25 ms of every Python cold invoke; a
 * stat per folder is ~0.02 ms. Only the names are kept: whether each is an executable is checked anew.
 */
function namesIn(dir: string, names: RegExp): string[] {
  return probe(`names:${names.source}:${dir}`, [dir], () => listDir(dir).filter((name) => names.test(name)));
}

/** `<root>/<version dir>/<rel>` for each version folder of a version manager. */
function installs(root: string | undefined, rel: string, source: string, tool: Tool, versionOf: (dir: string) => string | undefined = (d) => /(\d+(?:\.\d+)*)/.exec(d)?.[1]): Interpreter[] {
  if (!root) return [];
  const out: Interpreter[] = [];
  for (const name of listDir(root)) {
    const path = join(root, name, rel);
    if (!isExecutable(path)) continue;
    const knownVersion = versionOf(name);
    if (knownVersion) out.push({ tool, path, source, knownVersion });
  }
  return out;
}

const home = (env: DiscoveryEnv) => env.HOME ?? '';
const xdgData = (env: DiscoveryEnv) => env.XDG_DATA_HOME || join(home(env), '.local', 'share');

function discoverPython(env: DiscoveryEnv): Interpreter[] {
  const found: Interpreter[] = [];
  for (const path of onPath(env, /^python(\d(\.\d+)?)?$/)) {
    const target = real(path);
    found.push({ tool: 'python', path, source: 'PATH', knownVersion: versionFromPath('python', path) ?? versionFromPath('python', target) });
  }
  const pyenv = env.PYENV_ROOT || join(home(env), '.pyenv');
  // Plain CPython versions only (3.7.16, 2.7.18): pyenv's other builds (pypy, miniconda) are not SCF's.
  const cpython = (d: string) => (/^\d+\.\d+\.\d+$/.test(d) ? d : undefined);
  found.push(...installs(join(pyenv, 'versions'), 'bin/python', 'pyenv', 'python', cpython));
  found.push(...installs(join(env.ASDF_DATA_DIR || join(home(env), '.asdf'), 'installs', 'python'), 'bin/python', 'asdf', 'python', cpython));
  found.push(...installs(join(xdgData(env), 'mise', 'installs', 'python'), 'bin/python', 'mise', 'python', cpython));
  const uv = env.UV_PYTHON_INSTALL_DIR || join(xdgData(env), 'uv', 'python');
  found.push(...installs(uv, 'bin/python3', 'uv', 'python', (d) => /^cpython-(\d+\.\d+\.\d+)-/.exec(d)?.[1]));
  return found;
}

function discoverNode(env: DiscoveryEnv): Interpreter[] {
  const found: Interpreter[] = [];
  const self = real(process.execPath);
  for (const path of onPath(env, /^node$/)) {
    const target = real(path);
    // The node running this host tells its version without being asked (Electron's does not count).
    const knownVersion = versionFromPath('node', target) ?? (target === self && !process.versions.electron ? process.versions.node : undefined);
    found.push({ tool: 'node', path, source: 'PATH', knownVersion });
  }
  const v = (d: string) => /^v?(\d+\.\d+\.\d+)$/.exec(d)?.[1];
  found.push(...installs(join(env.NVM_DIR || join(home(env), '.nvm'), 'versions', 'node'), 'bin/node', 'nvm', 'node', v));
  for (const fnm of [env.FNM_DIR, join(xdgData(env), 'fnm'), join(home(env), '.fnm'), join(home(env), 'Library', 'Application Support', 'fnm')]) {
    if (fnm) found.push(...installs(join(fnm, 'node-versions'), 'installation/bin/node', 'fnm', 'node', v));
  }
  found.push(...installs(join(env.VOLTA_HOME || join(home(env), '.volta'), 'tools', 'image', 'node'), 'bin/node', 'volta', 'node', v));
  found.push(...installs(join(env.N_PREFIX || '/usr/local', 'n', 'versions', 'node'), 'bin/node', 'n', 'node', v));
  found.push(...installs(join(env.ASDF_DATA_DIR || join(home(env), '.asdf'), 'installs', 'nodejs'), 'bin/node', 'asdf', 'node', v));
  found.push(...installs(join(xdgData(env), 'mise', 'installs', 'node'), 'bin/node', 'mise', 'node', v));
  return found;
}

/** A JDK's (or JRE's) version from its `release` file: JAVA_VERSION="1.8.0_392" -> 8, "17.0.9" -> 17.0.9. */
function jdkVersion(homeDir: string): string | undefined {
  try {
    const m = /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(join(homeDir, 'release'), 'utf8'));
    return m ? m[1]!.replace(/^1\.(\d+).*/, '$1').replace(/[_+-].*$/, '') : undefined;
  } catch {
    return undefined;
  }
}

function discoverJava(env: DiscoveryEnv): Interpreter[] {
  const homes: Array<{ dir: string; source: string }> = [];
  if (env.JAVA_HOME) homes.push({ dir: env.JAVA_HOME, source: 'JAVA_HOME' });
  for (const path of onPath(env, /^java$/)) homes.push({ dir: dirname(dirname(real(path))), source: 'PATH' });
  for (const name of listDir('/usr/lib/jvm')) homes.push({ dir: join('/usr/lib/jvm', name), source: '/usr/lib/jvm' });
  for (const name of listDir('/Library/Java/JavaVirtualMachines')) homes.push({ dir: join('/Library/Java/JavaVirtualMachines', name, 'Contents', 'Home'), source: 'JavaVirtualMachines' });
  const sdkman = join(env.SDKMAN_DIR || join(home(env), '.sdkman'), 'candidates', 'java');
  for (const name of listDir(sdkman)) if (name !== 'current') homes.push({ dir: join(sdkman, name), source: 'sdkman' });
  for (const name of listDir(join(env.ASDF_DATA_DIR || join(home(env), '.asdf'), 'installs', 'java'))) homes.push({ dir: join(env.ASDF_DATA_DIR || join(home(env), '.asdf'), 'installs', 'java', name), source: 'asdf' });
  for (const name of listDir(join(xdgData(env), 'mise', 'installs', 'java'))) homes.push({ dir: join(xdgData(env), 'mise', 'installs', 'java', name), source: 'mise' });
  const seen = new Set<string>();
  const found: Interpreter[] = [];
  for (const h of homes) {
    const dir = real(h.dir);
    const path = join(dir, 'bin', 'java');
    if (seen.has(dir) || !isExecutable(path)) continue;
    seen.add(dir);
    found.push({ tool: 'java', path, source: h.source, home: dir, knownVersion: jdkVersion(dir) });
  }
  return found;
}

function discoverPhp(env: DiscoveryEnv): Interpreter[] {
  const found: Interpreter[] = [];
  for (const path of onPath(env, /^php(\d+(\.\d+)?)?$/)) found.push({ tool: 'php', path, source: 'PATH', knownVersion: versionFromPath('php', path) ?? versionFromPath('php', real(path)) });
  found.push(...installs(join(env.ASDF_DATA_DIR || join(home(env), '.asdf'), 'installs', 'php'), 'bin/php', 'asdf', 'php'));
  found.push(...installs(join(xdgData(env), 'mise', 'installs', 'php'), 'bin/php', 'mise', 'php'));
  return found;
}

function discoverGo(env: DiscoveryEnv): Interpreter[] {
  const found: Interpreter[] = onPath(env, /^go$/).map((path) => ({ tool: 'go' as const, path, source: 'PATH', knownVersion: /go-?(\d+\.\d+(?:\.\d+)?)/.exec(real(path))?.[1] }));
  found.push(...installs(join(env.ASDF_DATA_DIR || join(home(env), '.asdf'), 'installs', 'golang'), 'go/bin/go', 'asdf', 'go'));
  found.push(...installs(join(xdgData(env), 'mise', 'installs', 'go'), 'bin/go', 'mise', 'go'));
  return found;
}

const DISCOVER: Record<Tool, (env: DiscoveryEnv) => Interpreter[]> = { python: discoverPython, node: discoverNode, java: discoverJava, php: discoverPhp, go: discoverGo };
const discovered = new Map<string, Interpreter[]>();

/** Every interpreter of a tool on this machine, in order of preference (PATH first), once per process. */
export function interpreters(tool: Tool, env: DiscoveryEnv): Interpreter[] {
  const key = JSON.stringify([tool, env.PATH, env.HOME, env.PYENV_ROOT, env.NVM_DIR, env.JAVA_HOME, env.XDG_DATA_HOME]);
  let list = discovered.get(key);
  if (!list) {
    const seen = new Set<string>();
    list = DISCOVER[tool](env).filter((i) => {
      const id = real(i.path);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    discovered.set(key, list);
  }
  return list;
}

/** An interpreter at a path the user gave (a setting or flag): its version from the path or asked. */
export function interpreterAt(tool: Tool, path: string, source: string, env: DiscoveryEnv): Interpreter | undefined {
  let program = path.startsWith('~/') && env.HOME ? join(env.HOME, path.slice(2)) : path;
  if (!program.includes('/')) {
    // A bare name means what a shell would run, version-manager shims included (`python3` under pyenv
    // is the shim for pyenv's chosen version): a shim is resolved to the real program once.
    const hit = (env.PATH ?? '').split(delimiter).map((dir) => join(dir, program)).find((p) => notRelative(p) && isExecutable(p));
    if (!hit) return undefined;
    program = isShimDir(dirname(hit)) ? (behindShim(tool, hit) ?? hit) : hit;
  } else if (!isExecutable(program)) return undefined;
  const i: Interpreter = { tool, path: program, source, knownVersion: versionFromPath(tool, program) ?? versionFromPath(tool, real(program)) };
  if (tool === 'java') {
    i.home = dirname(dirname(real(program)));
    i.knownVersion = jdkVersion(i.home) ?? i.knownVersion;
  }
  return i;
}

const notRelative = (p: string) => dirname(p) !== ".";
const behind = new Map<string, string | undefined>();

/** The real interpreter a shim runs (asked once per process). */
function behindShim(tool: Tool, shim: string): string | undefined {
  if (!behind.has(shim)) {
    const probe = tool === 'python' ? ['-c', 'import sys; print(sys.executable)'] : tool === 'node' ? ['-p', 'process.execPath'] : undefined;
    const r = probe ? spawnSync(shim, probe, { encoding: 'utf8', timeout: 15_000 }) : undefined;
    const out = r && r.status === 0 ? r.stdout.trim() : '';
    behind.set(shim, out && isExecutable(out) ? out : undefined);
  }
  return behind.get(shim);
}

/** Whether a version is the one the rule asks for (Node.js 16.x for 16; Python 3.7.x for 3.7). */
export function sameVersion(rule: LocalInterpreterRule, version: string): boolean {
  if (rule.match === 'any') return true;
  const want = versionParts(rule.version);
  const have = versionParts(version);
  const n = rule.match === 'major' ? 1 : 2;
  for (let i = 0; i < n; i++) if ((want[i] ?? 0) !== (have[i] ?? 0)) return false;
  return true;
}

/** How far a version is from the one the rule asks for (0: the same), for choosing the nearest. */
function versionDistance(rule: LocalInterpreterRule, version: string): number {
  const want = versionParts(rule.version);
  const have = versionParts(version);
  return Math.abs((have[0] ?? 0) - (want[0] ?? 0)) * 1000 + Math.abs((have[1] ?? 0) - (want[1] ?? 0));
}

export interface Choice {
  interpreter: Interpreter;
  version: string;
  /** The version SCF runs (by the rule), or the nearest one installed. */
  exact: boolean;
}

/**
 * The interpreter for a rule: the first of the candidates with the same version (asking the versions
 * the paths do not tell only when no told one matches), otherwise the nearest version that `allowed`
 * accepts (ties to the newer), otherwise none.
 */
export function chooseInterpreter(rule: LocalInterpreterRule, candidates: Interpreter[], allowed: (version: string) => boolean = () => true): Choice | undefined {
  const told = candidates.filter((c) => c.knownVersion !== undefined);
  for (const c of told) if (sameVersion(rule, c.knownVersion!) && allowed(c.knownVersion!)) return { interpreter: c, version: c.knownVersion!, exact: true };
  const versioned: Array<{ c: Interpreter; v: string }> = told.map((c) => ({ c, v: c.knownVersion! }));
  for (const c of candidates) {
    if (c.knownVersion !== undefined) continue;
    const v = interpreterVersion(c);
    if (v === undefined) continue;
    if (sameVersion(rule, v) && allowed(v)) return { interpreter: c, version: v, exact: true };
    versioned.push({ c, v });
  }
  const near = versioned
    .filter((x) => allowed(x.v))
    .sort((a, b) => versionDistance(rule, a.v) - versionDistance(rule, b.v) || compareVersions(b.v, a.v))[0];
  return near ? { interpreter: near.c, version: near.v, exact: false } : undefined;
}
