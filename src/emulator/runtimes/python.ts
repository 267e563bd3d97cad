/**
 * Python runtimes: `PythonX.Y` runs on a local Python X.Y (chosen by choose.ts), with our bootstrap
 * (assets/python-bootstrap.py, which runs on 2.7 and every 3.x). Python2.7 runs only on a Python 2,
 * Python3.x only on a Python 3: the two are different languages, so the nearest version never crosses.
 */
import { spawnSync } from 'node:child_process';
import { fail, ok, type Outcome } from '../../model/outcome';
import type { ScfRuntime } from '../../model/runtimes';
import { runtimeAsset } from './assets';
import { pythonBootstrapFile } from './pythonBytecode';
import { chooseFor, type RuntimeOptions } from './choose';
import { versionParts } from '../../model/runtimes';
import type { LocalRuntime } from './index';

export function resolvePython(runtime: ScfRuntime, options: RuntimeOptions): Outcome<LocalRuntime> {
  const major = versionParts(runtime.version)[0];
  const chosen = chooseFor(runtime, options, {
    familyPath: major === 3 && options.pythonPath ? { path: options.pythonPath, source: 'scf.pythonPath' } : undefined,
    allowed: (v) => versionParts(v)[0] === major,
  });
  if (!chosen.ok) {
    if (chosen.error.code !== 'runtime.notInstalled') return chosen;
    const install = major === 2 ? 'pyenv install 2.7.18' : `pyenv install ${runtime.version}, apt-get install python3`;
    return fail(
      'runtime.notInstalled',
      `runtime ${runtime.name} is not available locally: SCF runs it on Python ${runtime.version}, and no Python ${major} was found (PATH, pyenv, asdf, mise, uv)` +
        `${major === 2 ? '; it is never run on Python 3, which would hide the differences' : ''}. Install one (${install}) or point scf.runtimePaths["${runtime.name}"] (--runtime-path ${runtime.name}=PATH) at it`,
    );
  }
  const python = chosen.value;
  const bootstrap = runtimeAsset('python-bootstrap.py');
  // -X utf8 (3.7+; older 3.x ignore -X options they do not know) keeps the handler's output UTF-8 whatever the locale; Python 2 has no -X.
  const utf8 = major === 3 ? ['-X', 'utf8'] : [];
  return ok({
    family: 'python',
    scfRuntime: runtime.name,
    command: python.interpreter.path,
    version: python.version,
    args: (codeDir, handler, extra = [], debugPort) => [
      '-u',
      ...utf8,
      ...(debugPort === undefined ? [] : ['-m', 'debugpy', '--listen', `127.0.0.1:${debugPort}`, '--wait-for-client']),
      // the bootstrap's bytecode made once by this interpreter (pythonBytecode.ts); the source under a debugger
      debugPort === undefined ? pythonBootstrapFile(python.interpreter.path, python.version, bootstrap) : bootstrap,
      codeDir,
      handler,
      ...extra,
    ],
    describe: python.describe,
    initFrame: true,
  });
}

const debugpyFound = new Map<string, boolean>();

/** Whether debugpy can be imported by this interpreter (once per interpreter). */
export function hasDebugpy(python: string): boolean {
  if (!debugpyFound.has(python)) {
    const r = spawnSync(python, ['-c', 'import debugpy'], { timeout: 15_000 });
    debugpyFound.set(python, r.status === 0);
  }
  return debugpyFound.get(python)!;
}
