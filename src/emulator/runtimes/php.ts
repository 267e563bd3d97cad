/**
 * PHP runtimes (`Php5.6`, `Php7`, `Php7.4`, `Php8.0` ...): the handler `file.function` runs in a local
 * PHP CLI under our bootstrap (assets/php-bootstrap.php), over the same framed channel as the Node.js
 * and Python bootstraps (instance.ts). The PHP is chosen by choose.ts like every interpreter: `--php`
 * or scf.runtimePaths, else the runtime's own PHP X.Y (PATH `php7.4`, `php`, asdf, mise), else the
 * nearest, which the log line says. The bootstrap runs on PHP 5.6 and later: an older PHP is never chosen.
 */
import { fail, ok, type Outcome } from '../../model/outcome';
import { compareVersions, type ScfRuntime } from '../../model/runtimes';
import { runtimeAsset } from './assets';
import { chooseFor, type RuntimeOptions } from './choose';
import type { LocalRuntime } from './index';

/** The oldest PHP our bootstrap runs on. */
const BOOTSTRAP_FLOOR = '5.6';

export function resolvePhp(runtime: ScfRuntime, options: RuntimeOptions): Outcome<LocalRuntime> {
  const chosen = chooseFor(runtime, options, {
    familyPath: options.phpPath ? { path: options.phpPath, source: '--php' } : undefined,
    allowed: (v) => compareVersions(v, BOOTSTRAP_FLOOR) >= 0,
  });
  if (!chosen.ok) {
    if (chosen.error.code !== 'runtime.notInstalled') return chosen;
    return fail(
      'runtime.notInstalled',
      `runtime ${runtime.name} needs PHP (SCF runs it on PHP ${runtime.version}), and no php ${BOOTSTRAP_FLOOR} or later was found (PATH, asdf, mise); install the PHP CLI (apt-get install php-cli, brew install php) or point scf.runtimePaths["${runtime.name}"] (--runtime-path ${runtime.name}=PATH) at one`,
    );
  }
  const php = chosen.value;
  const bootstrap = runtimeAsset('php-bootstrap.php');
  return ok({
    family: 'php',
    scfRuntime: runtime.name,
    command: php.interpreter.path,
    version: php.version,
    args: (codeDir, handler) => [bootstrap, codeDir, handler],
    describe: php.describe,
  });
}
