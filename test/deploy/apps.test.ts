/**
 * Deploying a Serverless Cloud Framework app to the local endpoint through the official SDK: the
 * multi-scf file creates every function, publishes the app's layer first and binds the version it
 * got; the deployed functions run with the layer's deployed content; an unchanged layer is not
 * published again, a changed one is and the functions are rebound; the http component's web
 * function is deployed with the start command the component adds. The layer actions themselves
 * (PublishLayerVersion, ListLayers, ListLayerVersions, GetLayerVersion, DeleteLayerVersion) answer
 * with the API's shapes and errors.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AdmZip from 'adm-zip';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { call, createScfClient, type ScfSdkClient } from '../../src/deploy/client';
import { invokeDeployed } from '../../src/deploy/remote';
import { startLocalEndpoint, type LocalEndpoint } from '../../src/deploy/endpoint/server';
import { Emulator } from '../../src/emulator/emulator';

const SHOP = resolve(__dirname, '../fixtures/apps/shop');
const emulator = new Emulator();
let ep: LocalEndpoint;
let stateDir: string;
let client: ScfSdkClient;
let app: string;

let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'scf-deploy-apps-'));
  stateDir = join(work, 'state');
  ep = await startLocalEndpoint({ stateDir, runner: emulator });
  client = createScfClient({ target: 'local', region: 'ap-guangzhou', credentials: ep.credentials, endpointUrl: ep.url });
  app = join(work, 'shop');
  cpSync(SHOP, app, { recursive: true });
});
after(async () => {
  await ep.close();
  await emulator.dispose();
  rmSync(work, { recursive: true, force: true });
});

function io(): CliIO & { text(): string } {
  const lines: string[] = [];
  return { out: (t) => lines.push(t), err: (t) => lines.push(t), cwd: app, env: { PATH: process.env.PATH }, text: () => lines.join('\n') };
}

async function deploy(part: string): Promise<{ code: number; results: Array<Record<string, unknown>>; text: string }> {
  const human = io();
  const code = await main(['deploy', join(app, part), '--endpoint', ep.url, '--state', stateDir], human);
  const json = io();
  // The JSON run right after is a no-op deploy; it reports what is deployed now.
  await main(['deploy', join(app, part), '--endpoint', ep.url, '--state', stateDir, '--json'], json);
  return { code, results: JSON.parse(json.text()) as Array<Record<string, unknown>>, text: human.text() };
}

test('a multi-scf app with a layer: the layer is published first, every function is created bound to it, and runs with it', async () => {
  const first = await deploy('api');
  assert.equal(first.code, 0, first.text);
  assert.match(first.text, /Deploying layer shop-deps \(ap-guangzhou\)/);
  assert.match(first.text, /Published layer shop-deps version 1/);
  for (const name of ['api-dev-shop-index', 'api-dev-shop-userList', 'shop-report']) assert.match(first.text, new RegExp(`Deploying ${name} \\(default, ap-guangzhou\\)`));

  const info = await call('GetFunction', () => client.GetFunction({ FunctionName: 'api-dev-shop-index' }));
  assert.deepEqual(info.Layers?.map((l) => [l.LayerName, l.LayerVersion, l.Status]), [['shop-deps', 1, 'Active']]);
  const userList = await call('GetFunction', () => client.GetFunction({ FunctionName: 'api-dev-shop-userList' }));
  assert.equal(userList.MemorySize, 256);
  assert.deepEqual(userList.Environment?.Variables, [{ Key: 'PAGE_SIZE', Value: '20' }]);

  const r = await invokeDeployed(client, { name: 'api-dev-shop-index', namespace: 'default', event: '{"who":"cloud"}' });
  assert.equal(r.statusCode, 200, r.errMsg);
  assert.equal((JSON.parse(r.retMsg) as { message: string }).message, 'hello cloud, from the shop-deps layer');

  // The no-op deploy: the layer's version 1 reused, nothing uploaded.
  assert.deepEqual(first.results.map((x) => x.layer ?? x.function), ['shop-deps', 'api-dev-shop-index', 'api-dev-shop-userList', 'shop-report']);
  assert.deepEqual(first.results[0]!.published, { name: 'shop-deps', version: 1, published: false, codeSha256: (first.results[0]!.published as { codeSha256: string }).codeSha256 });
  assert.ok(first.results.slice(1).every((x) => (x.result as { codeUploaded: boolean; configurationUpdated: boolean }).codeUploaded === false));
});

test('a changed layer is published as a new version and the functions are rebound to it', async () => {
  writeFileSync(join(app, 'layer/content/node_modules/greeting/index.js'), "module.exports = (who) => `hi ${who}, from layer v2`;\n");
  const second = await deploy('api');
  assert.equal(second.code, 0, second.text);
  assert.match(second.text, /Published layer shop-deps version 2/);
  assert.match(second.text, /layers shop-deps:1 -> shop-deps:2/);
  const r = await invokeDeployed(client, { name: 'api-dev-shop-index', namespace: 'default', event: '{"who":"v2"}' });
  assert.equal((JSON.parse(r.retMsg) as { message: string }).message, 'hi v2, from layer v2');
  const versions = await call('ListLayerVersions', () => client.ListLayerVersions({ LayerName: 'shop-deps' }));
  assert.deepEqual(versions.LayerVersions?.map((v) => [v.LayerVersion, v.Status, v.CompatibleRuntimes]), [
    [2, 'Active', ['Nodejs16.13', 'Python3.9']],
    [1, 'Active', ['Nodejs16.13', 'Python3.9']],
  ]);
});

test('the http component\'s web function is deployed with the start command the component adds', async () => {
  const web = await deploy('web');
  assert.equal(web.code, 0, web.text);
  const info = await call('GetFunction', () => client.GetFunction({ FunctionName: 'shop-web' }));
  assert.equal(info.Type, 'HTTP');
  assert.equal(info.MemorySize, 512);
  const address = await call('GetFunctionAddress', () => client.GetFunctionAddress({ FunctionName: 'shop-web' }));
  const zip = new AdmZip(new URL(address.Url!).pathname);
  const bootstrap = zip.getEntry('scf_bootstrap')!;
  assert.ok(bootstrap, zip.getEntries().map((e) => e.entryName).join(', '));
  assert.match(bootstrap.getData().toString('utf8'), /exec \/var\/lang\/node16\/bin\/node app\.js/);
  assert.equal((bootstrap.header.attr >>> 16) & 0o777, 0o755);
});

test('the layer actions answer with the API\'s shapes and errors', async () => {
  const layers = await call('ListLayers', () => client.ListLayers({}));
  assert.equal(layers.TotalCount, 1);
  assert.deepEqual(layers.Layers?.map((l) => [l.LayerName, l.LayerVersion]), [['shop-deps', 2]]);
  const got = await call('GetLayerVersion', () => client.GetLayerVersion({ LayerName: 'shop-deps', LayerVersion: 1 }));
  assert.equal(got.Status, 'Active');
  assert.match(got.CodeSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.match(got.Location ?? '', /^file:\/\/.*layer\.zip$/);
  await assert.rejects(call('GetLayerVersion', () => client.GetLayerVersion({ LayerName: 'shop-deps', LayerVersion: 9 })), /ResourceNotFound\.LayerVersion/);
  await assert.rejects(call('ListLayerVersions', () => client.ListLayerVersions({ LayerName: 'nothing-here' })), /ResourceNotFound\.Layer/);
  await assert.rejects(call('PublishLayerVersion', () => client.PublishLayerVersion({ LayerName: 'bad_', CompatibleRuntimes: ['Nodejs16.13'], Content: { ZipFile: '' } })), /InvalidParameterValue\.LayerName/);
  await assert.rejects(
    call('CreateFunction', () => client.CreateFunction({ FunctionName: 'py-bound', Runtime: 'Php8.0', Handler: 'index.main', Code: { ZipFile: new AdmZip().toBuffer().toString('base64') }, Layers: [{ LayerName: 'shop-deps', LayerVersion: 2 }] })),
    /InvalidParameterValue\.Layers: Version 2 of layer shop-deps is for Nodejs16\.13, Python3\.9, not Php8\.0/,
  );
  await call('DeleteLayerVersion', () => client.DeleteLayerVersion({ LayerName: 'shop-deps', LayerVersion: 1 }));
  const left = await call('ListLayerVersions', () => client.ListLayerVersions({ LayerName: 'shop-deps' }));
  assert.deepEqual(left.LayerVersions?.map((v) => v.LayerVersion), [2]);
});
