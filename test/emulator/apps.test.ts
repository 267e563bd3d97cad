/**
 * A Serverless Cloud Framework app beyond `component: scf`, run locally: multi-scf functions with the
 * app's layer mounted as /opt (a Node.js module from its node_modules, a Python module from its root),
 * each with its own settings; an express-shaped http app started the way the http component starts it;
 * both behind the local gateway over real HTTP; a layer that cannot be found stops before any code runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { startGateway, type Gateway } from '../../src/emulator/gateway/server';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import type { LogLine } from '../../src/emulator/types';

const SHOP = resolve(__dirname, '../fixtures/apps/shop');
const CLI = resolve(__dirname, '../../dist/cli.js');
const emulator = new Emulator();
let app: string;

function functions(part: string): FunctionSpec[] {
  const r = loadServerlessFile(join(app, part), { env: {} });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.functions;
}

function fn(part: string, key: string): FunctionSpec {
  return functions(part).find((f) => f.functionKey === key || f.name === key)!;
}

async function run(spec: FunctionSpec, event: object = {}) {
  const logs: LogLine[] = [];
  const outcome = await emulator.invoke({ spec, payload: JSON.stringify(event) }, { onLog: (l) => logs.push(l) });
  return { outcome, logs };
}

const python = spawnSync('python3', ['--version']).status === 0;

before(() => {
  app = join(mkdtempSync(join(tmpdir(), 'scf-apps-')), 'shop');
  cpSync(SHOP, app, { recursive: true });
});
after(() => emulator.dispose());

describe('multi-scf functions with a layer', () => {
  test('a Node.js function requires a module that only its layer has (NODE_PATH /opt/node_modules)', async () => {
    const { outcome } = await run(fn('api', 'index'), { who: 'ada' });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(outcome.value.statusCode, 200, outcome.value.errorMessage);
    assert.deepEqual(outcome.value.result, { message: 'hello ada, from the shop-deps layer', shop: 'shop', function: 'api-dev-shop-index' });
  });

  test('each function runs with its own settings over the shared ones', async () => {
    const { outcome } = await run(fn('api', 'userList'));
    assert.ok(outcome.ok);
    assert.equal(outcome.value.memorySize, 256);
    assert.deepEqual(outcome.value.result, { pageSize: 20, users: ['ada', 'linus'] });
  });

  test('a Python function imports a module at its layer\'s root (PYTHONPATH /opt)', { skip: python ? false : 'python3 is not installed' }, async () => {
    const { outcome } = await run(fn('api', 'report'));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(outcome.value.statusCode, 200, outcome.value.errorMessage);
    assert.deepEqual(outcome.value.result, { report: 'NIGHTLY REPORT!' });
  });

  test('a layer that cannot be found is an error naming it, and no code runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-nolayer-'));
    cpSync(join(SHOP, 'api', 'src'), join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'serverless.yml'), 'component: multi-scf\nname: lonely\ninputs:\n  src: ./src\n  runtime: Nodejs16.13\n  functions:\n    index:\n      handler: app.index\n      layers:\n        - name: shop-deps\n          version: 3\n');
    const r = loadServerlessFile(dir, { env: {} });
    assert.ok(r.ok);
    const { outcome, logs } = await run(r.value.functions[0]!);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, 'emulator.layerNotFound');
    assert.match(outcome.error.message, /serverless\.yml:10: layer shop-deps \(version 3\) of lonely-dev-lonely-index has no local folder to mount as \/opt/);
    assert.match(outcome.error.message, /SCF_TOOLKIT_LAYER_shop_deps=<folder>/);
    assert.deepEqual(logs, [], 'nothing started');
    // The same file, with the layer's folder given on the command line (a layer that exists only in the cloud).
    const given = spawnSync(process.execPath, [CLI, 'invoke', dir, '--layer', `shop-deps=${join(SHOP, 'layer', 'content')}`, '--event-json', '{"who":"cloud"}', '--json'], { encoding: 'utf8' });
    assert.equal(given.status, 0, given.stderr);
    assert.equal((JSON.parse(given.stdout.trim().split('\n').pop()!) as { result: { message: string } }).result.message, 'hello cloud, from the shop-deps layer');
  });
});

describe('the http component and the gateway', () => {
  let gateway: Gateway;
  const requests: string[] = [];
  before(async () => {
    gateway = await startGateway({ specs: [...functions('api'), ...functions('web')], emulator, onRequest: (l) => requests.push(l) });
  });
  after(() => gateway.close());

  test('the express app runs as a web function started by the component\'s command, with SERVERLESS=1', async () => {
    const res = await fetch(`${gateway.url}/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
    const home = await fetch(`${gateway.url}/shop-web/`);
    assert.equal(home.status, 200);
    assert.equal(await home.text(), 'welcome to the shop (SERVERLESS=1)');
    const missing = await fetch(`${gateway.url}/nowhere/at/all`);
    assert.equal(missing.status, 404, 'the app\'s own 404: every path below the API goes to the app');
    assert.equal(await missing.text(), 'no route GET /nowhere/at/all');
  });

  test('the multi-scf apis go to the functions they name', async () => {
    const index = await fetch(`${gateway.url}/?who=gw`);
    assert.equal(index.status, 200);
    assert.equal(((await index.json()) as { function: string }).function, 'api-dev-shop-index');
    const users = await fetch(`${gateway.url}/users`);
    assert.deepEqual(await users.json(), { pageSize: 20, users: ['ada', 'linus'] });
    assert.ok(requests.some((l) => l.includes('api-dev-shop-userList')), requests.join('\n'));
  });
});

describe('scf-toolkit invoke on a multi-scf file', () => {
  test('without --function the functions are listed and the exit code is 2; --function takes the key or the deployed name', () => {
    const none = spawnSync(process.execPath, [CLI, 'invoke', join(app, 'api')], { encoding: 'utf8' });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /defines 3 functions; pick one with --function NAME: index \(api-dev-shop-index\), userList \(api-dev-shop-userList\), report \(shop-report\)/);
    const byKey = spawnSync(process.execPath, [CLI, 'invoke', join(app, 'api'), '--function', 'index', '--event-json', '{"who":"cli"}', '--json'], { encoding: 'utf8' });
    assert.equal(byKey.status, 0, byKey.stderr);
    const result = JSON.parse(byKey.stdout.trim().split('\n').pop()!) as { result: { message: string } };
    assert.equal(result.result.message, 'hello cli, from the shop-deps layer');
    const unknown = spawnSync(process.execPath, [CLI, 'invoke', join(app, 'api'), '--function', 'nope'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no function named "nope"; the file defines: index \(api-dev-shop-index\)/);
  });
});

describe('scf-toolkit test on a multi-scf file', () => {
  test('each function\'s test events run against it, picked by its key', () => {
    const events = join(app, 'api', '.scf', 'events');
    mkdirSync(join(events, 'api-dev-shop-index'), { recursive: true });
    mkdirSync(join(events, 'api-dev-shop-userList'), { recursive: true });
    writeFileSync(join(events, 'api-dev-shop-index', 'ada.json'), '{"who":"ada"}');
    writeFileSync(join(events, 'api-dev-shop-index', 'ada.expect.json'), '{"statusCode":200,"result":{"message":"hello ada, from the shop-deps layer"}}');
    writeFileSync(join(events, 'api-dev-shop-userList', 'page.json'), '{}');
    writeFileSync(join(events, 'api-dev-shop-userList', 'page.expect.json'), '{"statusCode":200,"result":{"pageSize":20}}');
    const all = spawnSync(process.execPath, [CLI, 'test', join(app, 'api'), '--json'], { encoding: 'utf8' });
    assert.equal(all.status, 0, all.stdout + all.stderr);
    const one = spawnSync(process.execPath, [CLI, 'test', join(app, 'api'), '--function', 'userList', '--json'], { encoding: 'utf8' });
    assert.equal(one.status, 0, one.stdout + one.stderr);
    assert.match(one.stdout, /"event":"page"/);
    assert.doesNotMatch(one.stdout, /"event":"ada"/);
    assert.match(one.stdout, /"type":"summary","total":1,"passed":1/);
    assert.match(all.stdout, /"type":"summary","total":2,"passed":2/);
  });
});
