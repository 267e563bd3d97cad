import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS_CODES } from '../../src/emulator/statusCodes';
import { Emulator } from '../../src/emulator/emulator';
import { eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const node = join(FIXTURES, 'node');
const emulator = new Emulator();
after(() => emulator.dispose());

describe('every status code the emulator produces, for real', () => {
  test('400: an event that is not JSON, or JSON that is not an object, is refused before any code runs', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.echo' });
    for (const [payload, why] of [
      ['{"a":', /not valid JSON/],
      ['[1,2]', /must be a JSON object, got an array/],
      ['42', /got number/],
      ['null', /got null/],
    ] as const) {
      const { result } = await invoke(emulator, spec, payload);
      assert.equal(result.statusCode, 400, payload);
      assert.equal(result.statusName, 'InvalidParameterValue');
      assert.match(result.errorMessage!, why);
    }
    assert.equal(emulator.instanceCount(), 0, 'no instance was started for a refused event');
  });

  test('406: an event over 6 MB (sync) or over 128 KB (async) is refused', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.echo' });
    const sync = await invoke(emulator, spec, { blob: 'x'.repeat(6 * 1024 * 1024) });
    assert.equal(sync.result.statusCode, 406);
    assert.match(sync.result.errorMessage!, /over the sync limit of 6\.00 MB/);
    const asyncBig = await invoke(emulator, spec, { blob: 'x'.repeat(129 * 1024) }, 'Event');
    assert.equal(asyncBig.result.statusCode, 406);
    assert.match(asyncBig.result.errorMessage!, /over the async limit of 128\.0 KB/);
    const syncSame = await invoke(emulator, spec, { blob: 'x'.repeat(129 * 1024) });
    assert.equal(syncSame.result.statusCode, 200, 'the same event is fine when invoked synchronously');
  });

  test('407: a result over 6 MB', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.bigResult' }));
    assert.equal(result.statusCode, 407);
    assert.equal(result.result, null);
    assert.match(result.errorMessage!, /over the limit of 6\.00 MB/);
  });

  test('430: the handler threw; message and stack are in the result and in the log', async () => {
    const { result, text } = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.throws' }));
    assert.equal(result.statusCode, 430);
    assert.equal(result.statusName, 'User code exception caught');
    assert.equal(result.errorMessage, 'TypeError: boom from handler');
    assert.match(result.errorStack!, /TypeError: boom from handler\n\s+at exports\.throws .*index\.js:\d+/);
    assert.match(text, /about to throw/);
    assert.match(text, /\[ERROR\] 430 User code exception caught: TypeError: boom from handler/);
    assert.match(text, /at exports\.throws/);
  });

  test('430: a result with no JSON form (circular, BigInt) is an error, not a crash', async () => {
    for (const handler of ['index.circular', 'index.bigint']) {
      const { result } = await invoke(emulator, functionSpec({ codeDir: node, handler }));
      assert.equal(result.statusCode, 430, handler);
      assert.match(result.errorMessage!, /not JSON-serialisable/);
    }
  });

  test('430: an exception thrown from a timer during the request fails that request and recycles the instance', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.uncaught' });
    const { result } = await invoke(emulator, spec);
    assert.equal(result.statusCode, 430);
    assert.match(result.errorMessage!, /thrown from a timer/);
    const again = await invoke(emulator, spec);
    assert.equal(again.result.coldStart, true);
  });

  test('433: a handler that never returns is stopped at its timeout, with every process it started, and the instance is recycled', async () => {
    const own = new Emulator();
    const mark = testMark();
    const spec = functionSpec({ codeDir: node, handler: 'index.forever', timeout: 1, variables: { TEST_MARK: mark } });
    const { result, text } = await invoke(own, spec);
    assert.equal(result.statusCode, 433);
    assert.equal(result.statusName, 'TimeLimitReached');
    assert.match(result.errorMessage!, /time out.*timeout of 1 s/);
    assert.ok(result.durationMs >= 1000);
    assert.match(text, /child pid \d+/, 'the handler started its child');
    await eventually(() => processesMarked(mark).length === 0, 'the runtime and its child process (sleep 300) are gone');
    assert.equal(own.instanceCount(), 0, 'the timed-out instance is gone');
    assert.match(text, /REPORT RequestId/);
    await own.dispose();
  });

  test('434: using more memory than memorySize ends the request and recycles the instance', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.memoryHog', memorySize: 128 });
    const { result } = await invoke(emulator, spec, { mb: 200 });
    assert.equal(result.statusCode, 434);
    assert.equal(result.statusName, 'MemoryLimitReached');
    assert.match(result.errorMessage!, /over memorySize 128 MB/);
    assert.ok(result.maxMemoryUsedMB > 128, `reported ${result.maxMemoryUsedMB} MB`);
    const small = await invoke(emulator, spec, { mb: 1 });
    assert.equal(small.result.statusCode, 200);
    assert.equal(small.result.coldStart, true, 'a new instance replaced the recycled one');
  });

  test('437: a missing entry file names the file and the code folder, and spots the zip-root mistake', async () => {
    const zipped = join(FIXTURES, 'zipped');
    const { result } = await invoke(emulator, functionSpec({ codeDir: zipped, handler: 'index.main_handler' }));
    assert.equal(result.statusCode, 437);
    assert.equal(result.statusName, 'HandlerNotFound');
    assert.ok(result.errorMessage!.includes(`entry file index.js not found in the code folder ${zipped}`), result.errorMessage);
    assert.match(result.errorMessage!, /Found src\/index\.js one folder down: .*enclosing folder/);
    const plain = await invoke(emulator, functionSpec({ codeDir: node, handler: 'nothere.main_handler' }));
    assert.equal(plain.result.statusCode, 437);
    assert.match(plain.result.errorMessage!, /entry file nothere\.js not found/);
  });

  test('437: a function the entry file does not export', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.missing_fn' }));
    assert.equal(result.statusCode, 437);
    assert.match(result.errorMessage!, /function missing_fn is not exported by index\.js/);
  });

  test('443: a module that fails to load (syntax error) reports where', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'badsyntax'), handler: 'index.main_handler' }));
    assert.equal(result.statusCode, 443);
    assert.match(result.errorMessage!, /loading index\.js failed: SyntaxError/);
    assert.match(result.errorStack!, /index\.js:\d+/);
  });

  test('439: the process exits during a request; the next request gets a new instance', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.exitMidRequest' });
    const { result, text } = await invoke(emulator, spec);
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /exited with code 3 during the request/);
    assert.match(text, /exiting now/);
    // The platform's line names the status once, then what happened.
    assert.match(text, /\[ERROR\] 439 User process exit when running: the runtime process exited with code 3 during the request/);
    // The runtime is gone when the request ends: its last sample is reported, not 0 MB.
    assert.ok(result.maxMemoryUsedMB > 0, `Max Memory Used ${result.maxMemoryUsedMB} MB`);
    const again = await invoke(emulator, spec);
    assert.equal(again.result.statusCode, 439);
    assert.equal(again.result.coldStart, true);
  });

  test('450: loading the module takes longer than initTimeout', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'slowinit'), handler: 'index.main_handler', initTimeout: 1 }));
    assert.equal(result.statusCode, 450);
    assert.equal(result.statusName, 'InitContainerTimeout');
    assert.match(result.errorMessage!, /initTimeout \(1 s\)/);
  });

  test('usage errors: an unknown runtime (with the nearest ones), a missing code folder', async () => {
    for (const [runtime, code, why] of [
      ['Ruby3', 'runtime.unknown', /unknown runtime "Ruby3"/],
      ['Nodejs16', 'runtime.unknown', /unknown runtime "Nodejs16"; did you mean Nodejs16\.13/],
    ] as const) {
      const outcome = await emulator.invoke({ spec: functionSpec({ codeDir: node, handler: 'index.echo', runtime }), payload: '{}' });
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.equal(outcome.error.code, code);
        assert.match(outcome.error.message, why);
        // (where `runtime` is written: line 6, column 12 of the helper's serverless.yml)
        assert.match(outcome.error.message, /serverless\.yml:6:12: unknown runtime/);
        assert.deepEqual([outcome.error.range?.line, outcome.error.range?.column], [5, 11]);
      }
    }
    // Go runs the function's own program: a folder without one is the invocation's 437, not a usage error.
    const go = await emulator.invoke({ spec: functionSpec({ codeDir: node, handler: 'main', runtime: 'Go1' }), payload: '{}' });
    assert.ok(go.ok && go.value.statusCode === 437, 'Go1 without a binary is 437');
    const missing = await emulator.invoke({ spec: functionSpec({ codeDir: join(FIXTURES, 'no-such-folder'), handler: 'index.echo' }), payload: '{}' });
    assert.equal(missing.ok, false);
    assert.ok(!missing.ok);
    assert.match(missing.error.message, /serverless\.yml:4:8: the code folder .*no-such-folder \(inputs\.src\) does not exist/);
    assert.deepEqual([missing.error.range?.line, missing.error.range?.column], [3, 7]);
  });
});

describe('the timeout override (scf.invoke.timeoutOverride)', () => {
  test('replaces the function\'s timeout for one invocation and says so in the log', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.slowLogger', timeout: 1 });
    const logs: string[] = [];
    const outcome = await emulator.invoke({ spec, payload: '{"lines":2,"gapMs":700}', timeoutOverride: 5 }, { onLog: (l) => logs.push(l.text) });
    assert.ok(outcome.ok && outcome.value.statusCode === 200, 'with 5 s it finishes');
    assert.ok(logs.some((l) => l.includes('timeout 5 s from the timeoutOverride setting instead of 1 s')));
    const without = await invoke(emulator, spec, { lines: 2, gapMs: 700 });
    assert.equal(without.result.statusCode, 433, 'with its own 1 s it does not');
  });
});

test('the status-code table in docs/invoke.md lists exactly the codes the emulator produces, with their SCF names', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'invoke.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Status codes'));
  const rows = [...section.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)].map((m) => [Number(m[1]), m[2]!.trim()] as const);
  const emulated = STATUS_CODES.filter((s) => s.emulated).map((s) => [s.code, s.name] as const);
  assert.deepEqual(rows, emulated);
});
