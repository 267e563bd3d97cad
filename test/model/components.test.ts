/**
 * The model reads multi-scf, http and layer component files (and names the ones it does not handle)
 * as the Serverless Cloud Framework components describe them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadServerlessFile, parseServerless, pickFunction, type FunctionSpec, type LoadedFile } from '../../src/model';
import { interpolate } from '../../src/model/interpolate';

const SHOP = resolve(__dirname, '../fixtures/apps/shop');

function load(target: string, options: Parameters<typeof loadServerlessFile>[1] = {}): LoadedFile {
  const r = loadServerlessFile(target, { env: {}, ...options });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('multi-scf: one function per key, its own settings over the shared inputs, the deployed name rule', () => {
  const { functions } = load(join(SHOP, 'api'));
  assert.deepEqual(
    functions.map((f) => [f.functionKey, f.name, f.handler, f.runtime, f.memorySize, f.timeout]),
    [
      ['index', 'api-dev-shop-index', 'app.index', 'Nodejs16.13', 128, 3],
      ['userList', 'api-dev-shop-userList', 'app.userList', 'Nodejs16.13', 256, 10],
      ['report', 'shop-report', 'report.main_handler', 'Python3.9', 128, 3],
    ],
  );
  const [index, userList] = functions;
  assert.equal(index!.component, 'multi-scf');
  assert.equal(index!.codeDir, join(SHOP, 'api/src'));
  // A function's `environments` replaces the shared list (Object.assign in the component), it is not merged.
  assert.deepEqual(index!.environment, { SHOP_NAME: 'shop' });
  assert.deepEqual(userList!.environment, { PAGE_SIZE: '20' });
  assert.equal(index!.range?.line, 21, 'the function is declared at its key under functions');
});

test('multi-scf: triggers go to the function they name; each apigw api to its own function', () => {
  const { functions } = load(join(SHOP, 'api'));
  const byKey: Record<string, FunctionSpec> = Object.fromEntries(functions.map((f) => [f.functionKey!, f]));
  assert.deepEqual(byKey.report!.events.map((e) => [e.kind, e.name, e.parameters.cronExpression]), [['timer', 'nightly', '0 0 2 * * * *']]);
  const api = (key: string) => byKey[key]!.events.find((e) => e.kind === 'apigw')!;
  assert.deepEqual((api('index').parameters.endpoints as Array<{ path: string }>).map((e) => e.path), ['/']);
  assert.deepEqual((api('userList').parameters.endpoints as Array<{ path: string }>).map((e) => e.path), ['/users']);
  assert.equal(api('index').parameters.serviceName, 'shop');
  assert.equal(byKey.report!.events.some((e) => e.kind === 'apigw'), false);
});

test('a function picked by its multi-scf key or its deployed name; none named: all are listed', () => {
  const loaded = load(join(SHOP, 'api'));
  const byKey = pickFunction(loaded.functions, 'userList', loaded);
  assert.ok(byKey.ok && byKey.value.name === 'api-dev-shop-userList');
  const byName = pickFunction(loaded.functions, 'shop-report', loaded);
  assert.ok(byName.ok && byName.value.functionKey === 'report');
  const none = pickFunction(loaded.functions, undefined, loaded);
  assert.ok(!none.ok);
  assert.equal(none.error.code, 'model.functionRequired');
  assert.match(none.error.message, /index \(api-dev-shop-index\), userList \(api-dev-shop-userList\), report \(shop-report\)/);
});

test('layers: ${output:${stage}:${app}:<layer>.name/version} bind to the app\'s component: layer folder', () => {
  const { functions, warnings } = load(join(SHOP, 'api'));
  for (const f of functions) {
    assert.equal(f.layers?.length, 1);
    const [layer] = f.layers!;
    assert.equal(layer!.name, 'shop-deps');
    assert.equal(layer!.version, undefined, 'the version is the one deploy publishes');
    assert.equal(layer!.dir, join(SHOP, 'layer/content'));
    assert.equal(layer!.source, 'workspace');
    assert.equal(layer!.layerFile, join(SHOP, 'layer/serverless.yml'));
  }
  assert.deepEqual(warnings, [], 'a layer version by output is known locally: no warning');
});

test('layer component: name, src, runtimes', () => {
  const { layers, functions } = load(join(SHOP, 'layer'));
  assert.equal(functions.length, 0);
  assert.deepEqual(
    layers.map((l) => [l.instanceName, l.name, l.codeDir, l.runtimes, l.targetDir, l.app]),
    [['shop-deps', 'shop-deps', join(SHOP, 'layer/content'), ['Nodejs16.13', 'Python3.9'], '/', 'shop']],
  );
  const picked = pickFunction(functions, undefined, { layers, unchecked: [] });
  assert.ok(!picked.ok);
  assert.match(picked.error.message, /no functions, only layer shop-deps \(component: layer\)/);
});

test('http component: a web function with the component\'s defaults, its bootstrap and its API', () => {
  const [web] = load(join(SHOP, 'web')).functions;
  assert.equal(web!.component, 'http');
  assert.equal(web!.type, 'web');
  assert.equal(web!.framework, 'express');
  assert.equal(web!.name, 'shop-web');
  assert.equal(web!.codeDir, join(SHOP, 'web'));
  assert.equal(web!.memorySize, 512, 'the component\'s default memory');
  assert.deepEqual(web!.environment, { GREETING: 'welcome', SERVERLESS: '1' });
  assert.ok(web!.bootstrap);
  assert.equal(web!.bootstrap!.source, 'component');
  assert.match(web!.bootstrap!.content, /^#!\/bin\/bash\n/);
  assert.match(web!.bootstrap!.content, /\/var\/lang\/node16\/bin\/node app\.js/);
  const [api] = web!.events;
  assert.equal(api!.kind, 'apigw');
  assert.deepEqual((api!.parameters.endpoints as Array<Record<string, unknown>>).map((e) => [e.path, e.method]), [['/', 'ANY']]);
});

test('http component: faas.bootstrap.cmd, an own scf_bootstrap, the stable default name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-http-'));
  const file = join(dir, 'serverless.yml');
  const yml = (extra: string) => `component: http\nname: site\napp: blog\ninputs:\n  src: ./\n  faas:\n    framework: flask\n    runtime: Python3.9\n${extra}`;
  writeFileSync(file, yml(`    bootstrap:\n      cmd: '${encodeURIComponent('#!/bin/bash\n/var/lang/python39/bin/python3 -m myapp')}'\n`));
  let [fn] = load(file).functions;
  assert.equal(fn!.bootstrap?.source, 'faas.bootstrap.cmd');
  assert.equal(fn!.bootstrap?.content, '#!/bin/bash\n/var/lang/python39/bin/python3 -m myapp\n');
  assert.equal(fn!.name, 'site-dev-blog');
  writeFileSync(file, yml(''));
  [fn] = load(file).functions;
  assert.match(fn!.bootstrap!.content, /\/var\/lang\/python39\/bin\/python3 app\.py/);
  writeFileSync(join(dir, 'scf_bootstrap'), '#!/bin/bash\nexec python3 app.py\n', { mode: 0o755 });
  [fn] = load(file).functions;
  assert.equal(fn!.bootstrap, undefined, 'the code folder\'s own scf_bootstrap is what runs');
});

test('components SCF Toolkit does not handle are named, not dropped', () => {
  const r = parseServerless('component: website\nname: site\ninputs:\n  src:\n    src: ./dist\n', '/p/serverless.yml', { env: {} });
  assert.ok(r.ok);
  assert.deepEqual(r.value.unchecked.map((u) => [u.component, u.instanceName, u.range?.line]), [['website', 'site', 0]]);
  const old = parseServerless('db:\n  component: "@serverless/tencent-postgresql"\n  inputs: {}\nfn:\n  component: scf\n  inputs:\n    handler: index.main\n', '/p/serverless.yml', { env: {} });
  assert.ok(old.ok);
  assert.deepEqual(old.value.unchecked.map((u) => u.component), ['postgresql']);
  assert.deepEqual(old.value.functions.map((f) => f.instanceName), ['fn']);
});

test('a layer folder from the scf.layers setting or the .env, for layers that exist only in the cloud', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-layers-'));
  writeFileSync(join(dir, 'serverless.yml'), 'component: scf\nname: f\ninputs:\n  handler: index.main\n  layers:\n    - name: cloud-only\n      version: 3\n    - name: from-env\n      version: 1\n    - name: missing\n      version: 2\n');
  writeFileSync(join(dir, '.env'), 'SCF_TOOLKIT_LAYER_from_env=./env-layer\n');
  const [fn] = load(dir, { layerFolders: { 'cloud-only': '/opt-copies/cloud-only' } }).functions;
  assert.deepEqual(
    fn!.layers!.map((l) => [l.name, l.version, l.dir, l.source]),
    [
      ['cloud-only', 3, '/opt-copies/cloud-only', 'setting'],
      ['from-env', 1, join(dir, 'env-layer'), '.env'],
      ['missing', 2, undefined, undefined],
    ],
  );
});

test('variables nest: ${output:${stage}:${app}:x.y} resolves its inner variables first, and says why it cannot resolve', () => {
  const ctx = { name: 'api', app: 'shop', stage: 'prod', env: (k: string) => (k === 'REGION' ? 'ap-shanghai' : undefined) };
  assert.equal(interpolate('${name}-${stage}-${env:REGION}', ctx).value, 'api-prod-ap-shanghai');
  const out = interpolate('${output:${stage}:${app}:web.apigw.url}', { ...ctx, output: (ref) => ({ ok: false, error: { code: 'test', message: `${ref.stage}/${ref.app}/${ref.instance}/${ref.key}` } }) });
  assert.deepEqual(out.problems, [{ text: '${output:${stage}:${app}:web.apigw.url}', reason: 'prod/shop/web/apigw.url' }]);
  assert.equal(interpolate('${output:${stage}:${app}:layer.name}', { ...ctx, output: () => ({ ok: true, value: 'deps' }) }).value, 'deps');
  const missing = interpolate('x-${env:NOPE}', ctx);
  assert.equal(missing.value, 'x-${env:NOPE}');
  assert.match(missing.problems[0]!.reason, /NOPE is set neither in the \.env/);
});

test('an output of an instance that is not in the app is a warning naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-app-'));
  cpSync(SHOP, dir, { recursive: true });
  const file = join(dir, 'api/serverless.yml');
  writeFileSync(join(dir, 'api/.env'), '');
  const text = 'app: shop\ncomponent: scf\nname: one\ninputs:\n  handler: app.index\n  src: ./src\n  environment:\n    variables:\n      URL: ${output:${stage}:${app}:web.apigw.url}\n      GONE: ${output:${stage}:${app}:nothing.name}\n';
  writeFileSync(file, text);
  const { warnings } = load(file);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!.message, /the http instance web .* has its outputs only after it is deployed/);
  assert.match(warnings[1]!.message, /no component instance named nothing in app shop/);
});

test('aliases and merge keys are read as the validator reads them: shared settings merged, own keys first', () => {
  const text = [
    'component: multi-scf',
    'name: api',
    'x-defaults: &defaults',
    '  runtime: Nodejs18.15',
    '  timeout: 5',
    '  environment: &env',
    '    variables:',
    '      TABLE: orders',
    'inputs:',
    '  src: ./',
    '  region: ap-guangzhou',
    '  functions:',
    '    list:',
    '      <<: *defaults',
    '      handler: list.main_handler',
    '      timeout: 9',
    '    create:',
    '      <<: [*defaults]',
    '      handler: create.main_handler',
    '      environment: *env',
    '',
  ].join('\n');
  const r = parseServerless(text, '/p/serverless.yml', { env: {} });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(
    r.value.functions.map((f) => [f.functionKey, f.handler, f.runtime, f.timeout, f.environment.TABLE]),
    [
      ['list', 'list.main_handler', 'Nodejs18.15', 9, 'orders'],
      ['create', 'create.main_handler', 'Nodejs18.15', 5, 'orders'],
    ],
  );
});
