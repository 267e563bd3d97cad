import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const emulator = new Emulator();
after(() => emulator.dispose());
const custom = (dir: string, handler = 'index.main_handler', extra: Partial<Parameters<typeof functionSpec>[0]> = {}) =>
  functionSpec({ codeDir: join(FIXTURES, dir), handler, runtime: 'CustomRuntime', name: 'custom-fn', ...extra });

describe('Custom Runtime: a bash scf_bootstrap speaking the runtime API with curl', () => {
  test('the event reaches the bootstrap, its result comes back, its output is in the request log, and the instance stays warm', async () => {
    const spec = custom('custom');
    const first = await invoke(emulator, spec, { hello: 'bash' });
    assert.equal(first.result.statusCode, 200, first.result.errorMessage);
    assert.deepEqual(first.result.result, { echo: { hello: 'bash' }, requestId: first.result.requestId });
    assert.match(first.text, /bootstrap initialised for custom-fn \(CustomRuntime\)/);
    const handling = first.logs.find((l) => l.text === `handling ${first.result.requestId}`);
    assert.ok(handling, 'the handler\'s stderr line is in the log');
    assert.equal(handling!.requestId, first.result.requestId);
    const second = await invoke(emulator, spec, { again: true });
    assert.equal(second.result.statusCode, 200);
    assert.equal(second.result.coldStart, false);
    assert.doesNotMatch(second.text, /bootstrap initialised/, 'no second init on a warm instance');
  });

  test('/runtime/invocation/error is a 430 with the bootstrap\'s message', async () => {
    const { result, text } = await invoke(emulator, custom('custom', 'index.fails'));
    assert.equal(result.statusCode, 430);
    assert.equal(result.errorMessage, 'handler fails failed');
    assert.match(text, /about to fail/);
  });

  test('433: a request past the timeout kills the bootstrap and everything it started', async () => {
    const own = new Emulator();
    const mark = testMark();
    const { result, text } = await invoke(own, custom('custom', 'index.slow', { timeout: 1, variables: { TEST_MARK: mark } }));
    assert.equal(result.statusCode, 433);
    assert.equal(own.instanceCount(), 0);
    assert.match(text, /slow handler pid \d+/);
    await eventually(() => processesMarked(mark).length === 0, 'the bootstrap, the handler subshell and its sleep are gone');
    await own.dispose();
  });

  test('439: the bootstrap dies during a request', async () => {
    const { result } = await invoke(emulator, custom('custom', 'index.exits'));
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /killed by SIGKILL during the request/);
  });

  test('445: no bootstrap, a bootstrap that is not executable, one that exits or reports an init error', async () => {
    const missing = await invoke(emulator, custom('node'));
    assert.equal(missing.result.statusCode, 445);
    assert.equal(missing.result.statusName, 'ContainerInitError');
    assert.match(missing.result.errorMessage!, /no scf_bootstrap \(or bootstrap\) in the code folder/);
    const noexec = await invoke(emulator, custom('custom-noexec'));
    assert.equal(noexec.result.statusCode, 445);
    assert.match(noexec.result.errorMessage!, /is not executable; run chmod \+x scf_bootstrap/);
    const exits = await invoke(emulator, custom('custom-exits'));
    assert.equal(exits.result.statusCode, 445);
    assert.match(exits.result.errorMessage!, /exited with code 4 before it reported ready/);
    assert.match(exits.text, /cannot start: no config/);
    const initError = await invoke(emulator, custom('custom-initfail'));
    assert.equal(initError.result.statusCode, 445);
    assert.match(initError.result.errorMessage!, /reported an init error: missing config file app\.conf/);
  });

  test('450: no /runtime/init/ready within initTimeout, and the bootstrap is stopped', async () => {
    const own = new Emulator();
    const { result } = await invoke(own, custom('custom-slowinit', 'index.x', { initTimeout: 1 }));
    assert.equal(result.statusCode, 450);
    assert.equal(own.instanceCount(), 0);
    await own.dispose();
  });
});
