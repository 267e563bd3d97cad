import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { assertLoadedLaterIsWatched, eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const py = join(FIXTURES, 'python');
const emulator = new Emulator();
after(() => emulator.dispose());
const spec = (handler: string, extra: Partial<Parameters<typeof functionSpec>[0]> = {}) =>
  functionSpec({ codeDir: py, handler, runtime: 'Python3.9', ...extra });

describe('Python 3 handlers run on a local Python 3', () => {
  test('printing the context gives one flat JSON object with exactly the SCF keys', async () => {
    const { result, logs } = await invoke(emulator, spec('index.print_context', { name: 'py-fn' }), { a: 1 });
    assert.equal(result.statusCode, 200, result.errorMessage);
    assert.deepEqual(result.result, ['environ', 'environment', 'function_name', 'function_version', 'memory_limit_in_mb', 'namespace', 'request_id', 'tencentcloud_appid', 'tencentcloud_region', 'tencentcloud_uin', 'time_limit_in_ms']);
    const printed = JSON.parse(logs.find((l) => l.stream === 'stdout')!.text) as Record<string, unknown>;
    assert.equal(printed.request_id, result.requestId);
    assert.equal(printed.function_name, 'py-fn');
    assert.equal(printed.function_version, '$LATEST');
    assert.match(logs.map((l) => l.text).join('\n'), /runs on the local Python 3\./);
  });

  test('event, environment and working directory; module state survives on a warm instance', async () => {
    const s = spec('index.echo', { variables: { GREETING: 'hi' } });
    const first = await invoke(emulator, s, { k: 'v' });
    const second = await invoke(emulator, s, { k: 'v' });
    const a = first.result.result as { event: unknown; calls: number; instance: string; pid: number; cwd: string; env: Record<string, string> };
    const b = second.result.result as typeof a;
    assert.deepEqual(a.event, { k: 'v' });
    assert.equal(a.cwd, py);
    assert.equal(a.env.GREETING, 'hi');
    assert.equal(a.env.PYTHONPATH, py);
    assert.equal(a.env.PYTHONDONTWRITEBYTECODE, 'x');
    assert.equal(b.instance, a.instance);
    assert.equal(b.calls, 2);
    assert.equal(second.result.coldStart, false);
  });

  test('a module imported by a warm request is watched from its answer on: editing it retires the instance; answers in between are as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-py-lazy-'));
    writeFileSync(join(dir, 'index.py'), 'calls = [0]\n\ndef main_handler(event, context):\n    calls[0] += 1\n    if calls[0] >= 2:\n        import helper\n        return {"calls": calls[0], "helper": helper.VALUE}\n    return {"calls": calls[0]}\n');
    writeFileSync(join(dir, 'helper.py'), 'VALUE = 1\n');
    const s = functionSpec({ codeDir: dir, handler: 'index.main_handler', runtime: 'Python3.9' });
    await assertLoadedLaterIsWatched(emulator, s, () => writeFileSync(join(dir, 'helper.py'), 'VALUE = 22\n'));
  });

  test('430: a raised exception returns the traceback in the result and the log', async () => {
    const { result, text } = await invoke(emulator, spec('index.throws'));
    assert.equal(result.statusCode, 430);
    assert.equal(result.errorMessage, 'Exception: xxx');
    assert.match(result.errorStack!, /Traceback \(most recent call last\):[\s\S]*index\.py", line \d+, in throws[\s\S]*Exception: xxx/);
    assert.match(text, /File ".*index\.py", line \d+, in throws/);
  });

  test('430: a result with no JSON form (a set)', async () => {
    const { result } = await invoke(emulator, spec('index.returns_set'));
    assert.equal(result.statusCode, 430);
    assert.match(result.errorMessage!, /not JSON-serialisable: Object of type set/);
  });

  test('430: a result with NaN or Infinity in it (Python writes them, JSON has no form for them)', async () => {
    const { result } = await invoke(emulator, spec('index.returns_nan'));
    assert.equal(result.statusCode, 430);
    assert.match(result.errorMessage!, /not JSON-serialisable: Out of range float values are not JSON compliant/);
    const next = await invoke(emulator, spec('index.echo'), { after: 'nan' });
    assert.equal(next.result.statusCode, 200, 'the instance still answers');
  });

  test('500: a reply on the runtime\'s channel that is not JSON ends that instance, not the emulator', async () => {
    const first = await invoke(emulator, spec('index.sends_unreadable_reply'));
    assert.equal(first.result.statusCode, 500);
    assert.match(first.result.errorMessage!, /the runtime's reply is not JSON \(.*\); the instance is recycled/);
    const next = await invoke(emulator, spec('index.sends_unreadable_reply'));
    assert.equal(next.result.coldStart, true, 'a new instance');
  });

  test("437: a function the module does not define, in SCF's words", async () => {
    const { result } = await invoke(emulator, spec('index.nope'));
    assert.equal(result.statusCode, 437);
    assert.match(result.errorMessage!, /'module' object has no attribute 'nope'/);
  });

  test('433: a handler sleeping past its timeout is killed; the python process is gone', async () => {
    const warmMark = testMark();
    await invoke(emulator, spec('index.echo', { timeout: 1, variables: { TEST_MARK: warmMark } }));
    const mark = testMark();
    const { result, text } = await invoke(emulator, spec('index.sleeps', { timeout: 1, variables: { TEST_MARK: mark } }));
    assert.equal(result.statusCode, 433);
    assert.match(text, /sleeping in \d+/);
    await eventually(() => processesMarked(mark).length === 0, 'the timed-out python process is gone');
    assert.ok(processesMarked(warmMark).length > 0, 'another function\'s warm instance is untouched');
  });

  test('439: sys.exit during a request', async () => {
    const { result } = await invoke(emulator, spec('index.exits'));
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /exited with code 2/);
  });

  test('434: memory above memorySize', async () => {
    const { result } = await invoke(emulator, spec('index.memory_hog', { memorySize: 64 }), { mb: 120 });
    assert.equal(result.statusCode, 434);
  });

  test("Max Memory Used is each request's own peak on a warm instance, not the instance's highest", async () => {
    const s = spec('index.memory_hog', { memorySize: 256 });
    const big = await invoke(emulator, s, { mb: 120 });
    const small = await invoke(emulator, s, { mb: 1 });
    assert.equal(big.result.statusCode, 200);
    assert.equal(small.result.coldStart, false);
    assert.ok(big.result.maxMemoryUsedMB >= 120, `the 120 MB request reported ${big.result.maxMemoryUsedMB} MB`);
    assert.ok(small.result.maxMemoryUsedMB < 60, `the next, 1 MB request reported ${small.result.maxMemoryUsedMB} MB`);
  });

  test('streaming: print output arrives while the handler runs', async () => {
    let settled = false;
    const seen: string[] = [];
    const done = emulator
      .invoke({ spec: spec('index.slow_logger'), payload: '{"lines":3,"gapMs":400}' }, { onLog: (l) => !settled && l.stream === 'stdout' && seen.push(l.text) })
      .then((o) => {
        settled = true;
        return o;
      });
    await eventually(() => seen.length >= 1, 'first line', 5000);
    assert.equal(settled, false);
    const o = await done;
    assert.ok(o.ok && o.value.statusCode === 200);
  });

  test('a python3 that does not exist is a clear usage error', async () => {
    const own = new Emulator({ pythonPath: '/no/such/python3' });
    const outcome = await own.invoke({ spec: spec('index.echo'), payload: '{}' });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.equal(outcome.error.code, 'runtime.pathMissing');
      assert.match(outcome.error.message, /scf\.pythonPath is "\/no\/such\/python3", which is not an executable here/);
    }
    await own.dispose();
  });
});
