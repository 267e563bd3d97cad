/**
 * The API Gateway template filled from the function's trigger reads as the gateway's own event for
 * the same request: a real gateway, a real handler that returns the event it got.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { startGateway } from '../../src/emulator/gateway/server';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import { findTemplate } from '../../src/events/templates';
import { templateDescription, templateFor } from '../../src/events/fromTrigger';
import { checkEventText } from '../../src/events/validate';

const TEMPLATES = join(__dirname, '..', '..', 'src', 'events', 'templates');
const emulator = new Emulator();
after(() => emulator.dispose());

function echoFunction(name: string, endpoint: string, extra = ''): FunctionSpec {
  const dir = mkdtempSync(join(tmpdir(), 'scf-tpl-'));
  writeFileSync(join(dir, 'index.js'), 'exports.main_handler = async (event) => event;\n');
  writeFileSync(
    join(dir, 'serverless.yml'),
    `component: scf\nname: ${name}\ninputs:\n  name: ${name}\n  src: ./\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  events:\n    - apigw:\n        name: api\n        parameters:\n${extra}          endpoints:\n${endpoint}`,
  );
  const loaded = loadServerlessFile(dir, { env: {} });
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
  return loaded.value.functions[0]!;
}

const apigw = findTemplate('apigateway')!;

test('the API Gateway template takes the trigger\'s method, path and path parameters, as the gateway sends them', async () => {
  const users = echoFunction('users', '            - path: /users/{userId}/posts/{slug}\n              method: GET\n', '          serviceId: service-abc\n          environment: test\n');
  const root = echoFunction('root', '            - path: /\n              method: ANY\n');
  const gateway = await startGateway({ specs: [users, root], emulator });
  after(() => gateway.close());
  for (const [spec, request] of [
    [users, '/users/42/posts/slug'],
    [root, '/'],
  ] as const) {
    const filled = JSON.parse(templateFor(apigw, spec, TEMPLATES)) as Record<string, unknown>;
    assert.ok(checkEventText(JSON.stringify(filled)).ok);
    const res = await fetch(`${gateway.url}${request}`);
    assert.equal(res.status, 200, spec.name);
    const real = (await res.json()) as Record<string, unknown>;
    for (const key of ['httpMethod', 'path', 'pathParameters'] as const) assert.deepEqual(filled[key], real[key], `${spec.name}: ${key}`);
    const ctx = (e: Record<string, unknown>) => e.requestContext as Record<string, unknown>;
    // The serviceId when the trigger names one (else each side has a made-up one).
    for (const key of ['path', 'httpMethod', 'stage', ...(spec === users ? ['serviceId'] : [])]) assert.deepEqual(ctx(filled)[key], ctx(real)[key], `${spec.name}: requestContext.${key}`);
    assert.equal(filled.body, '', 'a GET carries no body');
  }
  assert.equal(templateDescription(apigw, users), "GET /users/{userId}/posts/{slug}, from the function's apigw trigger");
});

test('without an apigw endpoint the template is used as shipped; a POST keeps its JSON body', () => {
  const plain = echoFunction('plain', '            - path: /orders\n              method: POST\n');
  const filled = JSON.parse(templateFor(apigw, plain, TEMPLATES)) as Record<string, unknown>;
  assert.equal(filled.httpMethod, 'POST');
  assert.equal(filled.path, '/orders');
  assert.deepEqual(filled.pathParameters, {});
  assert.match(String(filled.body), /Alice/);
  const none = { ...plain, events: [] };
  assert.equal(templateFor(apigw, none, TEMPLATES), templateFor(apigw, undefined, TEMPLATES));
  assert.equal(templateDescription(apigw, none), apigw.description);
});
