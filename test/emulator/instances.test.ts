import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { INSTANCE_MARKER, sandboxPlan } from '../../src/emulator/sandbox';
import { copyFixture, eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const node = join(FIXTURES, 'node');
const emulator = new Emulator({ callerEnv: { PATH: process.env.PATH, HOME: process.env.HOME, SECRET_OF_THE_EDITOR: 'leak' } });
after(() => emulator.dispose());

type Echo = { calls: number; instance: string; pid: number; env: Record<string, string>; now: string };

describe('warm instances, as on SCF', () => {
  test('a second request reuses the warm instance: same process, module state kept, no init', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.echo' });
    const first = await invoke(emulator, spec);
    const second = await invoke(emulator, spec);
    const a = first.result.result as Echo;
    const b = second.result.result as Echo;
    assert.equal(first.result.coldStart, true);
    assert.equal(second.result.coldStart, false);
    assert.equal(b.instance, a.instance);
    assert.equal(b.calls, a.calls + 1);
    assert.equal(second.result.initDurationMs, undefined);
    assert.match(second.text, /\tWarm Start$/m);
  });

  test('editing a code file the handler loaded retires the warm instance: the next request runs the new code', async () => {
    const dir = copyFixture('node');
    const spec = functionSpec({ codeDir: dir, handler: 'index.plainValue' });
    assert.deepEqual((await invoke(emulator, spec, { n: 2 })).result.result, { doubled: 4 });
    writeFileSync(join(dir, 'index.js'), 'exports.plainValue = (event) => ({ tripled: event.n * 3 });\n');
    const after = await invoke(emulator, spec, { n: 2 });
    assert.equal(after.result.coldStart, true);
    assert.deepEqual(after.result.result, { tripled: 6 });
  });

  test('a changed configuration (serverless.yml or .env) retires the warm instance', async () => {
    const dir = copyFixture('node');
    const spec = functionSpec({ codeDir: dir, handler: 'index.echo', variables: { MODE: 'one' } });
    const one = await invoke(emulator, spec);
    assert.equal((one.result.result as Echo).env.MODE, 'one');
    const changed = functionSpec({ codeDir: dir, handler: 'index.echo', variables: { MODE: 'two' }, dir: spec.file.replace(/\/serverless\.yml$/, '') });
    const two = await invoke(emulator, changed);
    assert.equal(two.result.coldStart, true);
    assert.equal((two.result.result as Echo).env.MODE, 'two');
    writeFileSync(join(changed.file, '..', '.env'), 'MODE=three\n');
    const three = await invoke(emulator, changed);
    assert.equal(three.result.coldStart, true);
    assert.equal((three.result.result as Echo).env.MODE, 'three');
  });

  test('concurrent requests to one function get separate instances', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.slowLogger' });
    const echo = functionSpec({ codeDir: node, handler: 'index.echo', dir: spec.file.replace(/\/serverless\.yml$/, '') });
    const [a, b] = await Promise.all([invoke(emulator, echo), invoke(emulator, echo)]);
    assert.notEqual((a.result.result as Echo).instance, (b.result.result as Echo).instance);
    assert.equal(a.result.coldStart && b.result.coldStart, true);
    const c = await invoke(emulator, echo);
    assert.equal(c.result.coldStart, false, 'afterwards one of the two serves the next request warm');
  });

  test('idle instances end after the idle timeout', async () => {
    const short = new Emulator({ idleTimeoutMs: 200 });
    const mark = testMark();
    await invoke(short, functionSpec({ codeDir: node, handler: 'index.echo', variables: { TEST_MARK: mark } }));
    assert.ok(processesMarked(mark).length > 0);
    await eventually(() => processesMarked(mark).length === 0, 'the idle instance ended');
    assert.equal(short.instanceCount(), 0);
    await short.dispose();
  });
});

describe('the handler sees SCF\'s environment and nothing of ours', () => {
  test('built-in SCF variables, the function\'s variables, .env; no caller environment, no deploy credentials, no reserved keys', async () => {
    const spec = functionSpec({
      codeDir: node,
      handler: 'index.echo',
      name: 'env-fn',
      variables: { FROM_YML: 'yml', SHARED: 'yml', SCF_CUSTOM: 'nope' },
      dotenv: 'FROM_DOTENV=dotenv\nSHARED=dotenv\nTENCENT_SECRET_ID=AKIDsecret\nTENCENT_SECRET_KEY=topsecret\n',
    });
    process.env.LEAKY_CREDENTIAL = 'should-not-leak';
    const { result, text } = await invoke(emulator, spec);
    delete process.env.LEAKY_CREDENTIAL;
    const env = (result.result as Echo).env;
    assert.equal(env.FROM_YML, 'yml');
    assert.equal(env.FROM_DOTENV, 'dotenv');
    assert.equal(env.SHARED, 'dotenv', '.env overrides serverless.yml locally');
    for (const key of ['SECRET_OF_THE_EDITOR', 'LEAKY_CREDENTIAL', 'TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY', 'SCF_CUSTOM', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY']) {
      assert.equal(env[key], undefined, `${key} must not reach the handler`);
    }
    assert.doesNotMatch(JSON.stringify(result.result), /AKIDsecret|topsecret|should-not-leak/);
    assert.equal(env.TZ, 'UTC');
    assert.equal(env.TENCENTCLOUD_RUNTIME, 'SCF');
    assert.equal(env.SCF_RUNTIME, 'Nodejs18.15');
    assert.equal(env.SCF_FUNCTIONNAME, 'env-fn');
    assert.equal(env.SCF_FUNCTIONVERSION, '$LATEST');
    assert.equal(env.USER_CODE_ROOT, `${node}/`);
    assert.equal(env._SCF_SERVER_PORT, '28902');
    assert.equal(env.TENCENTCLOUD_REGION, 'ap-guangzhou');
    assert.ok(env.PATH && env.HOME);
    const allowed = new Set(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'PWD', 'USER_CODE_ROOT', 'TENCENTCLOUD_RUNTIME', '_SCF_SERVER_PORT', 'PYTHONDONTWRITEBYTECODE', 'PYTHONPATH', 'NODE_PATH', 'PHP_INI_SCAN_DIR', 'SCF_RUNTIME', 'SCF_FUNCTIONNAME', 'SCF_FUNCTIONVERSION', 'SCF_NAMESPACE', 'TENCENTCLOUD_REGION', 'TENCENTCLOUD_APPID', 'TENCENTCLOUD_UIN', 'TENCENTCLOUD_TZ', 'FROM_YML', 'FROM_DOTENV', 'SHARED']);
    // Where processes are tracked rather than contained in a namespace, they carry the instance's marker.
    if (sandboxPlan().containment !== 'namespace') allowed.add(INSTANCE_MARKER);
    const extra = Object.keys(env).filter((k) => !allowed.has(k) && k !== 'NODE_CHANNEL_FD' && k !== 'NODE_UNIQUE_ID');
    assert.deepEqual(extra, [], 'nothing else is in the environment');
    assert.match(text, /\[WARN\] environment variable SCF_CUSTOM \(serverless\.yml\) not set: .*reserved/);
    assert.match(text, /\[WARN\] TENCENT_SECRET_ID from \.env is a deploy credential/);
  });

  test('TZ set by the user changes the time zone, as on SCF', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: node, handler: 'index.echo', variables: { TZ: 'Asia/Shanghai' } }));
    assert.match((result.result as Echo).now, /GMT\+0800/);
  });
});

describe('logs stream as the handler prints them', () => {
  test('the first line arrives while the handler is still running', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.slowLogger' });
    let settled = false;
    const seenWhileRunning: string[] = [];
    const done = emulator
      .invoke({ spec, payload: JSON.stringify({ lines: 3, gapMs: 400 }) }, { onLog: (l) => !settled && l.stream === 'stdout' && seenWhileRunning.push(l.text) })
      .then((o) => {
        settled = true;
        return o;
      });
    await eventually(() => seenWhileRunning.length >= 1, 'the first tick was seen', 5000);
    assert.equal(settled, false, 'the handler had not finished when its first line arrived');
    assert.deepEqual(seenWhileRunning, ['tick 0']);
    const outcome = await done;
    assert.ok(outcome.ok && outcome.value.statusCode === 200);
  });

  test('async invocation: accepted at once with the request id, the result only in the log', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.plainValue' });
    let acceptedId = '';
    const logs: string[] = [];
    const outcome = await emulator.invoke(
      { spec, payload: '{"n":5}', invocationType: 'Event' },
      { onAccepted: (id) => (acceptedId = id), onLog: (l) => logs.push(l.text) },
    );
    assert.ok(outcome.ok);
    if (!outcome.ok) return;
    assert.equal(acceptedId, outcome.value.requestId);
    assert.equal(outcome.value.result, null);
    assert.equal(outcome.value.invocationType, 'Event');
    assert.ok(logs.some((l) => l.includes('{"doubled":10}')));
  });

  test('canceling a request ends it with 499 and leaves no process', async () => {
    const own = new Emulator();
    const mark = testMark();
    const spec = functionSpec({ codeDir: node, handler: 'index.forever', timeout: 30, variables: { TEST_MARK: mark } });
    const abort = new AbortController();
    const logs: string[] = [];
    const pending = own.invoke({ spec, payload: '{}' }, { signal: abort.signal, onLog: (l) => logs.push(l.text) });
    await eventually(() => logs.some((l) => l.startsWith('child pid')), 'the handler started', 5000);
    abort.abort();
    const outcome = await pending;
    assert.ok(outcome.ok && outcome.value.statusCode === 499);
    await eventually(() => processesMarked(mark).length === 0, 'the handler and its child process are gone');
    assert.equal(own.instanceCount(), 0);
    await own.dispose();
  });
});
