import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmulatorClient } from '../../src/emulator/client';
import { Emulator } from '../../src/emulator/emulator';
import type { LogLine } from '../../src/emulator/types';
import { eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const ROOT = resolve(__dirname, '../..');
const client = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js') });
after(() => client.dispose());

describe('the emulator host is a separate process the extension talks to', () => {
  test('an invoke through the host streams logs and ends with the result; the handler runs in neither process', async () => {
    const logs: LogLine[] = [];
    const run = client.invoke({ target: join(ROOT, 'examples/hello-nodejs'), payload: '{"name":"host"}' }, (l) => logs.push(l));
    const requestId = await run.requestId;
    const outcome = await run.outcome;
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    if (!outcome.ok) return;
    assert.equal(outcome.value.statusCode, 200);
    assert.equal(outcome.value.requestId, requestId);
    assert.deepEqual(outcome.value.result, { message: 'Hello, host!', invocations: 1 });
    assert.ok(logs.some((l) => l.text === 'event: {"name":"host"}'));
  });

  test('invocations made together travel as one message, and each gets its own result and its own log lines', async () => {
    const hello = join(ROOT, 'examples/hello-nodejs');
    await client.invoke({ target: hello, payload: '{}' }, () => undefined).outcome; // the host is up
    // (what goes on the host's channel, lineChannel.ts: one line per message)
    const internals = client as unknown as { host: object; channels: WeakMap<object, { send: (json: string) => void }> };
    const channel = internals.channels.get(internals.host)!;
    const sent: unknown[] = [];
    const send = channel.send.bind(channel);
    channel.send = (json: string) => (sent.push(JSON.parse(json)), send(json));
    try {
      const names = ['a', 'b', 'c', 'd', 'e', 'f'];
      const runs = names.map((name) => {
        const logs: LogLine[] = [];
        return { name, logs, run: client.invoke({ target: hello, payload: JSON.stringify({ name }) }, (l) => logs.push(l)) };
      });
      // (and a bad one among them: its error is its own)
      const bad = client.invoke({ target: join(FIXTURES, 'does-not-exist'), payload: '{}' }, () => undefined);
      assert.equal(sent.length, 0, 'nothing is sent before the code that invokes is done');
      const outcomes = await Promise.all(runs.map((r) => r.run.outcome));
      assert.equal(sent.length, 1, 'the seven invocations went to the host in one message');
      assert.equal((sent[0] as unknown[]).length, 7);
      for (const [i, r] of runs.entries()) {
        const outcome = outcomes[i]!;
        assert.ok(outcome.ok && outcome.value.statusCode === 200, JSON.stringify(outcome));
        if (!outcome.ok) continue;
        assert.equal((outcome.value.result as { message: string }).message, `Hello, ${r.name}!`);
        const own = r.logs.filter((l) => l.stream === 'stdout').map((l) => l.text);
        assert.deepEqual(own[0], `event: {"name":"${r.name}"}`, 'its own event in its own log');
        assert.ok(r.logs.every((l) => l.requestId === outcome.value.requestId), 'every line is its own request\'s');
        assert.ok(r.logs[0]!.text.startsWith('START') && r.logs.at(-1)!.text.startsWith('REPORT'));
      }
      const refused = await bad.outcome;
      assert.ok(!refused.ok && /does-not-exist/.test(refused.error.message));
    } finally {
      channel.send = send;
    }
  });

  test('a result waits for the invocations that came with it only briefly: a fast one is not held until a slow one ends, and a slow one streams its log, START first', async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.slowLogger', timeout: 30 });
    await client.invoke({ target: spec.file, payload: '{"lines":0,"gapMs":0}' }, () => undefined).outcome; // warm
    const slowLogs: LogLine[] = [];
    let slowDone = false;
    let tickBeforeResult = false;
    const slow = client.invoke({ target: spec.file, payload: '{"lines":2,"gapMs":1500}' }, (l) => {
      slowLogs.push(l);
      if (l.text === 'tick 0' && !slowDone) tickBeforeResult = true;
    });
    const fast = client.invoke({ target: spec.file, payload: '{"lines":0,"gapMs":0}' }, () => undefined);
    const slowOutcome = slow.outcome.then((o) => ((slowDone = true), o));
    const fastOutcome = await fast.outcome;
    assert.ok(fastOutcome.ok && fastOutcome.value.statusCode === 200, JSON.stringify(fastOutcome));
    assert.equal(slowDone, false, 'the fast result came while the slow invocation still ran');
    const slowResult = await slowOutcome;
    assert.ok(slowResult.ok && slowResult.value.statusCode === 200, JSON.stringify(slowResult));
    assert.ok(tickBeforeResult, 'the slow one\'s output streamed before its result');
    assert.deepEqual(slowLogs.map((l) => l.text.split(' ')[0]), ['START', 'tick', 'tick', 'END', 'REPORT']);
  });

  test('bad input comes back as an error value naming the file', async () => {
    const run = client.invoke({ target: join(FIXTURES, 'does-not-exist'), payload: '{}' }, () => undefined);
    const outcome = await run.outcome;
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.error.message, /does-not-exist: no such file or folder/);
  });

  test('cancel ends a running invocation with 499 and the host keeps serving', async () => {
    const mark = testMark();
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.forever', timeout: 30, variables: { TEST_MARK: mark } });
    const logs: string[] = [];
    const run = client.invoke({ target: spec.file, payload: '{}' }, (l) => logs.push(l.text));
    await eventually(() => logs.some((l) => l.startsWith('child pid')), 'handler started', 5000);
    run.cancel();
    const outcome = await run.outcome;
    assert.ok(outcome.ok && outcome.value.statusCode === 499);
    await eventually(() => processesMarked(mark).length === 0, 'the handler and its child process are gone');
    const next = await client.invoke({ target: join(ROOT, 'examples/hello-nodejs'), payload: '{}' }, () => undefined).outcome;
    assert.ok(next.ok && next.value.statusCode === 200);
  });

  test('a host that dies fails its pending invocations with a clear error, and the next invoke starts a new host', async () => {
    const own = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js') });
    const mark = testMark();
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.forever', timeout: 30, variables: { TEST_MARK: mark } });
    const logs: string[] = [];
    const run = own.invoke({ target: spec.file, payload: '{}' }, (l) => logs.push(l.text));
    await eventually(() => logs.some((l) => l.startsWith('child pid')), 'handler started', 5000);
    const hostPid = (own as unknown as { host: { pid: number } }).host.pid;
    process.kill(hostPid, 'SIGKILL');
    const outcome = await run.outcome;
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.error.message, /emulator host was killed by SIGKILL; invoke again/);
    const again = await own.invoke({ target: join(ROOT, 'examples/hello-nodejs'), payload: '{}' }, () => undefined).outcome;
    assert.ok(again.ok && again.value.statusCode === 200);
    await own.dispose();
    // Nothing of the killed host's instance is left: not the runtime, not the `sleep` it started.
    await eventually(() => processesMarked(mark).length === 0, 'the killed host\'s instance and its child are gone');
  });
});

describe('a host that dies with a reply still in its channel', () => {
  test("the client reads the channel to its end before it fails the host's invocations", async () => {
    const own = new EmulatorClient({ hostScript: join(FIXTURES, 'hosts', 'late-reply.js') });
    try {
      const outcome = await own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined).outcome;
      assert.equal(own.hostPid(), undefined, 'the host had exited before the reply came');
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      if (outcome.ok) assert.equal(outcome.value.result, 'written after the host exited');
    } finally {
      await own.dispose();
    }
  });
});

describe('a host restarted after a kill reports an async end again', () => {
  test('the client passes each async end on once, whether it came as an invocation\'s result or on its own', async () => {
    const heard: string[] = [];
    let lastHeard: () => void = () => undefined;
    const last = new Promise<void>((resolve) => (lastHeard = resolve));
    const own = new EmulatorClient({
      hostScript: join(FIXTURES, 'hosts', 'repeated-ends.js'),
      onAsyncFinished: (event) => {
        heard.push(event.requestId);
        if (event.requestId === 'ev-3') lastHeard();
      },
    });
    try {
      const outcome = await own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined).outcome;
      assert.ok(outcome.ok && outcome.value.requestId === 'ev-1', 'ev-1 ended as the invocation\'s result');
      await last;
      assert.deepEqual(heard, ['ev-2', 'ev-3'], 'ev-1 (already the result) and the second ev-2 are not passed on again');
    } finally {
      await own.dispose();
    }
  });
});

describe('a host that sends a line that is not a list of replies (a bug of ours)', () => {
  test('the invocations waiting on it end with an error that says so, nothing throws, and the next invoke starts a new host', async () => {
    const own = new EmulatorClient({ hostScript: join(FIXTURES, 'hosts', 'not-a-list.js') });
    try {
      const first = own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined);
      const second = own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined);
      const brokenPid = own.hostPid();
      assert.ok(brokenPid);
      for (const outcome of [await first.outcome, await second.outcome]) {
        assert.equal(outcome.ok, false);
        if (!outcome.ok) {
          assert.equal(outcome.error.code, 'host.protocol');
          assert.match(outcome.error.message, /emulator host sent a line that is not a list of replies \(.*"type":"result".*\): a bug in SCF Toolkit/);
        }
      }
      await assert.rejects(first.requestId, /not a list of replies/);
      await eventually(() => !alive(brokenPid), 'the broken host has been stopped');
      const next = own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined);
      const nextPid = own.hostPid();
      assert.ok(nextPid !== undefined && nextPid !== brokenPid, 'another host was started');
      const again = await next.outcome;
      assert.equal(again.ok, false);
      if (!again.ok) assert.equal(again.error.code, 'host.protocol');
    } finally {
      await own.dispose();
    }
  });
});

describe('a host whose channel closes before it exits', () => {
  test("its exit ends only its own invocations, not those the next host has taken", async () => {
    const own = new EmulatorClient({ hostScript: join(FIXTURES, 'hosts', 'channel-closed-first.js') });
    try {
      const first = await own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined).outcome;
      assert.ok(first.ok && first.value.result === 'from the first host', 'the first host answered');
      const firstPid = own.hostPid();
      assert.ok(firstPid);
      // (white-box: the client has read the first host's channel to its end, so the next invoke starts another host)
      await eventually(() => own['channels'].get(own['host']!)?.open === false, "the first host's channel has closed");
      const next = own.invoke({ target: join(FIXTURES, 'node'), payload: '{}' }, () => undefined);
      assert.notEqual(own.hostPid(), firstPid, 'the next invoke started another host');
      process.kill(firstPid, 'SIGKILL'); // the first host's exit comes while the next one holds the invocation
      const outcome = await next.outcome;
      assert.ok(outcome.ok, outcome.ok ? '' : `the next host's invocation failed with the first host's exit: ${outcome.error.message}`);
      assert.equal(outcome.value.result, 'from the next host');
    } finally {
      await own.dispose();
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a result's JSON text forwarded by the host as the runtime wrote it", () => {
  // Handlers that write an answer of their own on the runtime's reply channel (fd 4), as a broken
  // bootstrap would, then never return: the host takes that frame as the request's answer.
  const code = mkdtempSync(join(tmpdir(), 'scf-rawresult-'));
  writeFileSync(
    join(code, 'index.js'),
    [
      "const { writeSync } = require('node:fs');",
      "const answer = (body) => { writeSync(4, `${Buffer.byteLength(body)}\\n${body}`); return new Promise(() => undefined); };",
      // the first `,"result":` inside an earlier key's value: the frame's own result is the last key's
      'exports.nested = () => answer(\'{"t":"result","ok":true,"noMarks":true,"x":{"a":0,"result":1},"result":2}\');',
      // a result that is not JSON after a well-formed head
      'exports.badTail = () => answer(\'{"t":"result","ok":true,"noMarks":true,"result":[1,}\');',
      // JSON with a newline in it (whitespace): valid, but the host\'s channel is one message per line
      'exports.newline = () => answer(\'{"t":"result","ok":true,"noMarks":true,"result":{\\n"a": "\u00e9\\\\n"}}\');',
      // a key repeated: the last one counts, as for JSON.parse of the whole frame
      'exports.repeated = () => answer(\'{"t":"result","ok":true,"noMarks":true,"result":1,"result":{"b":[true,null]}}\');',
    ].join('\n'),
  );
  const own = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js') });
  const inProcess = new Emulator();
  after(async () => {
    await own.dispose();
    await inProcess.dispose();
  });

  for (const handler of ['nested', 'badTail', 'newline', 'repeated']) {
    test(`${handler}: the same status, result and error through the host as in-process`, async () => {
      const spec = functionSpec({ codeDir: code, handler: `index.${handler}`, timeout: 5 });
      const theirs = (await invoke(inProcess, spec)).result;
      const outcome = await own.invoke({ target: spec.file, payload: '{}' }, () => undefined).outcome;
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      if (!outcome.ok) return;
      const ours = outcome.value;
      assert.deepEqual([ours.statusCode, ours.result, ours.errorMessage], [theirs.statusCode, theirs.result, theirs.errorMessage]);
      if (handler === 'nested') assert.equal(ours.result, 2);
      if (handler === 'badTail') assert.match(ours.errorMessage!, /^the runtime's reply is not JSON \(.*\); the instance is recycled$/);
      if (handler === 'newline') assert.deepEqual(ours.result, { a: '\u00e9\n' });
      if (handler === 'repeated') assert.deepEqual(ours.result, { b: [true, null] });
      // and the host's channel still carries the next one
      const next = await own.invoke({ target: join(ROOT, 'examples/hello-nodejs'), payload: '{}' }, () => undefined).outcome;
      assert.ok(next.ok && next.value.statusCode === 200);
    });
  }
});
