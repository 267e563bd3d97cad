import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { startGateway, type Gateway } from '../../src/emulator/gateway/server';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import type { LogLine } from '../../src/emulator/types';
import { FIXTURES, functionSpec, invoke } from './helpers';

const emulator = new Emulator();
let gateway: Gateway;
const logs: Array<{ fn: string; line: LogLine }> = [];
const requests: string[] = [];

function load(yaml: string): FunctionSpec {
  const dir = mkdtempSync(join(tmpdir(), 'scf-gw-'));
  writeFileSync(join(dir, 'serverless.yml'), yaml);
  const loaded = loadServerlessFile(dir, { env: {} });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value.functions[0]!;
}

function apiFunction(name: string, handler: string, endpoints: string): FunctionSpec {
  return load(`component: scf
name: ${name}
inputs:
  name: ${name}
  src: ${JSON.stringify(join(FIXTURES, 'node'))}
  handler: ${handler}
  runtime: Nodejs18.15
  events:
    - apigw:
        name: api
        parameters:
          protocols: [http]
          environment: release
          endpoints:
${endpoints}
`);
}

before(async () => {
  const specs = [
    apiFunction('hello-api', 'index.apiIntegrated', '            - path: /hello\n              method: GET\n              function:\n                isIntegratedResponse: true'),
    apiFunction('users-api', 'index.apiPlain', '            - path: /users/{id}\n              method: ANY'),
    apiFunction('bad-api', 'index.apiMalformed', '            - path: /bad\n              method: GET\n              function:\n                isIntegratedResponse: TRUE'),
    load(`component: scf\nname: web-app\ninputs:\n  name: web-app\n  type: web\n  src: ${JSON.stringify(join(FIXTURES, 'web'))}\n  runtime: Nodejs18.15\n  timeout: 5\n`),
  ];
  gateway = await startGateway({ specs, emulator, onLog: (line, spec) => logs.push({ fn: spec.name, line }), onRequest: (l) => requests.push(l) });
});
after(async () => {
  await gateway.close();
  await emulator.dispose();
});

describe('the local HTTP gateway', () => {
  test('an event function with an integrated response: status, headers and body come from the function; gateway headers are the gateway\'s', async () => {
    const res = await fetch(`${gateway.url}/hello?name=gw`);
    assert.equal(res.status, 201);
    assert.equal(await res.text(), 'hello gw via GET /hello');
    assert.equal(res.headers.get('x-custom'), 'yes');
    assert.equal(res.headers.get('x-scf-forged'), null, 'a function cannot set X-SCF-* headers');
    assert.match(res.headers.get('x-scf-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(res.headers.get('connection'), 'upgrade');
  });

  test('an event function gets SCF\'s API Gateway event; a plain result is sent as JSON', async () => {
    const res = await fetch(`${gateway.url}/users/42?q=1&q=2&r=x`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', 'x-scf-request-id': 'forged' } });
    assert.equal(res.status, 200);
    const { got } = (await res.json()) as { got: Record<string, any> };
    assert.equal(got.httpMethod, 'POST');
    assert.equal(got.path, '/users/42');
    assert.deepEqual(got.pathParameters, { id: '42' });
    assert.deepEqual(got.queryString, { q: ['1', '2'], r: 'x' });
    assert.equal(got.body, '{"a":1}');
    assert.equal(got.isBase64Encoded, false);
    assert.equal(got.requestContext.path, '/users/{id}');
    assert.equal(got.requestContext.httpMethod, 'POST');
    assert.equal(got.requestContext.stage, 'release');
    assert.match(got.requestContext.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(got.headers['x-scf-request-id'], undefined, 'the caller\'s X-SCF-* header is dropped');
    assert.equal(got.headers['content-type'], 'application/json');
  });

  test('a malformed integrated response gets the gateway\'s 403 "Invalid scf response"', async () => {
    const res = await fetch(`${gateway.url}/bad`);
    assert.equal(res.status, 403);
    const body = (await res.json()) as { errno: number; error: string };
    assert.equal(body.errno, 403);
    assert.match(body.error, /Invalid scf response format/);
  });

  test('a web function gets the HTTP request itself on its own port; its response goes back as it is, binary too', async () => {
    const res = await fetch(`${gateway.url}/web-app/echo?x=1`, { method: 'PUT', body: 'plain body', headers: { 'content-type': 'text/plain', 'X-SCF-Request-Id': 'forged' } });
    assert.equal(res.status, 200);
    const got = (await res.json()) as { method: string; path: string; query: unknown; body: string; headers: Record<string, string>; port: number };
    assert.equal(got.method, 'PUT');
    assert.equal(got.path, '/echo');
    assert.deepEqual(got.query, { x: '1' });
    assert.equal(got.body, 'plain body');
    assert.equal(got.headers['x-scf-request-id'], res.headers.get('x-scf-request-id'), 'the gateway sets the request id, not the caller');
    assert.equal(got.headers['x-scf-name'], 'web-app');
    assert.notEqual(got.port, 9000, 'each instance gets a port of its own');
    const bin = await fetch(`${gateway.url}/web-app/binary`);
    assert.equal(bin.headers.get('content-type'), 'image/png');
    assert.deepEqual([...new Uint8Array(await bin.arrayBuffer())], [0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const missing = await fetch(`${gateway.url}/web-app/missing`);
    assert.equal(missing.status, 404, 'the web function\'s own status codes pass through');
    assert.ok(logs.some((l) => l.fn === 'web-app' && l.line.text.startsWith('PUT /echo')), 'the web function\'s log reached the gateway');
    assert.ok(requests.some((r) => /^PUT \/web-app\/echo -> web-app 200/.test(r)));
  });

  test('concurrent requests to a web function run in separate instances', async () => {
    const [a, b] = await Promise.all([fetch(`${gateway.url}/web-app/a`), fetch(`${gateway.url}/web-app/b`)]);
    const pa = ((await a.json()) as { instance: string }).instance;
    const pb = ((await b.json()) as { instance: string }).instance;
    assert.notEqual(pa, pb);
  });

  test('an unknown route is a 404 listing the routes; a web function past its timeout is a 504', async () => {
    const res = await fetch(`${gateway.url}/nowhere`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as { routes: string[] };
    assert.ok(body.routes.some((r) => r.includes('/users/{id}')));
    const own = await startGateway({
      specs: [load(`component: scf\nname: slow-web\ninputs:\n  name: slow-web\n  type: web\n  src: ${JSON.stringify(join(FIXTURES, 'web'))}\n  runtime: Nodejs18.15\n  timeout: 1\n`)],
      emulator,
    });
    const slow = await fetch(`${own.url}/slow-web/slow`);
    assert.equal(slow.status, 504);
    assert.equal(((await slow.json()) as { errno: number }).errno, 433);
    await own.close();
  });
});

describe('web function start-up', () => {
  test('446 when the server does not listen on the port it was given within initTimeout; 445 without a bootstrap', async () => {
    const fixed = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'web-fixedport'), handler: 'x', initTimeout: 1, extraInputs: ['  type: web'] }), { httpMethod: 'GET', path: '/' });
    assert.equal(fixed.result.statusCode, 446);
    assert.equal(fixed.result.statusName, 'PortBindingFailed');
    assert.match(fixed.result.errorMessage!, /listen on \$\{PORT:-9000\}/);
    const none = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'x', extraInputs: ['  type: web'] }), { httpMethod: 'GET', path: '/' });
    assert.equal(none.result.statusCode, 445);
  });
});
