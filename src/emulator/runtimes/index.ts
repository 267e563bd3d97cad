/**
 * Which local program runs which SCF runtime. The runtime table (src/model/runtimes.ts) says each
 * runtime's family and version; each family's module chooses the local interpreter (choose.ts: the
 * runtime's own version where it is installed, otherwise the nearest, said in the log) and how to
 * start our bootstrap on it. A runtime the emulator cannot run is refused with a clear message, never
 * run on the wrong language.
 */
import { fail, ok, type Outcome } from '../../model/outcome';
import { findRuntimeIgnoringCase, nearestRuntimes, type RuntimeFamily, type ScfRuntime } from '../../model/runtimes';
import type { RuntimeOptions } from './choose';
import { resolveNode } from './node';
import { resolvePhp } from './php';
import { resolvePython } from './python';

export type { RuntimeOptions } from './choose';
export { hasDebugpy } from './python';

export interface LocalRuntime {
  family: RuntimeFamily;
  /** The SCF runtime name from serverless.yml, e.g. `Nodejs18.15`. */
  scfRuntime: string;
  command: string;
  /** The local interpreter's version (undefined for Custom Runtime: the bootstrap is the program). */
  version?: string;
  args: (codeDir: string, handler: string, extra?: string[], debugPort?: number, memorySize?: number) => string[];
  /** e.g. "the local Node.js 20.20.2 (PATH: /usr/bin/node)", for the log line that says what really runs the code. */
  describe: string;
  /**
   * The bootstrap loads the handler only when told to ({"t":"init"}, the channel's first frame), so its
   * start runs none of the user's code (Node.js, Python): such a start may be made ahead of time.
   */
  initFrame?: boolean;
}

type Resolver = (runtime: ScfRuntime, options: RuntimeOptions) => Outcome<LocalRuntime>;

/** Families whose runtimes run here; the others are refused with NOT_LOCAL's reason. */
const RESOLVERS: Partial<Record<RuntimeFamily, Resolver>> = {
  nodejs: resolveNode,
  python: resolvePython,
  // Java and Go are required when asked for: they bring node:crypto, node:net and node:http (the Go
  // instance's port), which a Node.js or Python cold start does not need.
  java: (runtime, options) => (require('./java') as typeof import('./java')).resolveJava(runtime, options),
  php: resolvePhp,
  go: (runtime, options) => (require('./go') as typeof import('./go')).resolveGo(runtime, options),
  custom: (runtime) =>
    ok({ family: 'custom', scfRuntime: runtime.name, command: 'scf_bootstrap', args: () => [], describe: 'your scf_bootstrap (or bootstrap), serving it the runtime API on 127.0.0.1' }),
};

const NOT_LOCAL: Partial<Record<RuntimeFamily, string>> = {};

export function resolveRuntime(scfRuntime: string, options: RuntimeOptions = {}): Outcome<LocalRuntime> {
  const runtime = findRuntimeIgnoringCase(scfRuntime);
  if (!runtime) {
    const near = nearestRuntimes(scfRuntime);
    return fail('runtime.unknown', `unknown runtime "${scfRuntime}"${near.length ? `; did you mean ${near.join(' or ')}?` : '; SCF runtimes look like Nodejs18.15, Python3.9, Go1, Java11, Php8.0 or CustomRuntime'}`);
  }
  const resolve = RESOLVERS[runtime.family];
  if (!resolve) return fail('runtime.notLocal', `runtime ${scfRuntime} is not available locally: ${NOT_LOCAL[runtime.family] ?? 'the local emulator does not run it'}`);
  return resolve(runtime, options);
}
