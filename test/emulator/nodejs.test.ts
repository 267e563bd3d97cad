import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { assertLoadedLaterIsWatched, FIXTURES, functionSpec, invoke } from './helpers';

const node = join(FIXTURES, 'node');
const emulator = new Emulator({ callerEnv: { PATH: process.env.PATH, HOME: process.env.HOME } });
after(() => emulator.dispose());

const CONTEXT_KEYS = [
  'environ',
  'environment',
  'function_name',
  'function_version',
  'memory_limit_in_mb',
  'namespace',
  'request_id',
  'tencentcloud_appid',
  'tencentcloud_region',
  'tencentcloud_uin',
  'time_limit_in_ms',
];

describe('Node.js handlers run the way SCF runs them', () => {
  test('an async handler gets the event and a context with exactly the SCF keys, and its result comes back with 200', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.echo', name: 'echo-fn', memorySize: 256, timeout: 7, variables: { GREETING: 'hi' } });
    const { result, text } = await invoke(emulator, spec, { name: 'SCF', nested: { n: [1, 2] } });
    assert.equal(result.statusCode, 200);
    assert.equal(result.statusName, 'Success');
    const r = result.result as { event: unknown; context: Record<string, unknown>; cwd: string };
    assert.deepEqual(r.event, { name: 'SCF', nested: { n: [1, 2] } });
    assert.deepEqual(Object.keys(r.context).sort(), CONTEXT_KEYS);
    assert.match(String(r.context.request_id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.context.request_id, result.requestId);
    assert.equal(r.context.function_version, '$LATEST');
    assert.equal(r.context.function_name, 'echo-fn');
    assert.equal(r.context.namespace, 'default');
    assert.equal(r.context.memory_limit_in_mb, 256);
    assert.equal(r.context.time_limit_in_ms, 7000);
    assert.equal(r.context.tencentcloud_region, 'ap-guangzhou');
    assert.deepEqual(JSON.parse(String(r.context.environment)), { GREETING: 'hi', SCF_NAMESPACE: 'default' });
    assert.equal(r.context.environ, 'GREETING=hi;SCF_NAMESPACE=default;SCF_NAMESPACE=default');
    assert.equal(r.cwd, node, 'the working directory is the code folder');
    assert.match(text, new RegExp(`^START RequestId: ${result.requestId}$`, 'm'));
    assert.match(text, new RegExp(`^END RequestId: ${result.requestId}$`, 'm'));
    assert.match(text, /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\tCold Start$/m);
    assert.ok(result.maxMemoryUsedMB > 5 && result.maxMemoryUsedMB < 256, `max memory ${result.maxMemoryUsedMB}`);
    assert.ok(result.billedDurationMs >= Math.ceil(result.durationMs));
  });

  test('a module required by a warm request is watched from its answer on: editing it retires the instance; answers in between are as before', async () => {
    // (the bootstrap lists require.cache only after a module has loaded: Module.prototype.load, wrapped)
    const dir = mkdtempSync(join(tmpdir(), 'scf-node-lazy-'));
    writeFileSync(join(dir, 'index.js'), "let calls = 0;\nexports.main_handler = async () => {\n  calls++;\n  if (calls >= 2) return { calls, helper: require('./helper').VALUE };\n  return { calls };\n};\n");
    writeFileSync(join(dir, 'helper.js'), 'exports.VALUE = 1;\n');
    const s = functionSpec({ codeDir: dir, handler: 'index.main_handler' });
    await assertLoadedLaterIsWatched(emulator, s, () => writeFileSync(join(dir, 'helper.js'), 'exports.VALUE = 22;\n'));
  });

  test('the callback style (event, context, callback) returns what the callback was given', async () => {
    const ok = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.callbackStyle' }), { n: 4 });
    assert.equal(ok.result.statusCode, 200);
    assert.deepEqual(ok.result.result, { via: 'callback', n: 4 });
    const failed = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.callbackError' }));
    assert.equal(failed.result.statusCode, 430);
    assert.match(failed.result.errorMessage!, /callback failed/);
  });

  test('a handler that returns a plain value, and one that returns a JSON string (encoded again, as SCF does)', async () => {
    const plain = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.plainValue' }), { n: 21 });
    assert.deepEqual(plain.result.result, { doubled: 42 });
    const str = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.returnsString' }));
    assert.equal(str.result.result, '{"already":"json"}');
  });

  test('ES modules (.mjs) load with import, and import.meta.url points into the code folder', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'esm'), handler: 'index.main_handler', name: 'esm-fn' }), { a: 1 });
    assert.equal(result.statusCode, 200, result.errorMessage);
    assert.deepEqual(result.result, { esm: true, name: 'esm-fn', hasRequire: false, pkg: 'from a file beside the module', event: { a: 1 } });
  });

  test("the bootstrap's start loads neither net nor the stream classes: the standard streams are made when the handler first uses them, and work as Node's own", async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node-first'), handler: 'index.firstUse' });
    const first = await invoke(emulator, spec);
    assert.equal(first.result.statusCode, 200, first.result.errorMessage);
    assert.deepEqual(first.result.result, { before: { net: false, stream: false }, after: { net: true }, same: true, fd: 1, configurable: true, enumerable: true });
    assert.deepEqual(
      first.logs.filter((l) => l.stream !== 'platform').map((l) => [l.stream, l.text]),
      [
        ['stdout', 'first write'],
        ['stderr', 'to stderr'],
      ],
    );
    // The same instance, warm: the first request's writes made the streams (and with them net).
    const second = await invoke(emulator, spec);
    assert.equal(second.result.statusCode, 200, second.result.errorMessage);
    assert.deepEqual((second.result.result as { before: unknown }).before, { net: true, stream: true });
    assert.match(second.text, /first write/);
  });

  test('an instance never loads net for its channel: a pipe handle of Node\'s own reads it, request after request', async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node-first'), handler: 'index.loaded' });
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const { result } = await invoke(emulator, spec);
      assert.equal(result.statusCode, 200, result.errorMessage);
      seen.push((result.result as { net: boolean }).net);
    }
    assert.deepEqual(seen, [false, false, false, false, false]);
  });

  test('where that handle is not to be had (process.binding wrapped by --pending-deprecation), a socket reads the channel and requests go on as before', async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node-first'), handler: 'index.loaded', variables: { NODE_OPTIONS: '--pending-deprecation' } });
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const { result, logs } = await invoke(emulator, spec);
      assert.equal(result.statusCode, 200, result.errorMessage);
      assert.deepEqual(logs.filter((l) => l.stream !== 'platform').map((l) => l.text), [], 'no warning printed');
      seen.push((result.result as { net: boolean }).net);
    }
    assert.deepEqual(seen, [true, true, true, true]);
  });

  test("a first request that never settles and holds nothing open runs into the timeout (433); the instance did not end by itself", async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'node-first'), handler: 'index.neverSettles', timeout: 1 }));
    assert.equal(result.statusCode, 433, result.errorMessage);
  });

  test('stderr lines and a last line without a newline reach the log, in the request', async () => {
    const { result, logs } = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.stderrAndPartial' }));
    assert.equal(result.statusCode, 200);
    const user = logs.filter((l) => l.stream !== 'platform');
    assert.deepEqual(
      user.map((l) => [l.stream, l.text]),
      [
        ['stderr', 'to stderr'],
        ['stdout', 'no newline at the end'],
      ],
    );
    assert.ok(user.every((l) => l.requestId === result.requestId));
  });
});
