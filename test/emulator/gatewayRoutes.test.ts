import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import { startGateway } from '../../src/emulator/gateway/server';
import { buildRoutes, matchRoute, routeConflicts } from '../../src/emulator/gateway/routes';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import { FIXTURES } from './helpers';

function api(name: string, endpoints: Array<[string, string]>): FunctionSpec {
  const dir = mkdtempSync(join(tmpdir(), 'scf-routes-'));
  const eps = endpoints.map(([method, path]) => `            - path: ${path}\n              method: ${method}\n              function:\n                isIntegratedResponse: true`).join('\n');
  writeFileSync(
    join(dir, 'serverless.yml'),
    `component: scf\nname: ${name}\ninputs:\n  name: ${name}\n  src: ${JSON.stringify(join(FIXTURES, 'site'))}\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  events:\n    - apigw:\n        parameters:\n          endpoints:\n${eps}\n`,
  );
  const loaded = loadServerlessFile(dir, { env: {} });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value.functions[0]!;
}

const emulator = new Emulator();
after(() => emulator.dispose());

describe("the gateway matches paths as Tencent's API Gateway does", () => {
  test('a plain path is a prefix (longest first); = is exact; {parameters} take the rest of the path', () => {
    const routes = buildRoutes([api('site', [['GET', '/']]), api('users', [['ANY', '/users/{id}']]), api('docs', [['GET', '/docs']]), api('exact', [['GET', '=/ping']])]);
    const hit = (m: string, p: string) => {
      const r = matchRoute(routes, m, p);
      return r.kind === 'match' ? `${r.match.route.spec.name} ${JSON.stringify(r.match.pathParameters)}` : r.kind;
    };
    assert.equal(hit('GET', '/css/style.css'), 'site {}');
    assert.equal(hit('GET', '/docs/a/b'), 'docs {}');
    assert.equal(hit('GET', '/ping'), 'exact {}');
    assert.equal(hit('GET', '/ping/x'), 'site {}', '= is exact: /ping/x falls to the prefix /');
    assert.equal(hit('POST', '/users/42'), 'users {"id":"42"}');
    assert.equal(hit('GET', '/users/a%20b/c'), 'users {"id":"a b/c"}', 'the last parameter takes the rest, decoded');
    assert.equal(hit('GET', '/%E0%A4%A'), 'badPath');
    const onlyGet = buildRoutes([api('docs', [['GET', '/docs']])]);
    assert.deepEqual(matchRoute(onlyGet, 'DELETE', '/docs/x'), { kind: 'methodNotAllowed', allow: ['GET'] });
    assert.deepEqual(matchRoute(onlyGet, 'GET', '/elsewhere'), { kind: 'none' });
  });

  test('a route claimed by two functions is a conflict (the first declared serves it); different methods are not', () => {
    const conflicts = routeConflicts(buildRoutes([api('demo-a', [['GET', '/']]), api('demo-b', [['GET', '/'], ['POST', '/form']]), api('demo-c', [['POST', '/']])]));
    assert.equal(conflicts.length, 1);
    assert.deepEqual(conflicts[0]!.functions, ['demo-a', 'demo-b']);
    assert.match(conflicts[0]!.message, /GET \/ is claimed by demo-a and demo-b: demo-a serves it/);
    const anyVsGet = routeConflicts(buildRoutes([api('x', [['ANY', '/api']]), api('y', [['GET', '/api']])]));
    assert.equal(anyVsGet.length, 1, 'ANY overlaps GET on the same path');
  });

  test('over real HTTP: a site behind / serves /css/style.css; 400 for a bad escape, 405 for a wrong method; conflicts on the start result', async () => {
    const gateway = await startGateway({ specs: [api('site', [['GET', '/']]), api('other-site', [['GET', '/']])], emulator });
    try {
      assert.equal(gateway.conflicts.length, 1);
      assert.deepEqual(gateway.conflicts[0]!.functions, ['site', 'other-site']);
      const css = await fetch(`${gateway.url}/css/style.css`);
      assert.equal(css.status, 200);
      assert.equal(css.headers.get('content-type'), 'text/css');
      assert.deepEqual(css.headers.getSetCookie(), ['s=1', 't=2'], 'a list of Set-Cookie values stays separate headers');
      const body = (await css.json()) as { path: string; host: string; apiPath: string };
      assert.equal(body.path, '/css/style.css');
      assert.equal(body.apiPath, '/');
      assert.equal(body.host, new URL(gateway.url).host, "the client's Host is in the event's headers");
      assert.equal((await fetch(`${gateway.url}/%E0%A4%A`)).status, 400);
      const post = await fetch(`${gateway.url}/form`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET');
    } finally {
      await gateway.close();
    }
  });
});
