import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { startGateway } from '../../src/emulator/gateway/server';
import { loadServerlessFile } from '../../src/model';
import { FIXTURES, functionSpec, invoke } from './helpers';

const code = join(FIXTURES, 'node-callback');
const emulator = new Emulator();
after(() => emulator.dispose());
const spec = (handler: string, timeout = 3) => functionSpec({ codeDir: code, handler, runtime: 'Nodejs6.10', timeout });

describe("a non-async handler with a callback parameter ends as SCF ends it (the event loop empty), not in 433", () => {
  test('returning the integrated response without calling back: the result is the returned value', async () => {
    const { result, text } = await invoke(emulator, spec('index.main_handler'), {});
    assert.equal(result.statusCode, 200, result.errorMessage);
    assert.deepEqual(result.result, { isBase64Encoded: false, statusCode: 200, headers: { 'Content-Type': 'text', 'Access-Control-Allow-Origin': '*' }, body: 'API GW Test Success' });
    assert.match(text, /start main handler/);
  });

  test('pending work (a timer) finishes before the request ends, and its output is in the request', async () => {
    const { result, text } = await invoke(emulator, spec('index.pendingTimer'), {});
    assert.equal(result.statusCode, 200);
    assert.deepEqual(result.result, { returned: true });
    assert.ok(result.durationMs >= 250, `it waited for the timer (${result.durationMs} ms)`);
    assert.match(text, /timer fired before the end\n.*END RequestId/s);
  });

  test('a callback called later still gives the response; callbackWaitsForEmptyEventLoop = false ends at the return', async () => {
    const later = await invoke(emulator, spec('index.callsBackLater'), {});
    assert.deepEqual(later.result.result, { from: 'callback' });
    const fast = await invoke(emulator, spec('index.doesNotWait'), {});
    assert.equal(fast.result.statusCode, 200);
    assert.deepEqual(fast.result.result, { fast: true });
    assert.ok(fast.result.durationMs < 4000, 'it did not wait for the 5 s timer');
    assert.doesNotMatch(fast.text, /never seen/);
  });

  test('work that never ends (an interval) runs into the timeout, as on SCF', async () => {
    const { result } = await invoke(emulator, spec('index.neverEmpty', 1), {});
    assert.equal(result.statusCode, 433);
  });

  test('the Nodejs6.10-Apigateway shape through the gateway: GET / answers the integrated response', async () => {
    const loaded = loadServerlessFile(code, { env: {} });
    assert.ok(loaded.ok);
    const gateway = await startGateway({ specs: loaded.value.functions, emulator });
    try {
      const res = await fetch(`${gateway.url}/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'API GW Test Success');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    } finally {
      await gateway.close();
    }
  });
});
