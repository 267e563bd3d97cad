/**
 * An instance whose fork bomb hit SCF's 1,024 tasks is recycled after its request, whatever the
 * request's status: a warm instance would otherwise keep a thousand processes (or a JVM that can no
 * longer start threads, answering 430). Needs the pids cgroup (root with a writable cgroup hierarchy).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { sandboxPlan } from '../../src/emulator/sandbox';
import { FIXTURES, functionSpec, processesMarked, testMark } from './helpers';

const plan = sandboxPlan();

test('a request whose processes reached the task limit ends as it ends, and its instance is recycled with everything in it', { skip: plan.tasksLimit !== 'cgroup' && `no pids cgroup here (${plan.summary})` }, async () => {
  const emulator = new Emulator();
  try {
    const mark = testMark();
    const spec = functionSpec({ codeDir: join(FIXTURES, 'forkbomb'), handler: 'index.main_handler', timeout: 20, variables: { TEST_MARK: mark } });
    const logs: string[] = [];
    const outcome = await emulator.invoke({ spec, payload: '{}' }, { onLog: (l) => logs.push(l.text) });
    if (!outcome.ok) assert.fail(outcome.error.message);
    assert.equal(outcome.value.statusCode, 200, logs.join('\n'));
    assert.ok(logs.some((l) => /\[WARN\] The instance reached SCF's limit of 1,024 processes and threads .*recycled/.test(l)), logs.join('\n'));
    const until = Date.now() + 10_000;
    while (processesMarked(mark).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(processesMarked(mark).length, 0, 'nothing of the instance is left');
    const next = await emulator.invoke({ spec, payload: '{}' });
    if (!next.ok) assert.fail(next.error.message);
    assert.equal(next.value.coldStart, true, 'the next request gets a new instance');
  } finally {
    await emulator.dispose();
  }
});
