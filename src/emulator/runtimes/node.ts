/**
 * Node.js runtimes: `NodejsX.Y` runs on a local Node.js X (any X.y: SCF's minor is a build detail), chosen
 * by choose.ts from PATH, nvm, fnm, volta, n, asdf and mise, with our bootstrap (assets/node-bootstrap.js,
 * which runs on Node.js 8 and later: an older Node.js is never chosen).
 */
import { fail, ok, type Outcome } from '../../model/outcome';
import { versionParts, type ScfRuntime } from '../../model/runtimes';
import { runtimeAsset } from './assets';
import { chooseFor, type RuntimeOptions } from './choose';
import type { Interpreter } from './interpreters';
import type { LocalRuntime } from './index';

/** The oldest Node.js our bootstrap runs on. */
const BOOTSTRAP_FLOOR = 8;

export function resolveNode(runtime: ScfRuntime, options: RuntimeOptions): Outcome<LocalRuntime> {
  // This host's own Node.js (not Electron's, which does not run as Node in the handler's clean environment).
  const self: Interpreter[] = process.versions.electron ? [] : [{ tool: 'node', path: process.execPath, source: 'the Node.js running SCF Toolkit', knownVersion: process.versions.node }];
  const chosen = chooseFor(runtime, options, {
    familyPath: options.nodePath ? { path: options.nodePath, source: 'scf.nodePath' } : undefined,
    allowed: (v) => (versionParts(v)[0] ?? 0) >= BOOTSTRAP_FLOOR,
    fallback: self,
  });
  if (!chosen.ok) {
    if (chosen.error.code !== 'runtime.notInstalled') return chosen;
    return fail('runtime.notInstalled', `runtime ${runtime.name} needs Node.js, and there is no node on PATH (nor nvm, fnm, volta); install Node.js or set scf.nodePath / scf.runtimePaths["${runtime.name}"]`);
  }
  const node = chosen.value;
  const bootstrap = runtimeAsset('node-bootstrap.js');
  return ok({
    family: 'nodejs',
    scfRuntime: runtime.name,
    command: node.interpreter.path,
    version: node.version,
    args: (codeDir, handler, extra = [], debugPort) => [
      '--no-deprecation',
      ...(debugPort === undefined ? [] : [`--inspect=127.0.0.1:${debugPort}`]),
      bootstrap,
      codeDir,
      handler,
      ...extra,
      ...(debugPort === undefined ? [] : ['--wait-debugger']),
    ],
    describe: node.describe,
    initFrame: true,
  });
}
