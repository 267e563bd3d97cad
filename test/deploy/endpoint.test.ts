import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import { createScfClient, call, ApiCallError, type ScfSdkClient } from '../../src/deploy/client';
import { deployFunction, type DeployProgress } from '../../src/deploy/deployer';
import { invokeDeployed, listDeployed, recentLogs, remoteInvokeResult } from '../../src/deploy/remote';
import { formatOutcome } from '../../src/views/logFormat';
import { startLocalEndpoint, type LocalEndpoint } from '../../src/deploy/endpoint/server';
import { authorization } from '../../src/deploy/api/tc3';
import { nodeProject, tempDir, writeTree } from './helpers';
import { sendAsFastAsTaken } from '../util/net';

const emulator = new Emulator({ idleTimeoutMs: 5000 });
after(() => emulator.dispose());

function load(dir: string): FunctionSpec {
  const r = loadServerlessFile(dir);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  return r.value.functions[0]!;
}

function clientFor(ep: LocalEndpoint, over: Partial<{ secretId: string; secretKey: string }> = {}, region = 'ap-guangzhou'): ScfSdkClient {
  return createScfClient({ target: 'local', region, credentials: { ...ep.credentials, ...over }, endpointUrl: ep.url });
}

async function deploy(ep: LocalEndpoint, spec: FunctionSpec, progress: DeployProgress[] = []) {
  const r = await deployFunction({ spec, client: clientFor(ep, {}, spec.region), targetLabel: 'local', pollIntervalMs: 20, onProgress: (p) => progress.push(p) });
  assert.ok(r.ok, !r.ok ? `${r.error.code}: ${r.error.message}` : '');
  return r.value;
}

test('deploy through the SDK, invoke the deployed code (not the working copy), redeploy with a change', async () => {
  const stateDir = join(tempDir(), 'state');
  const ep = await startLocalEndpoint({ stateDir, runner: emulator });
  after(() => ep.close());
  const dir = nodeProject(tempDir());
  const progress: DeployProgress[] = [];
  const first = await deploy(ep, load(dir), progress);
  assert.equal(first.created, true);
  assert.equal(first.status, 'Active');
  assert.ok(progress.some((p) => p.step === 'package' && /Packaged 1 files/.test(p.message)));
  assert.ok(progress.some((p) => p.step === 'wait' && p.message === 'hello is Active'), JSON.stringify(progress));

  // The working copy changes; the deployed function does not until the next deploy.
  writeTree(dir, { 'src/index.js': "exports.main_handler = async (event) => ({ hello: event.name ?? 'world', version: 2 });\n" });
  const client = clientFor(ep);
  const before = await invokeDeployed(client, { name: 'hello', namespace: 'default', event: '{"name":"scf"}' });
  assert.equal(before.statusCode, 200);
  assert.deepEqual(JSON.parse(before.retMsg), { hello: 'scf', version: 1 });
  assert.match(before.log, /START RequestId: /);
  assert.match(before.log, /REPORT RequestId: /);

  const second = await deploy(ep, load(dir));
  assert.equal(second.created, false);
  assert.equal(second.codeUploaded, true);
  assert.equal(second.configurationUpdated, false);
  const after2 = await invokeDeployed(client, { name: 'hello', namespace: 'default', event: '{}' });
  assert.deepEqual(JSON.parse(after2.retMsg), { hello: 'world', version: 2 });

  // Same code again: nothing is uploaded. A new memorySize: configuration only.
  const progress3: DeployProgress[] = [];
  const third = await deploy(ep, load(dir), progress3);
  assert.equal(third.codeUploaded, false);
  assert.ok(progress3.some((p) => /Code unchanged .* not uploaded again/.test(p.message)));
  const spec = { ...load(dir), memorySize: 256 };
  const fourth = await deploy(ep, spec);
  assert.equal(fourth.codeUploaded, false);
  assert.equal(fourth.configurationUpdated, true);
  const info = await call('GetFunction', () => client.GetFunction({ FunctionName: 'hello' }));
  assert.equal(info.MemorySize, 256);
  assert.equal(info.Status, 'Active');

  const listed = await listDeployed(client);
  assert.deepEqual(listed.map((f) => [f.name, f.status]), [['hello', 'Active']]);
  const logs = await recentLogs(client, { name: 'hello', namespace: 'default' });
  assert.equal(logs.length, 2);
  assert.equal(logs[0]!.requestId, after2.requestId, 'newest first');
  assert.match(logs[0]!.log, /START RequestId/);
});

test('a wrong secret, an unknown SecretId and a body changed after signing are refused with AuthFailure', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state') });
  after(() => ep.close());
  const wrong = clientFor(ep, { secretKey: 'not-the-key' });
  await assert.rejects(call('ListFunctions', () => wrong.ListFunctions({})), (e: unknown) => e instanceof ApiCallError && e.code === 'AuthFailure.SignatureFailure' && /Set Credentials/.test(e.fix));
  const unknown = clientFor(ep, { secretId: 'AKIDunknown' });
  await assert.rejects(call('ListFunctions', () => unknown.ListFunctions({})), (e: unknown) => e instanceof ApiCallError && e.code === 'AuthFailure.SecretIdNotFound');

  // Raw requests: one signed correctly passes; the same with one byte of the body changed does not,
  // nor does one signed for another service, nor one with an old timestamp.
  const port = ep.port;
  const raw = (body: string, sign: { body?: string; service?: string; timestamp?: number }) => {
    const timestamp = sign.timestamp ?? Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json', host: `127.0.0.1:${port}` };
    const auth = authorization({ method: 'POST', path: '/', query: '', headers, signedHeaders: ['content-type', 'host'], body: sign.body ?? body, timestamp, service: sign.service ?? 'scf', ...ep.credentials });
    return new Promise<{ Response: { Error?: { Code: string; Message: string }; RequestId: string } }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { ...headers, authorization: auth, 'x-tc-action': 'ListFunctions', 'x-tc-version': '2018-04-16', 'x-tc-region': 'ap-guangzhou', 'x-tc-timestamp': String(timestamp) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const okResponse = await raw('{"Limit":5}', {});
  assert.equal(okResponse.Response.Error, undefined);
  const refused = await raw('{"Limit":6}', { body: '{"Limit":5}' });
  assert.deepEqual(Object.keys(refused.Response).sort(), ['Error', 'RequestId']);
  assert.deepEqual(Object.keys(refused.Response.Error!).sort(), ['Code', 'Message']);
  assert.match(refused.Response.RequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal((await raw('{"Limit":6}', { body: '{"Limit":5}' })).Response.Error?.Code, 'AuthFailure.SignatureFailure');
  assert.equal((await raw('{}', { service: 'cvm' })).Response.Error?.Code, 'AuthFailure.InvalidAuthorization');
  assert.equal((await raw('{}', { timestamp: Math.floor(Date.now() / 1000) - 3600 })).Response.Error?.Code, 'AuthFailure.SignatureExpire');
});

test('the API answers bad parameters with its error codes', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state'), runner: emulator });
  after(() => ep.close());
  const client = clientFor(ep);
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      return (e as ApiCallError).code;
    }
  };
  assert.equal(await code(call('GetFunction', () => client.GetFunction({ FunctionName: 'missing' }))), 'ResourceNotFound.Function');
  const dir = nodeProject(tempDir(), { name: 'memfn' });
  const bad = await deployFunction({ spec: { ...load(dir), memorySize: 100 }, client, targetLabel: 'local', pollIntervalMs: 20 });
  assert.ok(!bad.ok && bad.error.code === 'api.InvalidParameterValue.Memory', JSON.stringify(bad));
  assert.match(!bad.ok ? bad.error.message : '', /64, or 128 to 3072 in steps of 128/);
  await deploy(ep, load(dir));
  const zip = Buffer.from('not a zip').toString('base64');
  assert.equal(await code(call('CreateFunction', () => client.CreateFunction({ FunctionName: 'memfn', Code: { ZipFile: zip }, Handler: 'index.main_handler', Runtime: 'Nodejs16.13' }))), 'ResourceInUse.Function');
  assert.equal(await code(call('CreateFunction', () => client.CreateFunction({ FunctionName: 'other', Code: { ZipFile: zip }, Handler: 'index.main_handler', Runtime: 'Nodejs16.13' }))), 'InvalidParameterValue.ZipFile');
  assert.equal(await code(call('CreateFunction', () => client.CreateFunction({ FunctionName: '9bad', Code: { ZipFile: zip } }))), 'InvalidParameter.FunctionName');
  assert.equal(await code(call('Invoke', () => client.Invoke({ FunctionName: 'memfn', InvocationType: 'Sometimes' }))), 'InvalidParameterValue.InvocationType');
  assert.equal(await code(call('UpdateFunctionConfiguration', () => client.UpdateFunctionConfiguration({ FunctionName: 'memfn', Environment: { Variables: [{ Key: 'SCF_X', Value: '1' }] } }))), 'InvalidParameterValue.Environment');
  assert.equal(await code(call('DeleteFunction', () => client.DeleteFunction({ FunctionName: 'memfn' }))), 'ok');
  assert.equal(await code(call('Invoke', () => client.Invoke({ FunctionName: 'memfn' }))), 'ResourceNotFound.Function');
});

test('deployed functions survive a restart of the endpoint; Event invocations return at once and reach the logs', async () => {
  const stateDir = join(tempDir(), 'state');
  const dir = nodeProject(tempDir(), { name: 'durable', body: "exports.main_handler = async (event) => { console.log('got', event.n); return { n: event.n }; };\n" });
  const first = await startLocalEndpoint({ stateDir, runner: emulator });
  await deploy(first, load(dir));
  await first.close();

  const second = await startLocalEndpoint({ stateDir, runner: emulator });
  after(() => second.close());
  assert.deepEqual(second.credentials, first.credentials, 'the key pair is kept in the state folder');
  const client = clientFor(second);
  const sync = await invokeDeployed(client, { name: 'durable', namespace: 'default', event: '{"n":1}' });
  assert.equal(sync.statusCode, 200);
  assert.deepEqual(JSON.parse(sync.retMsg), { n: 1 });
  assert.match(sync.log, /got 1/);

  const async = await invokeDeployed(client, { name: 'durable', namespace: 'default', event: '{"n":2}', invocationType: 'Event' });
  assert.equal(async.retMsg, '');
  assert.ok(async.requestId);
  await second.actions.idle();
  const logs = await recentLogs(client, { name: 'durable', namespace: 'default' });
  const mine = logs.find((l) => l.requestId === async.requestId);
  assert.ok(mine, 'the async invocation is in the logs');
  assert.match(mine.log, /got 2/);
  assert.equal(mine.retCode, 0);

  const failing = nodeProject(tempDir(), { name: 'boom', body: "exports.main_handler = async () => { throw new Error('kaput'); };\n" });
  await deploy(second, load(failing));
  const r = await invokeDeployed(client, { name: 'boom', namespace: 'default', event: '{}' });
  assert.equal(r.statusCode, 430);
  assert.match(r.errMsg, /kaput/);
  const errorsOnly = await recentLogs(client, { name: 'boom', namespace: 'default', errorsOnly: true });
  assert.equal(errorsOnly.length, 1);
  assert.equal(errorsOnly[0]!.retCode, 430);
});

test('a deploy can be canceled mid-way, and a changed runtime or handler is handled as the platform would', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state'), runner: emulator });
  after(() => ep.close());
  const dir = nodeProject(tempDir(), { name: 'cancel-me' });
  const abort = new AbortController();
  const canceled = await deployFunction({
    spec: load(dir),
    client: clientFor(ep),
    targetLabel: 'local',
    pollIntervalMs: 20,
    signal: abort.signal,
    onProgress: (p) => p.step === 'check' && abort.abort(),
  });
  assert.ok(!canceled.ok && canceled.error.code === 'deploy.canceled', JSON.stringify(canceled));
  await assert.rejects(call('GetFunction', () => clientFor(ep).GetFunction({ FunctionName: 'cancel-me' })), (e: unknown) => (e as ApiCallError).code === 'ResourceNotFound.Function');

  await deploy(ep, load(dir));
  writeTree(dir, { 'src/index.py': 'def main_handler(event, context):\n    return 1\n' });
  const python = await deployFunction({ spec: { ...load(dir), runtime: 'Python3.9' }, client: clientFor(ep), targetLabel: 'local', pollIntervalMs: 20 });
  assert.ok(!python.ok && python.error.code === 'deploy.runtimeChanged', JSON.stringify(python));
  writeTree(dir, { 'src/index.js': 'exports.other = async () => ({ other: true });\n' });
  rmSync(join(dir, 'src/index.py'));
  await deploy(ep, { ...load(dir), handler: 'index.other' });
  const r = await invokeDeployed(clientFor(ep), { name: 'cancel-me', namespace: 'default', event: '{}' });
  assert.deepEqual(JSON.parse(r.retMsg), { other: true });
  const info = await call('GetFunction', () => clientFor(ep).GetFunction({ FunctionName: 'cancel-me' }));
  assert.equal(info.Handler, 'index.other');
});

test('a function in a new namespace: the namespace is created first, as the scf component does', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state'), runner: emulator });
  after(() => ep.close());
  const client = clientFor(ep);
  await assert.rejects(call('ListFunctions', () => client.ListFunctions({ Namespace: 'team-a' })), (e: unknown) => (e as ApiCallError).code === 'ResourceNotFound.Namespace');
  const dir = nodeProject(tempDir(), { name: 'nsfn', extraYaml: '  namespace: team-a' });
  const progress: DeployProgress[] = [];
  await deploy(ep, load(dir), progress);
  assert.ok(progress.some((p) => p.message === 'Creating namespace team-a in ap-guangzhou'));
  const ns = await call('ListNamespaces', () => client.ListNamespaces({}));
  assert.deepEqual(ns.Namespaces?.map((n) => n.Name), ['default', 'team-a']);
  assert.deepEqual((await listDeployed(client, 'team-a')).map((f) => f.name), ['nsfn']);
  assert.deepEqual(await listDeployed(client, 'default'), []);
  const r = await invokeDeployed(client, { name: 'nsfn', namespace: 'team-a', event: '{}' });
  assert.equal(r.statusCode, 200);
});

test('a Python function deploys and runs from its deployed package', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state'), runner: emulator });
  after(() => ep.close());
  const dir = tempDir();
  writeTree(dir, {
    'serverless.yml': 'component: scf\nname: pyfn\ninputs:\n  name: pyfn\n  src: ./src\n  handler: index.main_handler\n  runtime: Python3.9\n  region: ap-shanghai\n',
    'src/index.py': 'import helper\ndef main_handler(event, context):\n    print("py says", helper.VALUE)\n    return {"value": helper.VALUE, "fn": context["function_name"]}\n',
    'src/helper.py': 'VALUE = 42\n',
  });
  await deploy(ep, load(dir));
  const client = clientFor(ep, {}, 'ap-shanghai');
  const r = await invokeDeployed(client, { name: 'pyfn', namespace: 'default', event: '{}' });
  assert.equal(r.statusCode, 200, r.errMsg);
  assert.deepEqual(JSON.parse(r.retMsg), { value: 42, fn: 'pyfn' });
  assert.match(r.log, /py says 42/);
  // Regions are separate, as on the platform.
  await assert.rejects(call('GetFunction', () => clientFor(ep).GetFunction({ FunctionName: 'pyfn' })), (e: unknown) => (e as ApiCallError).code === 'ResourceNotFound.Function');
});

// Found by the soak suite: the endpoint answered RequestSizeLimitExceeded and closed the connection while
// the client was still sending, so a deploy of an oversized package got EPIPE instead of the API's error.
test('an oversized request body gets RequestSizeLimitExceeded even while the client is still sending it (declared or chunked)', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state'), runner: emulator, maxBodyBytes: 6 * 1024 * 1024 });
  after(() => ep.close());
  const upload = (chunked: boolean) =>
    new Promise<string>((resolve) => {
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { 'content-type': 'application/json', host: `127.0.0.1:${ep.port}`, 'x-tc-action': 'ListFunctions', 'x-tc-version': '2018-04-16', 'x-tc-region': 'ap-guangzhou', 'x-tc-timestamp': String(timestamp) };
      headers.authorization = authorization({ method: 'POST', path: '/', query: '', headers, signedHeaders: ['content-type', 'host'], body: '{}', timestamp, service: 'scf', ...ep.credentials });
      const size = 16 * 1024 * 1024;
      const req = request({ host: '127.0.0.1', port: ep.port, method: 'POST', path: '/', agent: false, headers: { ...headers, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve((JSON.parse(text) as { Response: { Error?: { Code: string } } }).Response.Error?.Code ?? 'ok'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      sendAsFastAsTaken(req, size, 32);
    });
  const kinds = [...Array(8).fill(true), ...Array(4).fill(false)] as boolean[];
  assert.deepEqual(await Promise.all(kinds.map(upload)), kinds.map(() => 'RequestSizeLimitExceeded'));
});

test('a deployed function\'s answer is shown in the local invoke\'s format: the same status line, error and result', async () => {
  const ep = await startLocalEndpoint({ stateDir: join(tempDir(), 'state'), runner: emulator });
  after(() => ep.close());
  const dir = nodeProject(tempDir(), { name: 'shown', body: "exports.main_handler = async (event) => { if (event.fail) throw new Error('no stock'); return { ok: true }; };\n" });
  const spec = load(dir);
  await deploy(ep, spec);
  const client = clientFor(ep);
  // Numbers aside, and what only a local run knows (its cold start and init duration).
  const shape = (lines: string[]) => lines.filter((l) => !/^\s+at /.test(l)).map((l) => l.replace(/ · Init Duration: [\d.]+ ms| \(cold start\)/g, '').replace(/\d+(\.\d+)?/g, 'N'));
  for (const event of ['{}', '{"fail": true}']) {
    const remote = remoteInvokeResult(await invokeDeployed(client, { name: 'shown', namespace: 'default', event }), { memorySize: spec.memorySize });
    const local = await emulator.invoke({ spec, payload: event });
    assert.ok(local.ok);
    assert.equal(remote.statusCode, local.value.statusCode, event);
    // The status line, meaning, fix, error message and result read the same.
    assert.deepEqual(shape(formatOutcome(remote)), shape(formatOutcome(local.value)), event);
  }
});
