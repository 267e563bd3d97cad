import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InvokeResult } from '../../src/emulator/types';
import { formatLogLine, formatOutcome, statusBarText, statusBarTooltip, formatInvokeHeader } from '../../src/views/logFormat';

const base: InvokeResult = {
  requestId: '3f1c9a52-8d7e-4b1a-9c2d-0e5f6a7b8c9d',
  statusCode: 200,
  statusName: 'Success',
  result: { ok: true, items: [1, 2] },
  durationMs: 12,
  billedDurationMs: 12,
  memorySize: 128,
  maxMemoryUsedMB: 31,
  coldStart: true,
  initDurationMs: 80.5,
  invocationType: 'RequestResponse',
};

test('a success shows the status, durations, memory and the result pretty-printed', () => {
  const lines = formatOutcome(base);
  assert.equal(lines[0], 'Status: 200 Success · Duration: 12 ms · Billed Duration: 12 ms · Max Memory Used: 31 MB of 128 MB · Init Duration: 80.50 ms (cold start)');
  assert.equal(lines[1], 'Result:');
  assert.deepEqual(JSON.parse(lines.slice(2).join('\n')), base.result);
  assert.ok(lines.includes('  "ok": true,'));
});

test('a failure names the status code, its meaning, the fix, and the stack', () => {
  const lines = formatOutcome({
    ...base,
    statusCode: 433,
    statusName: 'TimeLimitReached',
    result: null,
    errorMessage: 'time out',
    durationMs: 3000,
    coldStart: false,
    initDurationMs: undefined,
  });
  assert.match(lines[0]!, /^Status: 433 TimeLimitReached · Duration: 3000 ms · /);
  assert.match(lines[1]!, /^Meaning: the function ran past its timeout/);
  assert.match(lines[2]!, /^Fix: Raise `timeout`/);
  assert.ok(lines.includes('Error: time out'));
  assert.ok(!lines.includes('Result:'));
  const thrown = formatOutcome({ ...base, statusCode: 430, result: null, errorMessage: 'boom', errorStack: 'Error: boom\n    at handler (/var/user/index.js:3:9)\n' });
  assert.ok(thrown.includes('    at handler (/var/user/index.js:3:9)'));
  // a message that names its error itself is not labelled twice (`Error: Error: boom`)
  for (const message of ['Error: boom', 'TypeError: boom', 'ValueError: bad input', 'java.lang.IllegalStateException: no']) {
    const named = formatOutcome({ ...base, statusCode: 430, result: null, errorMessage: message });
    assert.ok(named.includes(message) && !named.some((l) => l.startsWith('Error: ') && l !== message), `${message}: ${named.join(' | ')}`);
  }
});

test('an async invocation says the result goes to the log', () => {
  const lines = formatOutcome({ ...base, invocationType: 'Event', result: null });
  assert.match(lines[lines.length - 1]!, /async invocation: the caller gets only the request id 3f1c9a52-/);
});

test('status bar text: SCF 200 · 12 ms, or the code with its name', () => {
  assert.equal(statusBarText(base), 'SCF 200 · 12 ms');
  assert.equal(statusBarText({ ...base, statusCode: 434, durationMs: 101.6 }), 'SCF 434 MemoryLimitReached · 102 ms');
  assert.match(statusBarTooltip('fn', 'hello', { ...base, statusCode: 430 }), /fn with hello: 430 User code exception caught\nthe handler threw/);
});

test('log lines appear as printed, with an optional timestamp', () => {
  const line = { requestId: 'r', stream: 'stdout' as const, text: 'hello\n', time: Date.UTC(2026, 0, 2, 3, 4, 5, 6) };
  assert.equal(formatLogLine(line, { timestamps: false }), 'hello');
  assert.equal(formatLogLine(line, { timestamps: true }), '2026-01-02T03:04:05.006Z hello');
  assert.match(formatInvokeHeader('fn', 'event "paid"', 'api/serverless.yml'), /^── Invoke fn with event "paid" \(sync\) · api\/serverless\.yml$/);
});

test('the advice names the file the function is in (serverless.yaml, template.yaml), not always serverless.yml', () => {
  const timedOut = { ...base, statusCode: 433, statusName: 'TimeLimitReached', result: null, coldStart: false, initDurationMs: undefined };
  assert.match(formatOutcome(timedOut, { file: '/w/api/serverless.yaml' }).find((l) => l.startsWith('Fix:'))!, /in serverless\.yaml/);
  assert.match(formatOutcome(timedOut).find((l) => l.startsWith('Fix:'))!, /in serverless\.yml/);
  // A deployed function whose memory size is not known: no "of 0 MB".
  assert.match(formatOutcome({ ...base, memorySize: 0 })[0]!, /Max Memory Used: 31 MB · /);
});
