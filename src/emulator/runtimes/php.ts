/**
 * The PHP runtimes (`Php5`, `Php7`, `Php7.4`, `Php8.0` ...): the handler `file.function` runs in the
 * local PHP CLI under our bootstrap (assets/php-bootstrap.php), over the same framed channel as the
 * Node.js and Python bootstraps (instance.ts). The PHP that runs it: the one set for the runtime, else
 * a `phpX.Y` / `phpX` on PATH matching the runtime's version (SCF runs Php5 on 5.6 and Php7 on 7.2),
 * else `php`; the log line names the local version and says when its major version differs.
 */
import { spawnSync } from 'node:child_process';
import { runtimeAsset } from './assets';

/** SCF's PHP versions by runtime name (Php5 and Php7 are SCF's 5.6 and 7.2). */
const SCF_PHP: Record<string, string> = { php5: '5.6', 'php5.6': '5.6', php7: '7.2', 'php7.2': '7.2', 'php7.4': '7.4', php8: '8.0', 'php8.0': '8.0', 'php8.2': '8.2' };

export function scfPhpVersion(scfRuntime: string): string | undefined {
  const name = scfRuntime.toLowerCase();
  if (SCF_PHP[name]) return SCF_PHP[name];
  const m = /^php(\d+)(?:\.(\d+))?$/.exec(name);
  return m ? `${m[1]}${m[2] === undefined ? '' : `.${m[2]}`}` : undefined;
}

interface PhpInfo {
  /** The executable the command resolves to (PHP_BINARY). */
  binary: string;
  version: string;
}

const phps = new Map<string, PhpInfo | undefined>();

/** The PHP behind a command and its version, asked once per command. */
export function findPhp(command: string): PhpInfo | undefined {
  if (!phps.has(command)) {
    const r = spawnSync(command, ['-n', '-r', 'echo PHP_BINARY, "\\n", PHP_VERSION;'], { encoding: 'utf8', timeout: 15_000 });
    const [binary, version] = (r.stdout ?? '').trim().split('\n');
    phps.set(command, r.status === 0 && version && /^\d+\.\d+/.test(version) ? { binary: binary || command, version } : undefined);
  }
  return phps.get(command);
}

export type PhpResolution = { ok: true; command: string; version: string; describe: string } | { ok: false; message: string };

/** Which local PHP runs a PHP runtime. */
export function resolvePhp(scfRuntime: string, phpPath?: string): PhpResolution {
  const wanted = scfPhpVersion(scfRuntime) ?? '';
  const [major, minor] = wanted.split('.');
  const candidates = phpPath ? [phpPath] : [...(minor ? [`php${major}.${minor}`] : []), `php${major}`, 'php'];
  for (const command of candidates) {
    const php = findPhp(command);
    if (!php) continue;
    const local = php.version.split('.').slice(0, 2).join('.');
    let describe = `the local PHP ${php.version}`;
    if (php.version.split('.')[0] !== major) {
      describe += ` (SCF runs ${scfRuntime} on PHP ${wanted}; no php${wanted} is installed here, so differences between PHP ${major} and ${local} will not show locally)`;
    } else if (minor && local !== wanted) {
      describe += ` (SCF runs ${scfRuntime} on PHP ${wanted})`;
    }
    return { ok: true, command: php.binary, version: php.version, describe };
  }
  return {
    ok: false,
    message: phpPath
      ? `runtime ${scfRuntime} needs PHP, but "${phpPath}" was not found or is not PHP`
      : `runtime ${scfRuntime} needs PHP, and php is not installed; install the PHP CLI (e.g. apt-get install php-cli, brew install php)`,
  };
}

/** The php arguments for an instance: our bootstrap, the code folder and the handler. */
export function phpArgs(codeDir: string, handler: string): string[] {
  return [runtimeAsset('php-bootstrap.php'), codeDir, handler];
}
