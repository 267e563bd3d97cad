/**
 * The scf component's `entryFile` for web functions (serverless-components/tencent-scf, src/utils.js
 * handleWebFuncEntryFile and src/config.js): when a `type: web` function's code has no `scf_bootstrap`,
 * the component adds one to the package that starts `entryFile` (default app.js for Node.js, app.py for
 * Python, hello.php for PHP) with the runtime image's interpreter: `/var/lang/node12/bin/node app.js`,
 * `/var/lang/python3/bin/python3 -u app.py`, `/var/lang/php7/bin/php -S 0.0.0.0:9000 hello.php`. The
 * emulator runs the same file (its image paths mapped to local interpreters like every scf_bootstrap).
 */
import { findRuntimeIgnoringCase, imageInterpreter } from './runtimes';

const DEFAULT_ENTRY: Partial<Record<string, string>> = { nodejs: 'app.js', python: 'app.py', php: 'hello.php' };

/** The scf_bootstrap the scf component adds for a web function without one, or undefined where it adds none. */
export function scfComponentBootstrap(runtime: string, entryFile: string | undefined): { content: string; entryFile: string } | undefined {
  const r = findRuntimeIgnoringCase(runtime);
  const interpreter = r ? imageInterpreter(r) : undefined;
  const entry = entryFile || (r ? DEFAULT_ENTRY[r.family] : undefined);
  if (!r || !interpreter || !entry) return undefined;
  const runner = r.family === 'python' ? `${interpreter} -u` : r.family === 'php' ? `${interpreter} -S 0.0.0.0:9000` : interpreter;
  return { content: `#!/usr/bin/env bash \n${runner} ${entry}`, entryFile: entry };
}
