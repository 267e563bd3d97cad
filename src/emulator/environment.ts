/**
 * The handler's environment, built from nothing: what a process needs (PATH, HOME, LANG, TZ), SCF's
 * built-in variables with local values (../shared/docs/scf-platform-facts.md §2), the function's
 * `environment.variables`, then the `.env` beside serverless.yml. Nothing else of the editor's or the
 * CLI's own environment reaches the handler, so no credentials leak into it.
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { basename, dirname } from 'node:path';
import type { FunctionSpec } from '../model';
import { readDotEnv } from '../model/dotenv';
import { probe } from './probeCache';
import { LAYER_ENV_PREFIX } from '../model/layers';
import { layerSearchPaths } from './layers';
import { DISCOVERY_VARIABLES } from './runtimes/interpreters';

/** Account identity shown to the handler; SCF fills these from the account. Local placeholders by default. */
export interface LocalIdentity {
  appId: string;
  uin: string;
}

export const DEFAULT_IDENTITY: LocalIdentity = { appId: '1250000000', uin: '100000000001' };

export const RESERVED_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'] as const;

/** Deploy credentials a `.env` may hold (as the scf CLI reads them): never given to the handler. */
const DEPLOY_CREDENTIAL_KEYS = new Set(['TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY', 'TENCENT_TOKEN', 'TENCENT_APP_ID']);

export interface FunctionEnvironment {
  /** The process environment of the runtime. */
  env: Record<string, string>;
  /** The user's variables (serverless.yml then .env), as `context.environment` shows them. */
  userVariables: Record<string, string>;
  /** Lines for the log: variables we refused to set, and why. */
  warnings: string[];
}

let locale: string | undefined;

/**
 * SCF sets LANG/LC_ALL to en_US.UTF8. Where that locale is not installed, every shell a handler starts
 * would warn about it, so we fall back to C.UTF-8 (same encoding) and say so in the README.
 */
function scfLocale(): string {
  // `locale -a` lists what /usr/lib/locale holds (a folder per locale, or the locale-archive); its
  // answer is kept until either changes (probeCache.ts), not asked again by every CLI invoke.
  locale ??= probe('locale:en_US.UTF8', ['/usr/lib/locale', '/usr/lib/locale/locale-archive'], () => {
    const r = spawnSync('locale', ['-a'], { encoding: 'utf8', timeout: 5000 });
    const names = (r.stdout ?? '').toLowerCase().split('\n');
    return names.includes('en_us.utf8') ? 'en_US.UTF8' : 'C.UTF-8';
  });
  return locale;
}

/** What a process needs to start on each OS; nothing else of a parent's environment is passed on. */
const HOST_KEYS: Record<string, string[]> = {
  win32: ['PATH', 'Path', 'SystemRoot', 'windir', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'ComSpec', 'PATHEXT'],
  default: ['PATH', 'HOME', 'TMPDIR'],
};

/**
 * The environment of a process of ours that runs handlers (the emulator host, the gateway, the local
 * endpoint), built from an allow-list: the editor's and the shell's own environment (deploy
 * credentials, tokens) stays out of it, so a handler that reads its parents' environments
 * (/proc/<pid>/environ where it can see them) finds none of it there. Credentials are read where they
 * are needed (deploy: .env, the environment, SecretStorage), never inherited.
 */
export function hostEnvironment(parent: NodeJS.ProcessEnv, opts: { electron?: boolean; extra?: Record<string, string | undefined> } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of HOST_KEYS[process.platform] ?? HOST_KEYS.default!) if (parent[key] !== undefined) env[key] = parent[key];
  // Where version managers keep interpreters, so the host finds each runtime's own version.
  for (const key of DISCOVERY_VARIABLES) if (parent[key] !== undefined) env[key] = parent[key];
  // How runtimes are contained (sandbox.ts): `tree` turns namespaces off, for troubleshooting.
  if (parent.SCF_TOOLKIT_CONTAINMENT) env.SCF_TOOLKIT_CONTAINMENT = parent.SCF_TOOLKIT_CONTAINMENT;
  // Desktop VS Code runs on Electron: forking its binary runs Node only with this set.
  if (opts.electron) env.ELECTRON_RUN_AS_NODE = '1';
  for (const [k, v] of Object.entries(opts.extra ?? {})) if (v !== undefined) env[k] = v;
  return env;
}

export function isReservedKey(key: string): boolean {
  return RESERVED_PREFIXES.some((p) => key.startsWith(p));
}

export function buildEnvironment(
  spec: FunctionSpec,
  callerEnv: NodeJS.ProcessEnv,
  identity: LocalIdentity = DEFAULT_IDENTITY,
): FunctionEnvironment {
  const warnings: string[] = [];
  const userVariables: Record<string, string> = {};
  const take = (source: string, vars: Record<string, string>) => {
    for (const [key, value] of Object.entries(vars)) {
      // SCF_TOOLKIT_LAYER_<name> in .env says where a layer's folder is: ours, not the handler's.
      if (source === '.env' && key.startsWith(LAYER_ENV_PREFIX)) continue;
      if (isReservedKey(key)) {
        warnings.push(`environment variable ${key} (${source}) not set: keys starting with ${RESERVED_PREFIXES.join(', ')} are reserved by SCF, which refuses them at deploy; rename it`);
        continue;
      }
      if (source === '.env' && DEPLOY_CREDENTIAL_KEYS.has(key)) {
        warnings.push(`${key} from .env is a deploy credential and is not given to the handler`);
        continue;
      }
      userVariables[key] = value;
    }
  };
  take(basename(spec.file), spec.environment);
  // Our choice: the local .env overrides serverless.yml, so a developer can point a variable at a
  // local service without editing the committed file.
  take('.env', readDotEnv(dirname(spec.file)));

  const codeRoot = spec.codeDir.endsWith('/') ? spec.codeDir : `${spec.codeDir}/`;
  const layers = layerSearchPaths(spec);
  const env: Record<string, string> = {
    PATH: callerEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: callerEnv.HOME ?? homedir(),
    LANG: scfLocale(),
    LC_ALL: scfLocale(),
    TZ: 'UTC',
    PWD: spec.codeDir,
    USER_CODE_ROOT: codeRoot,
    TENCENTCLOUD_RUNTIME: 'SCF',
    _SCF_SERVER_PORT: '28902',
    PYTHONDONTWRITEBYTECODE: 'x',
    PYTHONPATH: [spec.codeDir, ...layers.python].join(':'),
    NODE_PATH: [spec.codeDir, `${spec.codeDir}/node_modules`, ...layers.node].join(':'),
    // SCF: /var/user/php_extension:/opt/php_extension. The leading ":" keeps the local PHP's own scan
    // folder first (where distributions enable extensions such as ctype or mbstring), then the function's.
    PHP_INI_SCAN_DIR: [`:${spec.codeDir}/php_extension`, ...layers.phpIni].join(':'),
    // SCF's Java CLASSPATH ends in /opt: the layers' folders here (the bootstrap reads them like the code folder).
    ...(layers.java.length && /^java/i.test(spec.runtime) ? { CLASSPATH: layers.java.join(':') } : {}),
    SCF_RUNTIME: spec.runtime,
    SCF_FUNCTIONNAME: spec.name,
    SCF_FUNCTIONVERSION: '$LATEST',
    SCF_NAMESPACE: spec.namespace,
    TENCENTCLOUD_REGION: spec.region,
    TENCENTCLOUD_APPID: identity.appId,
    TENCENTCLOUD_UIN: identity.uin,
    TENCENTCLOUD_TZ: 'UTC',
    // TENCENTCLOUD_SECRETID / SECRETKEY / SESSIONTOKEN hold temporary role credentials on SCF; there
    // are none locally, so they are not set (a handler must not find the developer's own keys here).
  };
  if (spec.platform === 'functiongraph') replaceWithFunctionGraphVariables(env, spec);
  Object.assign(env, userVariables); // TZ from the user's variables changes the time zone, as on SCF
  return { env, userVariables, warnings };
}

/**
 * FunctionGraph's runtime variables instead of SCF's (facts §8): the code root is RUNTIME_CODE_ROOT and
 * the function is described by RUNTIME_* variables. Local values: the code folder, the function's name,
 * handler, timeout and memory; the project id is a placeholder.
 */
function replaceWithFunctionGraphVariables(env: Record<string, string>, spec: FunctionSpec): void {
  for (const key of Object.keys(env)) {
    if (isReservedKey(key) || key === 'USER_CODE_ROOT' || key === '_SCF_SERVER_PORT' || key === 'PHP_INI_SCAN_DIR') delete env[key];
  }
  Object.assign(env, {
    RUNTIME_CODE_ROOT: spec.codeDir,
    RUNTIME_ROOT: dirname(spec.codeDir),
    RUNTIME_FUNC_NAME: spec.name,
    RUNTIME_FUNC_VERSION: 'latest',
    RUNTIME_PACKAGE: spec.namespace,
    RUNTIME_HANDLER: spec.handler ?? '',
    RUNTIME_TIMEOUT: String(spec.timeout),
    RUNTIME_MEMORY: String(spec.memorySize),
    RUNTIME_PROJECT_ID: 'local-project',
    PWD: dirname(spec.codeDir),
  });
}
