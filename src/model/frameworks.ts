/**
 * The web frameworks of the `http` component (serverless-components/tencent-http, docs/configure.md:
 * express, koa, egg, nextjs, nuxtjs, nestjs, flask, django, laravel; thinkphp is listed as not yet
 * supported) and how the component starts each one. The component deploys a web function; when the
 * code has no `scf_bootstrap`, it adds its own for the framework (src/_shims/<framework>/scf_bootstrap),
 * or writes `faas.bootstrap.cmd` when that is set (src/utils.ts, initializeBootstrap). We generate the
 * same start command, in our own words, so the function runs locally and deploys as the component does.
 *
 * The component's files name `/var/lang/node12/bin/node`, `/var/lang/python3/bin/python3` and
 * `/var/lang/php7/bin/php` whatever `faas.runtime` says; we name the interpreter of the function's own
 * runtime image (SCF's web-function guide, 583/56126, lists one path per runtime), so that a
 * Nodejs16.13 app is started by node 16 on SCF too. The emulator maps these paths to local interpreters.
 */
import { findRuntimeIgnoringCase, imageInterpreter as scfImageInterpreter } from './runtimes';

export interface Framework {
  name: string;
  family: 'nodejs' | 'python' | 'php';
  /** What the start command needs in the code folder, and what to do when it is missing. */
  entry: { file: string; fix: string; severity: 'error' | 'warning' };
  /** The component lists it as not supported yet. */
  unsupported?: boolean;
  /** The shell lines after `#!/bin/bash`, given the interpreter's absolute path. */
  start(interpreter: string): string[];
}

export const FRAMEWORKS: readonly Framework[] = [
  {
    name: 'express',
    family: 'nodejs',
    entry: { file: 'app.js', fix: 'the http component starts express with `node app.js`: create app.js that calls app.listen(9000)', severity: 'error' },
    start: (node) => [`exec ${node} app.js`],
  },
  {
    name: 'koa',
    family: 'nodejs',
    entry: { file: 'app.js', fix: 'the http component starts koa with `node app.js`: create app.js that calls app.listen(9000)', severity: 'error' },
    start: (node) => [`exec ${node} app.js`],
  },
  {
    name: 'egg',
    family: 'nodejs',
    entry: { file: 'node_modules/egg', fix: 'the http component starts egg from node_modules/egg: run npm install (egg is a dependency of the app)', severity: 'warning' },
    start: (node) => [
      // Only /tmp is writable on SCF: egg's run and log folders go there, as the component's file sets them.
      'export EGG_SERVER_ENV=prod NODE_ENV=production NODE_LOG_DIR=/tmp',
      `export EGG_APP_CONFIG='{"rundir":"/tmp","logger":{"dir":"/tmp"}}'`,
      `exec ${node} -e "const { Application } = require('egg'); new Application({ mode: 'single', env: 'prod' }).listen(9000, '0.0.0.0')"`,
    ],
  },
  {
    name: 'nextjs',
    family: 'nodejs',
    entry: { file: '.next', fix: 'the http component runs `next start`, which serves a build: run `next build` before running or deploying', severity: 'warning' },
    start: (node) => [`exec ${node} -e "require('next/dist/cli/next-start').nextStart(['--port', '9000', '--hostname', '0.0.0.0'])"`],
  },
  {
    name: 'nuxtjs',
    family: 'nodejs',
    entry: { file: '.nuxt', fix: 'the http component runs `nuxt start`, which serves a build: run `nuxt build` before running or deploying', severity: 'warning' },
    start: (node) => [`exec ${node} -e "require('@nuxt/cli').run(['start', '--port', '9000', '--hostname', '0.0.0.0']).catch((e) => { console.error(e); process.exit(2); })"`],
  },
  {
    name: 'nestjs',
    family: 'nodejs',
    entry: { file: 'dist/main.js', fix: 'the http component starts nest with `node ./dist/main.js`: run `nest build` first, and listen on 9000 in main.ts', severity: 'warning' },
    start: (node) => [`SERVERLESS=1 exec ${node} ./dist/main.js`],
  },
  {
    name: 'flask',
    family: 'python',
    entry: { file: 'app.py', fix: 'the http component starts flask with `python3 app.py`: create app.py that calls app.run(host="0.0.0.0", port=9000)', severity: 'error' },
    start: (python) => [`exec ${python} app.py`],
  },
  {
    name: 'django',
    family: 'python',
    entry: { file: 'manage.py', fix: "the http component serves django's WSGI app with `python3 manage.py runserver 0.0.0.0:9000`: put manage.py at the code root", severity: 'error' },
    start: (python) => [`exec ${python} manage.py runserver 0.0.0.0:9000`],
  },
  {
    name: 'laravel',
    family: 'php',
    entry: { file: 'artisan', fix: 'the http component starts laravel with `php artisan serve`: put the laravel project (with artisan) at the code root', severity: 'error' },
    start: (php) => [
      // Only /tmp is writable on SCF: compiled views and storage go there; sessions in memory, logs to stderr.
      'export SERVERLESS=1 VIEW_COMPILED_PATH=/tmp/storage/framework/views SESSION_DRIVER=array LOG_CHANNEL=stderr APP_STORAGE=/tmp/storage',
      'mkdir -p /tmp/storage/framework/views',
      `exec ${php} artisan serve --host 0.0.0.0 --port 9000`,
    ],
  },
  {
    name: 'thinkphp',
    family: 'php',
    unsupported: true,
    entry: { file: 'think', fix: 'the http component starts thinkphp with `php think run`: put the project (with think) at the code root', severity: 'error' },
    start: (php) => ['export SERVERLESS=1 VIEW_COMPILED_PATH=/tmp/runtime/view', 'mkdir -p /tmp/runtime', `exec ${php} think run --host 0.0.0.0 --port 9000 -n`],
  },
];

export const FRAMEWORK_NAMES: readonly string[] = FRAMEWORKS.map((f) => f.name);

export function findFramework(name: string | undefined): Framework | undefined {
  return name === undefined ? undefined : FRAMEWORKS.find((f) => f.name === name);
}

/** The interpreter in the runtime's SCF image (`/var/lang/node16/bin/node` ...), from the runtime table. */
export function imageInterpreter(runtime: string, family: Framework['family']): string | undefined {
  const r = findRuntimeIgnoringCase(runtime);
  return r && r.family === family ? scfImageInterpreter(r) : undefined;
}

/** The scf_bootstrap text the component adds for a framework, on a runtime. */
export function frameworkBootstrap(framework: Framework, runtime: string): string | undefined {
  const interpreter = imageInterpreter(runtime, framework.family);
  if (!interpreter) return undefined;
  return ['#!/bin/bash', `# scf_bootstrap for ${framework.name}, as the http component adds it when the code has none.`, '# SCF starts it in the code folder; the server must listen on 0.0.0.0:9000.', ...framework.start(interpreter), ''].join('\n');
}
