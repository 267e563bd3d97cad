import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { AsyncQueue, asyncStateDir, deadLetterFile, type DeadLetterMessage, type FinishedEvent } from '../../src/emulator/async';
import { classify, decide } from '../../src/emulator/async/policy';
import { EmulatorClient } from '../../src/emulator/client';
import { eventually, FIXTURES, functionSpec } from './helpers';

const node = join(FIXTURES, 'node');
const ROOT = resolve(__dirname, '../..');
const emulator = new Emulator();
after(() => emulator.dispose());

const DLQ = ['  retryNumber: 2', '  deadLetter:', '    type: CMQ-QUEUE', '    name: failed-events'];

function readDeadLetters(file: string): DeadLetterMessage[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeadLetterMessage);
}

describe("SCF's async retry policy", () => {
  test('runtime errors are retried up to the retry count; 429/432/449/5xx until the retention runs out', () => {
    assert.equal(classify(200), 'success');
    for (const code of [430, 433, 434, 437, 439, 443]) assert.equal(classify(code), 'runtimeError', String(code));
    for (const code of [429, 432, 449, 500]) assert.equal(classify(code), 'retryUntilTtl', String(code));
    const policy = { retryNumber: 2, msgTtlMs: 10_000, retryDelayMs: 1000 };
    assert.deepEqual(decide(430, { retries: 0, enqueuedAt: 0 }, policy, 0), { kind: 'retry', at: 1000 });
    assert.equal(decide(430, { retries: 2, enqueuedAt: 0 }, policy, 0).kind, 'giveUp');
    assert.equal(decide(432, { retries: 0, enqueuedAt: 0 }, policy, 8000).kind, 'retry');
    assert.equal(decide(432, { retries: 0, enqueuedAt: 0 }, policy, 9500).kind, 'giveUp');
    assert.equal(decide(200, { retries: 2, enqueuedAt: 0 }, policy, 0).kind, 'done');
  });
});

describe('async invocation with retries and dead letters', () => {
  test('a failing event is retried retryNumber times, then written to .scf/dlq/<function>.jsonl in SCF\'s format', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker', name: 'dlq-fn', extraInputs: DLQ });
    const logs: string[] = [];
    const queue = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator, retryDelayScale: 0.0005, onLog: (l) => logs.push(l.text) });
    const accepted = queue.enqueue(spec, JSON.stringify({ i: 7, fail: true }));
    assert.ok(accepted.ok);
    if (!accepted.ok) return;
    queue.start();
    const finished = await queue.whenFinished(accepted.requestId);
    assert.equal(finished.outcome, 'deadLettered');
    assert.equal(finished.attempts, 3, 'one attempt and two retries');
    const letters = readDeadLetters(deadLetterFile(spec));
    assert.equal(letters.length, 1);
    const m = letters[0]!;
    assert.equal(m.RequestId, accepted.requestId);
    assert.equal(m.ErrorCode, -1, "a user code exception, as SCF's dead-letter guide shows it");
    assert.match(m.Body.TimeStampForInvoker, /^\d{13}$/, 'milliseconds, as a string');
    assert.match(m.Body.PushTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/, 'RFC 3339 with its offset');
    assert.equal(m.Body.RequestId, accepted.requestId);
    assert.match(m.ErrorMessage, /event 7 always fails/);
    assert.equal(m.Body.FunctionName, 'dlq-fn');
    assert.equal(m.Body.Namespace, 'default');
    assert.equal(m.Body.Qualifier, '$LATEST');
    assert.equal(m.Body.InvocationType, 'Event');
    assert.equal(m.Body.RetryNum, 2);
    assert.deepEqual(JSON.parse(m.Body.ClientContext), { i: 7, fail: true });
    for (const key of ['AppId', 'Uin', 'SubAccountUin', 'RequestSource', 'LogType', 'TimeStampForInvoker', 'PushTime', 'Ttl']) assert.ok(key in m.Body, key);
    assert.equal(logs.filter((l) => l.includes('retrying in')).length, 2);
    assert.ok(logs.some((l) => l.includes('sent to the dead-letter queue CMQ-QUEUE/failed-events')));
    queue.stop();
  });

  test('an event that fails twice and then works succeeds on its second retry', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker', extraInputs: DLQ });
    const queue = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator, retryDelayScale: 0.0005 });
    const countDir = mkdtempSync(join(tmpdir(), 'scf-count-'));
    const accepted = queue.enqueue(spec, JSON.stringify({ i: 1, countDir, failTimes: 2 }));
    assert.ok(accepted.ok);
    if (!accepted.ok) return;
    queue.start();
    const finished = await queue.whenFinished(accepted.requestId);
    assert.equal(finished.outcome, 'succeeded');
    assert.equal(finished.attempts, 3);
    assert.equal(readDeadLetters(deadLetterFile(spec)).length, 0);
    queue.stop();
  });

  test('without a dead-letter queue the event is dropped with a log line', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker', extraInputs: ['  retryNumber: 0'] });
    const logs: string[] = [];
    const queue = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator, retryDelayScale: 0, onLog: (l) => logs.push(l.text) });
    const accepted = queue.enqueue(spec, JSON.stringify({ i: 2, fail: true }));
    assert.ok(accepted.ok);
    queue.start();
    const finished = await queue.whenFinished(accepted.ok ? accepted.requestId : '');
    assert.equal(finished.outcome, 'dropped');
    assert.equal(finished.attempts, 1);
    assert.ok(logs.some((l) => /dropped, as no dead-letter queue is configured/.test(l)));
    queue.stop();
  });

  test('a host killed between an event\'s dead letter and its end in the journal does not dead-letter it twice after the restart', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker', name: 'dlq-once', extraInputs: ['  retryNumber: 0', ...DLQ.slice(1)] });
    const first = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator, retryDelayScale: 0 });
    const accepted = first.enqueue(spec, JSON.stringify({ i: 3, fail: true }));
    assert.ok(accepted.ok);
    if (!accepted.ok) return;
    first.start();
    assert.equal((await first.whenFinished(accepted.requestId)).outcome, 'deadLettered');
    first.stop();
    // The crash: the dead letter is written, the journal's "done" for it never made it to the file.
    const journal = join(asyncStateDir(spec), 'queue.jsonl');
    writeFileSync(journal, readFileSync(journal, 'utf8').split('\n').filter((l) => !l.includes('"op":"done"')).join('\n'));
    const logs: string[] = [];
    const second = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator, retryDelayScale: 0, onLog: (l) => logs.push(l.text) });
    assert.equal(second.pending(), 1, 'the restarted queue runs the event again (at least once)');
    second.start();
    const again = await second.whenFinished(accepted.requestId);
    second.stop();
    assert.equal(again.outcome, 'deadLettered');
    assert.deepEqual(readDeadLetters(deadLetterFile(spec)).map((m) => m.RequestId), [accepted.requestId], 'one dead letter, not two');
    assert.ok(logs.some((l) => /dead letter was written before the host stopped/.test(l)));
  });

  test("a host killed while its client is not reading: an event's end still queued in the host is not journaled done, so the event runs again and its end reaches a client", async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker', name: 'unheard' });
    const flood = functionSpec({ codeDir: join(FIXTURES, 'detach'), handler: 'index.flood', memorySize: 1024 });
    const countDir = mkdtempSync(join(tmpdir(), 'scf-count-'));
    const journal = join(asyncStateDir(spec), 'queue.jsonl');
    const first = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js') });
    let second: EmulatorClient | undefined;
    const finished = new Map<string, string>();
    try {
      // A handler's log flood fills the channel to this process, which then stops reading it.
      let lines = 0;
      void first.invoke({ target: flood.file, payload: '{"mb":64}' }, () => void lines++).outcome;
      await eventually(() => lines > 1000, 'the flood streams', 30_000);
      const run = first.invoke({ target: spec.file, payload: JSON.stringify({ i: 1, countDir }), invocationType: 'Event' }, () => undefined);
      const requestId = await run.requestId;
      void run.outcome.then((o) => o.ok && o.value.asyncOutcome && finished.set(requestId, o.value.asyncOutcome));
      // Not reading from here on: the event runs and ends in the host, its report queued behind the flood.
      const until = Date.now() + 10_000;
      while (!existsSync(join(countDir, '1')) && Date.now() < until);
      const journaled = Date.now() + 2000; // (the old host wrote the end to its journal at once)
      while (!readFileSync(journal, 'utf8').includes('"op":"done"') && Date.now() < journaled);
      process.kill(first.hostPid()!, 'SIGKILL');
      await eventually(() => first.hostPid() === undefined, 'the host is gone');
      second = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js'), onAsyncFinished: (e) => finished.set(e.requestId, e.outcome) });
      const resumed = await second.resume(spec.file);
      assert.ok(resumed.ok);
      await eventually(() => finished.has(requestId), 'the end of the accepted event reached a client', 30_000);
      assert.equal(finished.get(requestId), 'succeeded');
    } finally {
      await second?.dispose();
      await first.dispose();
    }
  });

  test('an event over 128 KB is refused with 406 and never queued', () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker' });
    const queue = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator });
    const refused = queue.enqueue(spec, JSON.stringify({ blob: 'x'.repeat(130 * 1024) }));
    assert.deepEqual(refused.ok ? 'accepted' : refused.statusCode, 406);
    assert.equal(queue.pending(), 0);
  });

  test('1,000 events with injected failures through the host process, killed in the middle: none lost, the failing ones dead-lettered', async () => {
    const spec = functionSpec({ codeDir: node, handler: 'index.asyncWorker', name: 'pipeline', extraInputs: DLQ });
    const total = 1000;
    const failing = new Set<number>();
    for (let i = 0; i < total; i += 10) failing.add(i);
    const finished = new Map<string, FinishedEvent['outcome']>();
    const accepted = new Map<string, number>();

    const first = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js'), retryDelayScale: 0.0001 });
    // A failed assertion must not leave either host (and its frozen instances) running: npm test would hang.
    let second: EmulatorClient | undefined;
    try {
      const runs = [];
      for (let i = 0; i < total; i++) {
        const run = first.invoke({ target: spec.file, payload: JSON.stringify({ i, fail: failing.has(i) }), invocationType: 'Event' }, () => undefined);
        runs.push(
          run.requestId.then((id) => {
            accepted.set(id, i);
            run.outcome.then((o) => {
              if (o.ok && o.value.asyncOutcome) finished.set(id, o.value.asyncOutcome);
            });
          }),
        );
      }
      await Promise.all(runs);
      assert.equal(accepted.size, total, 'every event was accepted with its own request id');
      await eventually(() => finished.size >= 200, 'some events finished before the crash', 30_000);
      process.kill(first.hostPid()!, 'SIGKILL');
      await eventually(() => first.hostPid() === undefined, 'the host is gone');
      const beforeRestart = finished.size;
      assert.ok(beforeRestart < total, 'the host was killed with events still queued');

      second = new EmulatorClient({
        hostScript: join(ROOT, 'dist/host.js'),
        retryDelayScale: 0.0001,
        onAsyncFinished: (e) => finished.set(e.requestId, e.outcome),
      });
      const resumed = await second.resume(spec.file);
      assert.ok(resumed.ok && resumed.value > 0, 'the restarted host found the queued events in the journal');
      const unreported = () => [...accepted.keys()].filter((id) => !finished.has(id));
      // 180 s for the ~800 events left (8 a second is enough): a loaded machine is the only reason to
      // need it. Seen at load ~14 with 60 s: 477 ended in the minute after the restart, the other 315
      // all still queued in the journal (none lost); a trivial invoke took 40-100 ms there.
      await eventually(() => unreported().length === 0, 'every accepted event finished', 180_000).catch((e: Error) => {
        // Which failure: ends lost (not in the restarted host's journal) or a queue too slow or stuck.
        const journal = readFileSync(join(asyncStateDir(spec), 'queue.jsonl'), 'utf8');
        const left = unreported();
        const queued = left.filter((id) => journal.includes(id)).length;
        throw new Error(`${e.message}: ${left.length} not reported (${queued} of them in the restarted host's journal), ${finished.size - beforeRestart} reported since the restart`);
      });
    } finally {
      await second?.dispose();
      await first.dispose();
    }

    const lost = [...accepted.keys()].filter((id) => !finished.has(id));
    assert.deepEqual(lost, [], 'no accepted event is lost');
    const letters = readDeadLetters(deadLetterFile(spec));
    const dead = new Set(letters.map((m) => (JSON.parse(m.Body.ClientContext) as { i: number }).i));
    assert.deepEqual([...dead].sort((a, b) => a - b), [...failing].sort((a, b) => a - b), 'exactly the failing events are in the dead-letter file');
    for (const [id, outcome] of finished) {
      assert.equal(outcome, failing.has(accepted.get(id)!) ? 'deadLettered' : 'succeeded');
    }
  });
});
