/**
 * The programmatic API's promises, kept alike by both of its modes: the emulator host process (the
 * default) and `inProcess: true` (the emulator in the caller's process). Each case runs in each mode;
 * then what is the in-process mode's own (where the handler runs, a caller that forgets close()), and
 * the same invocations compared across the two modes field for field and line for line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEmulator, type Emulator, type EmulatorOptions, type Invocation, type Outcome } from '../../src/api';
import { stampWatchState } from '../../src/emulator/stampWatch';
import { eventually, processesMarked, testMark } from '../emulator/helpers';

const ROOT = resolve(__dirname, '../..');
const skip = existsSync(join(ROOT, 'dist/host.js')) ? false : 'dist/ is not built (npm run build)';

const HANDLER = `'use strict';
let calls = 0;
exports.echo = async (event) => ({ event, calls: ++calls, pid: process.pid });
exports.slow = async (event) => { console.log('sleeping'); await new Promise((r) => setTimeout(r, event.ms)); return 'woke'; };
exports.chatty = async () => { for (let i = 0; i < 3; i++) { console.log('line ' + i); await new Promise((r) => setTimeout(r, 5)); } return 'done'; };
exports.throws = async () => { throw new Error('boom'); };
`;

/** A project of two functions (one the default), a template.yaml one, and a handler file to edit. */
function project(mark: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-api-modes-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.js'), HANDLER);
  writeFileSync(join(dir, 'src', 'version.js'), "exports.main_handler = async () => 'v1';\n");
  const fn = (name: string, handler: string, timeout = 3) =>
    `component: scf\nname: ${name}\ninputs:\n  name: ${name}\n  src: ./src\n  handler: ${handler}\n  runtime: Nodejs18.15\n  memorySize: 128\n  timeout: ${timeout}\n  environment:\n    variables:\n      TEST_MARK: ${mark}\n`;
  writeFileSync(join(dir, 'serverless.yml'), fn('echo', 'index.echo'));
  for (const [folder, handler] of [['slow', 'index.slow'], ['chatty', 'index.chatty'], ['throws', 'index.throws'], ['version', 'version.main_handler']] as const) {
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, 'serverless.yml'), fn(folder, handler).replace('./src', '../src'));
  }
  mkdirSync(join(dir, 'multi'));
  writeFileSync(
    join(dir, 'multi', 'serverless.yml'),
    `component: multi-scf\nname: multi\ninputs:\n  src: ../src\n  runtime: Nodejs18.15\n  memorySize: 128\n  timeout: 3\n  environment:\n    variables:\n      TEST_MARK: ${mark}\n  functions:\n    first:\n      handler: index.echo\n    second:\n      handler: index.chatty\n`,
  );
  mkdirSync(join(dir, 'tcsam'));
  writeFileSync(
    join(dir, 'tcsam', 'template.yaml'),
    `ROSTemplateFormatVersion: '2015-09-01'\nTransform: 'Aliyun::Serverless-2018-04-03'\nResources:\n  svc:\n    Type: 'TencentCloud::Serverless::Namespace'\n    echo:\n      Type: 'TencentCloud::Serverless::Function'\n      Properties:\n        CodeUri: ../src\n        Handler: index.echo\n        Runtime: Nodejs18.15\n        MemorySize: 128\n        Timeout: 3\n        Environment:\n          Variables:\n            TEST_MARK: ${mark}\n`,
  );
  return dir;
}

function value(r: Outcome<Invocation>): Invocation {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.value;
}

const MODES: Array<{ name: string; options: EmulatorOptions }> = [
  { name: 'through the emulator host process (the default)', options: {} },
  { name: 'in process (inProcess: true)', options: { inProcess: true } },
];

for (const mode of MODES) {
  describe(`the API ${mode.name}`, { skip }, () => {
    const mark = testMark();
    let dir = '';
    let scf: Emulator;
    before(async () => {
      dir = project(mark);
      scf = await createEmulator({ ...mode.options, cwd: dir });
    });
    after(() => scf?.close());

    test('a cold invoke, then a warm one: the result, SCF fields and the whole log', async () => {
      const heard: Invocation['logLines'] = [];
      const first = value(await scf.invoke('.', { n: 1 }, { onLog: (l) => heard.push(l) }));
      assert.equal(first.statusCode, 200);
      assert.equal(first.statusName, 'Success');
      assert.equal(first.coldStart, true);
      assert.deepEqual((first.result as { event: unknown }).event, { n: 1 });
      assert.deepEqual(first.logLines, heard);
      assert.equal(first.logs, heard.map((l) => l.text).join('\n'));
      assert.match(heard[0]!.text, /^START RequestId: /);
      assert.equal(heard.at(-2)!.text, `END RequestId: ${first.requestId}`);
      assert.match(heard.at(-1)!.text, /^REPORT RequestId: .*\tCold Start$/);
      assert.ok(heard.every((l) => l.requestId === first.requestId));
      assert.deepEqual(Object.keys(first).slice(-2), ['logs', 'logLines']);
      const second = value(await scf.invoke('serverless.yml', {}));
      assert.equal(second.coldStart, false);
      assert.equal((second.result as { calls: number }).calls, 2);
      assert.match(second.logs, /\tWarm Start$/);
    });

    test('onLog hears each line as it is printed, before the invocation ends', async () => {
      const seen: string[] = [];
      let ended = false;
      const run = scf.invoke('chatty', {}, { onLog: (l) => { if (!ended) seen.push(l.text); } });
      const r = value(await run);
      ended = true;
      assert.equal(r.result, 'done');
      assert.deepEqual(seen.filter((t) => t.startsWith('line ')), ['line 0', 'line 1', 'line 2']);
    });

    test('function picks one of several; a name that is none of them is host.functionNotFound', async () => {
      const second = value(await scf.invoke('multi', {}, { function: 'second' }));
      assert.equal(second.result, 'done');
      const first = value(await scf.invoke('multi/serverless.yml', { k: 1 }, { function: 'first' }));
      assert.deepEqual((first.result as { event: unknown }).event, { k: 1 });
      const none = await scf.invoke('multi', {}, { function: 'third' });
      assert.equal(none.ok, false);
      assert.equal(!none.ok && none.error.code, 'host.functionNotFound');
    });

    test('a template.yaml (TCSAM) is a target as a serverless.yml is', async () => {
      const r = value(await scf.invoke('tcsam/template.yaml', { t: 1 }));
      assert.equal(r.statusCode, 200);
      assert.deepEqual((r.result as { event: unknown }).event, { t: 1 });
    });

    test("timeout ends a longer run with SCF's 433", async () => {
      const r = value(await scf.invoke('slow', { ms: 5000 }, { timeout: 1 }));
      assert.equal(r.statusCode, 433);
      assert.equal(r.statusName, 'TimeLimitReached');
      assert.match(r.logs, /timeout 1 s from the timeoutOverride setting/);
    });

    test('aborting the signal ends the invocation with 499, before it runs or while it runs', async () => {
      const before = value(await scf.invoke('slow', { ms: 10 }, { signal: AbortSignal.abort() }));
      assert.equal(before.statusCode, 499);
      const controller = new AbortController();
      const r = scf.invoke('slow', { ms: 5000 }, { signal: controller.signal, onLog: (l) => l.text === 'sleeping' && controller.abort() });
      assert.equal(value(await r).statusCode, 499);
    });

    test('a handler that throws is 430 with its message and stack', async () => {
      const r = value(await scf.invoke('throws', {}));
      assert.equal(r.statusCode, 430);
      assert.match(r.errorMessage ?? '', /boom/);
      assert.match(r.errorStack ?? '', /index\.js/);
    });

    test('an Event invocation resolves once it has finished, with its outcome and its log', async () => {
      const r = value(await scf.invoke('.', { e: 1 }, { invocationType: 'Event' }));
      assert.equal(r.invocationType, 'Event');
      assert.equal(r.statusCode, 200);
      assert.equal(r.asyncOutcome, 'succeeded');
      assert.equal(r.attempts, 1);
      assert.equal(r.result, null);
      assert.match(r.logs, /Result \(async, not returned to the caller\): \{"event":\{"e":1\}/);
    });

    test('what fails before any code runs is a Problem with the same codes', async () => {
      const missing = await scf.invoke('nowhere', {});
      assert.equal(!missing.ok && missing.error.code, 'model.fileNotFound');
      const notJson = await scf.invoke('.', { n: 1n });
      assert.equal(!notJson.ok && notJson.error.code, 'api.eventNotJson');
      assert.equal(value(await scf.invoke('.', '[1, 2]')).statusCode, 400);
      assert.equal(value(await scf.invoke('.', [1, 2])).statusCode, 400);
    });

    test('an edited handler file, or serverless.yml, is what the next invoke runs (the warm instance is retired)', async () => {
      assert.equal(value(await scf.invoke('version', {})).result, 'v1');
      assert.equal(value(await scf.invoke('version', {})).coldStart, false);
      writeFileSync(join(dir, 'src', 'version.js'), "exports.main_handler = async () => 'v2, longer';\n");
      const edited = value(await scf.invoke('version', {}));
      assert.equal(edited.result, 'v2, longer');
      assert.equal(edited.coldStart, true);
      // and serverless.yml, read again once it has changed
      const yml = join(dir, 'version', 'serverless.yml');
      writeFileSync(yml, readFileSync(yml, 'utf8').replace('memorySize: 128', 'memorySize: 256'));
      const resized = value(await scf.invoke('version', {}));
      assert.equal(resized.memorySize, 256);
      assert.equal(resized.coldStart, true);
    });

    test('close() ends every instance, and invokes after it are api.closed', async () => {
      const other = await createEmulator({ ...mode.options, cwd: dir });
      const mine = testMark();
      const own = mkdtempSync(join(tmpdir(), 'scf-api-close-'));
      writeFileSync(join(own, 'index.js'), HANDLER);
      writeFileSync(join(own, 'serverless.yml'), `component: scf\nname: closing\ninputs:\n  src: ./\n  handler: index.echo\n  runtime: Nodejs18.15\n  environment:\n    variables:\n      TEST_MARK: ${mine}\n`);
      value(await other.invoke(own, {}));
      assert.ok(processesMarked(mine).length > 0, 'an instance runs');
      await other.close();
      await eventually(() => processesMarked(mine).length === 0, 'no process of the closed emulator is left');
      const late = await other.invoke(own, {});
      assert.equal(!late.ok && late.error.code, 'api.closed');
    });

    test('close() while an invocation runs ends it as api.closed, in either mode', async () => {
      const other = await createEmulator({ ...mode.options, cwd: dir });
      let started!: () => void;
      const sleeping = new Promise<void>((r) => (started = r));
      const run = other.invoke('slow', { ms: 5_000 }, { onLog: (l) => { if (l.text.includes('sleeping')) started(); } });
      await sleeping;
      await other.close();
      const r = await run;
      assert.equal(!r.ok && r.error.code, 'api.closed', JSON.stringify(r));
      assert.match(!r.ok ? r.error.message : '', /closed while this invocation ran/);
    });

    test('every answer has errorMessage: null on success, the message when the handler threw', async () => {
      const fine = value(await scf.invoke('.', {}));
      assert.ok('errorMessage' in fine, 'a success has the key');
      assert.equal(fine.errorMessage, null);
      const threw = value(await scf.invoke('throws', {}));
      assert.equal(threw.statusCode, 430);
      assert.match(threw.errorMessage ?? '', /boom/);
    });
  });
}

describe('the API in process: what is its own', { skip }, () => {
  const mark = testMark();
  let dir = '';
  let scf: Emulator;
  before(async () => {
    dir = project(mark);
    scf = await createEmulator({ inProcess: true, cwd: dir });
  });
  after(() => scf?.close());

  test('the handler runs in a process of its own, and no host process is started', async () => {
    const r = value(await scf.invoke('.', {}));
    assert.notEqual((r.result as { pid: number }).pid, process.pid);
    const instances = processesMarked(mark);
    assert.ok(instances.length > 0 && !instances.includes(process.pid), `the instance's processes: ${instances.join(', ')}`);
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    assert.ok(children.every((pid) => !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('host.js')), 'no dist/host.js among this process\'s children');
  });

  const api = join(ROOT, 'dist/api.js');
  test('a script that forgets close() still exits, and its instances end with it', { skip: existsSync(api) ? false : 'dist/api.js is not built' }, () => {
    const forgot = testMark();
    const target = join(project(forgot), 'serverless.yml');
    const script = `const { createEmulator } = require(${JSON.stringify(api)});
(async () => {
  const scf = await createEmulator({ inProcess: true });
  const r = await scf.invoke(${JSON.stringify(target)}, {});
  if (!r.ok || r.value.statusCode !== 200) process.exitCode = 3;
  console.log('invoked');
})();
`;
    // (a hang fails here instead of hanging this file)
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `the script did not exit by itself: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /invoked/);
    assert.deepEqual(processesMarked(forgot), [], 'no instance outlived the script');
  });

  test('the same invocations answer with the same fields and the same log text in both modes', async () => {
    const shapes: unknown[][] = [];
    for (const mode of MODES) {
      // (a project and an emulator of its own each: both start cold, with journals of their own)
      const own = project(testMark());
      const scf = await createEmulator({ ...mode.options, cwd: own });
      const seen: unknown[] = [];
      try {
        for (const [target, event, options] of SAME_CASES) {
          const r = await scf.invoke(target, event, options);
          seen.push(r.ok ? [Object.keys(r.value), shape(r.value, own)] : { ...r.error, message: r.error.message.replaceAll(own, '<dir>'), file: r.error.file?.replace(own, '<dir>') });
        }
      } finally {
        await scf.close();
      }
      shapes.push(seen);
    }
    for (let i = 0; i < SAME_CASES.length; i++) assert.deepEqual(shapes[1]![i], shapes[0]![i], JSON.stringify(SAME_CASES[i]));
  });

  test("once this process's last in-process emulator has closed, no file watch of its stamps is left", async () => {
    value(await scf.invoke('.', {}));
    await scf.close();
    assert.deepEqual(stampWatchState(), { kept: 0, watches: 0, enabled: false });
  });
});

const SAME_CASES: Array<[string, unknown, Parameters<Emulator['invoke']>[2]]> = [
  ['.', { same: 1 }, {}],
  ['.', { same: 2 }, {}],
  ['throws', {}, {}],
  ['slow', { ms: 3000 }, { timeout: 1 }],
  ['.', '[1]', {}],
  ['nowhere', {}, {}],
  ['chatty', {}, { invocationType: 'Event' }],
];

/** An invocation with what differs from run to run (ids, times, durations, memory, pids) masked. */
function shape(r: Invocation, dir: string): unknown {
  const mask = (text: string) =>
    text
      .replaceAll(r.requestId, '<id>')
      .replaceAll(dir, '<dir>')
      .replace(/\d+\.\d\d ms/g, '<ms>')
      .replace(/(Billed Duration|Max Memory Used): \d+/g, '$1: <n>')
      .replace(/"pid":\d+/g, '"pid":<pid>')
      .replace(/index\.js:\d+:\d+/g, 'index.js:<at>')
      // (run from source, the in-process emulator's bootstrap is src/'s; the host's is dist/'s)
      .replace(/\S*node-bootstrap\.js:\d+:\d+/g, '<bootstrap>');
  return {
    statusCode: r.statusCode,
    statusName: r.statusName,
    coldStart: r.coldStart,
    result: r.result === null || typeof r.result !== 'object' ? r.result : mask(JSON.stringify(r.result)),
    errorMessage: r.errorMessage,
    errorStack: r.errorStack && mask(r.errorStack),
    asyncOutcome: r.asyncOutcome,
    lines: r.logLines.map((l) => [l.stream, mask(l.text), l.requestId === r.requestId, typeof l.time]),
  };
}
