/**
 * Choosing the local interpreter for an SCF runtime, the same way for every language: a path the user
 * set for this runtime (`scf.runtimePaths["Python3.7"]`, `--runtime-path Python3.7=...`) or for its
 * family (`scf.runtimePaths.python`, `scf.pythonPath`, `--python`) wins; otherwise the installed one of
 * the runtime's own version (interpreters.ts); otherwise the nearest installed version, which the log
 * line says. A path that is set but does not exist is an error, never silently replaced.
 */
import { fail, ok, type Outcome } from '../../model/outcome';
import type { ScfRuntime } from '../../model/runtimes';
import { chooseInterpreter, interpreterAt, interpreters, sameVersion, type Choice, type DiscoveryEnv, type Interpreter, type Tool } from './interpreters';

export interface RuntimeOptions {
  /** The node for every Node.js runtime (scf.nodePath): wins over discovery. */
  nodePath?: string;
  /** The python3 for the Python 3 runtimes (scf.pythonPath, --python): wins over discovery for Python3.x. */
  pythonPath?: string;
  /** The php for every PHP runtime (--php). */
  phpPath?: string;
  /** Interpreters per runtime (`Python3.7`) or per family (`python`, `nodejs`, `java`, `php`, `go`): scf.runtimePaths, --runtime-path. */
  runtimePaths?: Record<string, string>;
  /** PATH, HOME and the version managers' variables that discovery reads (default: process.env). */
  env?: DiscoveryEnv;
}

export interface Chosen extends Choice {
  /** What the log line says after "runs on", e.g. "the local Python 3.7.16 (pyenv: /root/.pyenv/versions/3.7.16/bin/python)". */
  describe: string;
}

const LANGUAGE: Record<Tool, string> = { python: 'Python', node: 'Node.js', java: 'Java', php: 'PHP', go: 'Go' };

/** The version SCF's image runs, as people say it: "Python 3.7", "Node.js 16", "Java 8". */
export function scfLanguage(runtime: ScfRuntime): string {
  return `${LANGUAGE[runtime.local.tool!]} ${runtime.local.version}`;
}

export function chooseFor(
  runtime: ScfRuntime,
  options: RuntimeOptions,
  extra: { familyPath?: { path: string; source: string }; allowed?: (version: string) => boolean; fallback?: Interpreter[] } = {},
): Outcome<Chosen> {
  const tool = runtime.local.tool!;
  const env = options.env ?? (process.env as DiscoveryEnv);
  const allowed = extra.allowed ?? (() => true);
  const paths = options.runtimePaths ?? {};
  const explicit: Array<{ path: string; source: string }> = [];
  if (paths[runtime.name]) explicit.push({ path: paths[runtime.name]!, source: `scf.runtimePaths["${runtime.name}"]` });
  if (paths[runtime.family]) explicit.push({ path: paths[runtime.family]!, source: `scf.runtimePaths.${runtime.family}` });
  if (extra.familyPath) explicit.push(extra.familyPath);
  for (const e of explicit) {
    const i = interpreterAt(tool, e.path, e.source, env);
    if (!i) return fail('runtime.pathMissing', `${e.source} is "${e.path}", which is not an executable here; fix the path or remove the setting to use the ${LANGUAGE[tool]} found on this machine`);
    const choice = chooseInterpreter(runtime.local, [i], allowed);
    if (!choice) {
      // A family-wide path that is the wrong major (a Python 3 for Python2.7) does not apply.
      if (e.source.includes(runtime.name)) return fail('runtime.pathWrongVersion', `${e.source} is "${e.path}", which cannot run ${runtime.name} (${scfLanguage(runtime)}); point it at a ${scfLanguage(runtime)}`);
      continue;
    }
    return ok(describeChoice(runtime, choice));
  }
  const choice = chooseInterpreter(runtime.local, [...interpreters(tool, env), ...(extra.fallback ?? [])], allowed);
  if (!choice) return fail('runtime.notInstalled', `no local ${LANGUAGE[tool]} to run ${runtime.name}`);
  return ok(describeChoice(runtime, choice));
}

function describeChoice(runtime: ScfRuntime, choice: Choice): Chosen {
  const { interpreter: i, version } = choice;
  const base = `the local ${LANGUAGE[i.tool]} ${version} (${i.source}: ${i.path})`;
  const exact = sameVersion(runtime.local, version);
  const describe = exact
    ? base
    : `${base}; SCF runs ${scfLanguage(runtime)}, which is not installed here${i.source.startsWith('scf.') ? '' : ` (the nearest version runs it; set scf.runtimePaths["${runtime.name}"] or --runtime-path ${runtime.name}=PATH to choose one)`}`;
  return { ...choice, exact, describe };
}
