import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { loadServerlessFile } from '../../src/model';
import { Emulator } from '../../src/emulator/emulator';
import { collectTests, runTest, type TestInvoker } from '../../src/testing/runner';

const FIXTURES = resolve(__dirname, '../fixtures');

function project(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `scf-test-${name.replace(/\//g, '-')}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`), cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME } };
  const code = await main(['test', ...args], io);
  return { code, stdout, stderr };
}

const greeter = project('testing/greeter');
const events = join(greeter, '.scf/events/greeter');

describe('scf-toolkit test', () => {
  test('runs every event with an expectation; a failure exits 1 and shows a readable diff', async () => {
    const r = await cli([], greeter);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^PASS {2}greeter › boom /m);
    assert.match(r.stdout, /^PASS {2}greeter › hello /m);
    assert.match(r.stdout, /^FAIL {2}greeter › wrong /m);
    assert.doesNotMatch(r.stdout, /› plain/, 'an event without an expectation is not a test for the CLI');
    assert.match(r.stdout, /- result\.greeting: expected "Hello, Alice!", got "Hello, Bob!"/);
    assert.match(r.stdout, /- result\.items: expected \[1,2\], got \[1,2,3\]/);
    assert.match(r.stdout, /- the log does not include "greeting Alice"/);
    assert.match(r.stdout, /^ {2}- {3}"greeting": "Hello, Alice!",$/m);
    assert.match(r.stdout, /^ {2}\+ {3}"greeting": "Hello, Bob!",$/m);
    assert.match(r.stdout, /greeting Bob/, 'the failing test shows the end of its log');
    assert.match(r.stdout, /Tests: 2 passed, 1 failed, 3 total/);
  });

  test('--json: one object per test as it finishes, the summary last', async () => {
    const r = await cli(['--json'], greeter);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.type, l.event ?? null, l.status ?? null]),
      [
        ['test', 'boom', 'passed'],
        ['test', 'hello', 'passed'],
        ['test', 'wrong', 'failed'],
        ['summary', null, null],
      ],
    );
    const hello = lines[1]!;
    assert.equal(hello.statusCode, 200);
    assert.equal((hello.result as { greeting: string }).greeting, 'Hello, SCF!');
    assert.equal(hello.function, 'greeter');
    assert.equal(hello.expectFile, join(events, 'hello.expect.json'));
    const wrong = lines[2]!;
    assert.deepEqual(
      (wrong.mismatches as Array<{ path: string }>).map((m) => m.path),
      ['result.greeting', 'result.items', 'log'],
    );
    assert.deepEqual(lines[3], { type: 'summary', total: 3, passed: 2, failed: 1, errored: 0, durationMs: lines[3]!.durationMs });
    assert.match(r.stderr, /FAIL {2}greeter › wrong/, 'the human lines go to stderr when stdout carries JSON');
  });

  test('--reporter junit: one testsuite per function, a <failure> with the diff, the log in <system-out>', async () => {
    const r = await cli(['--reporter', 'junit'], greeter);
    assert.equal(r.code, 1);
    const xml = r.stdout;
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="scf-toolkit test" tests="3" failures="1" errors="0" time="[\d.]+">/);
    assert.match(xml, /<testsuite name="greeter \(serverless\.yml\)" tests="3" failures="1" errors="0" skipped="0" time="[\d.]+">/);
    assert.match(xml, /<testcase classname="greeter" name="hello" file="\.scf\/events\/greeter\/hello\.json" time="[\d.]+">/);
    assert.match(xml, /<failure type="expectation" message="result\.greeting: expected &quot;Hello, Alice!&quot;, got &quot;Hello, Bob!&quot;">/);
    assert.match(xml, /<system-out>START RequestId: [0-9a-f-]+\ngreeting SCF\n/);
    // Well formed: every element opened is closed, in order.
    const stack: string[] = [];
    for (const m of xml.matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) assert.equal(stack.pop(), m[2]);
      else stack.push(m[2]!);
    }
    assert.deepEqual(stack, []);
  });

  test('--reporter junit --output FILE writes the XML and keeps the human report on stdout', async () => {
    const out = join(greeter, 'reports', 'junit.xml');
    mkdirSync(join(greeter, 'reports'), { recursive: true });
    const r = await cli(['.', '--reporter', 'junit', '--output', 'reports/junit.xml'], greeter);
    assert.equal(r.code, 1);
    assert.match(readFileSync(out, 'utf8'), /<testsuites name="scf-toolkit test" tests="3" failures="1"/);
    assert.match(r.stdout, /Tests: 2 passed, 1 failed, 3 total/);
  });

  test('exits 0 once every expectation holds (--update writes them from a run)', async () => {
    const dir = project('testing/greeter');
    const ev = join(dir, '.scf/events/greeter');
    const u = await cli(['--update', '--function', 'greeter'], dir);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    const wrote = JSON.parse(readFileSync(join(ev, 'wrong.expect.json'), 'utf8'));
    assert.equal(wrote.statusCode, 200);
    assert.equal(wrote.result.greeting, 'Hello, Bob!');
    assert.equal(wrote.logIncludes, undefined, 'a logIncludes text this run\'s log does not hold is dropped');
    const keptHello = JSON.parse(readFileSync(join(ev, 'hello.expect.json'), 'utf8'));
    assert.deepEqual(keptHello.logIncludes, ['greeting SCF'], 'one the log holds is kept');
    assert.ok(existsSync(join(ev, 'plain.expect.json')), '--update gives every event an expectation');
    // Date.now() in the result changes every run: narrow the expectation to what is stable.
    for (const name of ['wrong', 'plain']) {
      const e = JSON.parse(readFileSync(join(ev, `${name}.expect.json`), 'utf8'));
      delete e.result.meta.at;
      writeFileSync(join(ev, `${name}.expect.json`), JSON.stringify(e));
    }
    const hello = JSON.parse(readFileSync(join(ev, 'hello.expect.json'), 'utf8'));
    delete hello.result.meta.at;
    writeFileSync(join(ev, 'hello.expect.json'), JSON.stringify(hello));
    const r = await cli([], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /Tests: 4 passed, 4 total/);
  });

  test('a broken expectation file errors with its line; the run exits 1', async () => {
    const dir = project('testing/greeter');
    writeFileSync(join(dir, '.scf/events/greeter/hello.expect.json'), '{\n  "statusCode": 200,\n  "result": {"greeting": "Hello, SCF!"},\n}\n');
    const r = await cli(['--json'], dir);
    assert.equal(r.code, 1);
    const hello = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'hello');
    assert.equal(hello.status, 'errored');
    assert.match(hello.message, /hello\.expect\.json:4:1: JSON syntax error/);
  });

  test('no test found: exit 1 saying how to add one, or 0 with --pass-with-no-tests', async () => {
    const r = await cli(['--function', 'greeter', join(FIXTURES, 'tcsam/multi')], greeter);
    assert.equal(r.code, 2, 'a function the files do not define is a usage error');
    const none = await cli([join(FIXTURES, 'tcsam/multi')], greeter);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /no test events with an expectation for hello, pyecho .*add \.scf\/events\/<function>\/<name>\.expect\.json/);
    const pass = await cli([join(FIXTURES, 'tcsam/multi'), '--pass-with-no-tests'], greeter);
    assert.equal(pass.code, 0);
  });

  test('usage errors exit 2 with one line naming the problem', async () => {
    const bad = await cli(['--reporter', 'tap'], greeter);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown reporter "tap"/);
    const missing = await cli(['nowhere'], greeter);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere: no such file or folder/);
    const both = await cli(['--json', '--reporter', 'junit'], greeter);
    assert.equal(both.code, 2);
  });

  test('a folder without a serverless.yml is searched below, TCSAM templates included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'scf-test-root-'));
    cpSync(join(FIXTURES, 'testing/greeter'), join(root, 'services/greeter'), { recursive: true });
    cpSync(join(FIXTURES, 'tcsam/multi'), join(root, 'legacy'), { recursive: true });
    const ev = join(root, 'legacy/.scf/events/pyecho');
    mkdirSync(ev, { recursive: true });
    writeFileSync(join(ev, 'echo.json'), '{"a": [1, 2]}');
    writeFileSync(join(ev, 'echo.expect.json'), '{"result": {"echo": {"a": [1, 2]}, "greeting": "Hello"}, "logIncludes": ["python got"]}');
    const r = await cli(['--json'], root);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const echo = lines.find((l) => l.event === 'echo');
    assert.equal(echo.status, 'passed', echo.message);
    assert.equal(echo.file, join(root, 'legacy/template.yaml'));
    assert.equal(lines.at(-1).total, 4);
  });
});

describe('the runner', () => {
  const emulator = new Emulator({ callerEnv: { PATH: process.env.PATH, HOME: process.env.HOME } });
  after(() => emulator.dispose());
  const invoker: TestInvoker = { invoke: (spec, payload, onLog, signal) => emulator.invoke({ spec, payload }, { onLog, signal }) };

  test('an edit to the handler between two runs shows the new result (no restart)', async () => {
    const dir = project('testing/greeter');
    const loaded = loadServerlessFile(dir, { env: {} });
    assert.ok(loaded.ok);
    if (!loaded.ok) return;
    const cases = await collectTests(loaded.value.functions);
    assert.deepEqual(cases.map((c) => [c.event.name, c.hasExpectation]), [['boom', true], ['hello', true], ['plain', false], ['wrong', true]]);
    const plain = cases.find((c) => c.event.name === 'plain')!;
    const first = await runTest(plain, invoker);
    assert.equal(first.status, 'passed', first.message);
    assert.match(first.message, /no expectation file: passes on status 200/);
    assert.equal((first.invokeResult!.result as { greeting: string }).greeting, 'Hello, plain!');
    const file = join(dir, 'src/index.js');
    writeFileSync(file, readFileSync(file, 'utf8').replace('`Hello, ${event.name}!`', '`Goodbye, ${event.name}!`'));
    const second = await runTest(plain, invoker);
    assert.equal((second.invokeResult!.result as { greeting: string }).greeting, 'Goodbye, plain!');
    assert.equal(second.invokeResult!.coldStart, true, 'the edited module was loaded fresh');
  });

  test('an invoker that cannot see the log (a debug session) checks status and result, not logIncludes', async () => {
    const dir = project('testing/greeter');
    const loaded = loadServerlessFile(dir, { env: {} });
    assert.ok(loaded.ok);
    if (!loaded.ok) return;
    const hello = (await collectTests(loaded.value.functions)).find((c) => c.event.name === 'hello')!;
    const silent: TestInvoker = { invoke: (spec, payload, _onLog, signal) => emulator.invoke({ spec, payload }, { signal }) };
    const strict = await runTest(hello, silent);
    assert.equal(strict.status, 'failed', 'without the log, logIncludes cannot hold');
    const run = await runTest(hello, silent, { skipLogChecks: true });
    assert.equal(run.status, 'passed', run.message);
    assert.match(run.message, /logIncludes not checked in this run/);
  });

  test('an event that is not a JSON object errors at its line before anything runs', async () => {
    const dir = project('testing/greeter');
    writeFileSync(join(dir, '.scf/events/greeter/hello.json'), '{"name": "SCF",}');
    const loaded = loadServerlessFile(dir, { env: {} });
    assert.ok(loaded.ok);
    if (!loaded.ok) return;
    const hello = (await collectTests(loaded.value.functions)).find((c) => c.event.name === 'hello')!;
    const run = await runTest(hello, invoker);
    assert.equal(run.status, 'errored');
    assert.match(run.message, /hello\.json:1:16: JSON syntax error/);
    assert.equal(run.invokeResult, undefined);
  });
});
