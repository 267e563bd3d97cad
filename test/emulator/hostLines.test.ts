import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { dirname, join, resolve } from 'node:path';
import type { Socket } from 'node:net';
import { EmulatorClient } from '../../src/emulator/client';
import { Emulator } from '../../src/emulator/emulator';
import { endLine, reportLine, startLine } from '../../src/emulator/logFormat';
import type { InvokeResult, LogLine } from '../../src/emulator/types';
import { FIXTURES, functionSpec } from './helpers';

const ROOT = resolve(__dirname, '../..');
const client = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js') });
const inProcess = new Emulator();
after(async () => {
  await client.dispose();
  await inProcess.dispose();
});

/** What the host wrote to the client's channel (the raw lines), from the first invoke on. */
function channelText(): () => string {
  const internals = client as unknown as { host: object; channels: WeakMap<object, { socket: Socket }> };
  const socket = internals.channels.get(internals.host)!.socket;
  let text = '';
  const listener = (chunk: string) => (text += chunk);
  socket.on('data', listener);
  return () => {
    socket.off('data', listener);
    return text;
  };
}

/** A log as lines of [stream, text], with what differs from run to run (ids, times, sizes) replaced. */
function shape(lines: LogLine[], result: InvokeResult): string[] {
  return lines.map((l) =>
    `${l.stream} ${l.text
      .split(result.requestId)
      .join('RID')
      .replace(/Duration: [\d.]+ ms/g, 'Duration: X ms')
      .replace(/Max Memory Used: \d+ MB/, 'Max Memory Used: X MB')
      .replace(/\/(dist\/runtimes|src\/emulator\/runtimes\/assets)\//g, '/BOOTSTRAPS/')}`, // (the host runs the bundled ones)
  );
}

async function viaHost(target: string, payload: string): Promise<{ result: InvokeResult; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const outcome = await client.invoke({ target, payload }, (l) => logs.push(l)).outcome;
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
  return { result: outcome.value, logs };
}

describe("a sync invocation's START, END and REPORT through the host", () => {
  test('are rendered by the client from the result, the same lines the emulator writes in-process; the host sends none of their text', async () => {
    const node = join(FIXTURES, 'node');
    const scenarios: Array<{ handler: string; payloads: string[]; platformLines: boolean }> = [
      { handler: 'index.echo', payloads: ['{"a":1}', '{"a":2}'], platformLines: true }, // a cold start, then a warm one
      { handler: 'index.throws', payloads: ['{}'], platformLines: true }, // 430: [ERROR] and the stack before END
      { handler: 'index.stderrAndPartial', payloads: ['{}'], platformLines: true },
      { handler: 'index.noSuchExport', payloads: ['{}'], platformLines: true }, // the init fails: END and REPORT all the same
      { handler: 'index.echo', payloads: ['[1]'], platformLines: false }, // 400: refused before it starts, no START
    ];
    await client.ready();
    const written = channelText();
    for (const s of scenarios) {
      const spec = functionSpec({ codeDir: node, handler: s.handler, memorySize: 128 });
      for (const payload of s.payloads) {
        const before = Date.now();
        const ours = await viaHost(dirname(spec.file), payload);
        const ended = Date.now();
        const theirs: LogLine[] = [];
        const local = await inProcess.invoke({ spec, payload }, { onLog: (l) => theirs.push(l) });
        assert.ok(local.ok);
        if (!local.ok) continue;
        const what = `${s.handler} ${payload}`;
        assert.equal(ours.result.statusCode, local.value.statusCode, what);
        assert.deepEqual(shape(ours.logs, ours.result), shape(theirs, local.value), what);
        const platform = ours.logs.filter((l) => /^(START|END|REPORT) RequestId/.test(l.text));
        if (!s.platformLines) {
          assert.equal(platform.length, 0, `${what}: no START, END or REPORT for an event refused before it started`);
          continue;
        }
        const r = ours.result;
        assert.deepEqual(
          platform.map((l) => l.text),
          [startLine(r.requestId), endLine(r.requestId), reportLine(r)],
          `${what}: exactly SCF's lines for this result`,
        );
        for (const l of platform) {
          assert.equal(l.requestId, r.requestId);
          assert.equal(l.stream, 'platform');
          assert.ok(l.time >= before - 1 && l.time <= ended + 1, `${what}: ${l.text} has the time it happened (${l.time} in ${before}-${ended})`);
        }
      }
    }
    const text = written();
    assert.ok(text.length > 0, 'the host wrote replies');
    assert.doesNotMatch(text, /(START|END|REPORT) RequestId/, 'the host sends the numbers, not the lines');
  });

  test("a long invocation's START reaches the caller while it still runs, before its output", async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.slowLogger' });
    let settled = false;
    const seen: Array<{ text: string; settled: boolean }> = [];
    const run = client.invoke({ target: dirname(spec.file), payload: JSON.stringify({ lines: 3, gapMs: 150 }) }, (l) => seen.push({ text: l.text, settled }));
    void run.outcome.then(() => (settled = true));
    const requestId = await run.requestId;
    const outcome = await run.outcome;
    assert.ok(outcome.ok && outcome.value.statusCode === 200);
    assert.equal(seen[0]?.text, startLine(requestId));
    assert.equal(seen[0]?.settled, false, 'START came while the invocation ran');
    const ticks = seen.filter((l) => l.text.startsWith('tick'));
    assert.deepEqual(ticks.map((l) => l.text), ['tick 0', 'tick 1', 'tick 2']);
    assert.ok(ticks.every((l) => !l.settled), 'its output streamed as it came');
    assert.deepEqual(seen.slice(-2).map((l) => l.text.split('\t')[0]), [endLine(requestId), `REPORT RequestId: ${requestId}`]);
  });
});
