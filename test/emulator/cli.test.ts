import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURES, functionSpec } from './helpers';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('scf-toolkit invoke', () => {
  test('--json: every line is a JSON object, logs first, the result last; exit 0 for 200', () => {
    const r = cli(['invoke', 'examples/hello-nodejs', '--event-json', '{"name":"CLI"}', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    const last = lines.at(-1)!;
    assert.equal(last.type, 'result');
    assert.equal(last.statusCode, 200);
    assert.deepEqual(last.result, { message: 'Hello, CLI!', invocations: 1 });
    assert.equal(last.coldStart, true);
    for (const key of ['requestId', 'durationMs', 'billedDurationMs', 'maxMemoryUsedMB', 'errorMessage']) assert.ok(key in last, key);
    const logs = lines.slice(0, -1);
    assert.ok(logs.every((l) => l.type === 'log' && l.requestId === last.requestId));
    assert.ok(logs.some((l) => l.text === 'event: {"name":"CLI"}'));
    assert.match(String(logs[0]!.text), /^START RequestId/);
    assert.match(String(logs.at(-1)!.text), /^REPORT RequestId/);
  });

  test('the human form shows the log, the status with its SCF name and the result', () => {
    const r = cli(['invoke', 'examples/hello-python/serverless.yml', '--event', 'test/fixtures/emulator/event.json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^START RequestId: /m);
    assert.match(r.stdout, /Status: 200 Success/);
    assert.match(r.stdout, /"message": "Hello, from a file!"/);
  });

  test('a non-200 status exits 1 and names the status', () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.throws' });
    const r = cli(['invoke', spec.file, '--json']);
    assert.equal(r.code, 1);
    const last = jsonLines(r.stdout).at(-1)!;
    assert.equal(last.statusCode, 430);
    assert.equal(last.errorMessage, 'TypeError: boom from handler');
    // the human form names the thrown error once (the message carries its name: not `Error: TypeError: ...`)
    const human = cli(['invoke', spec.file]);
    assert.match(human.stdout, /^TypeError: boom from handler$/m);
    assert.doesNotMatch(human.stdout, /^Error: TypeError/m);
    const bad = cli(['invoke', spec.file, '--event-json', '[1]']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /Status: 400 InvalidParameterValue/);
    // (refused before any code ran: no instance, neither a cold nor a warm start)
    assert.match(bad.stdout, /no instance: the event was refused/);
    assert.match(bad.stdout, /^Error: the event must be a JSON object/m);
    assert.doesNotMatch(bad.stdout, /(cold|warm) start/);
  });

  test('--async: accepted at once with the request id', () => {
    const r = cli(['invoke', 'examples/hello-nodejs', '--async', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.equal(lines[0]!.type, 'accepted');
    const last = lines.at(-1)!;
    assert.equal(last.requestId, lines[0]!.requestId);
    assert.equal(last.result, null);
    assert.equal(last.invocationType, 'Event');
  });

  test('bad input: one clear line naming the file and the problem, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-cli-'));
    writeFileSync(join(dir, 'serverless.yml'), 'component: scf\nname: x\ninputs:\n  handler: index.main\n  runtime: [Nodejs18.15\n');
    const brokenValue = join(dir, 'value-missing.json');
    writeFileSync(brokenValue, '{\n  "a": }');
    const cases: Array<[string[], RegExp]> = [
      [['invoke', join(dir, 'nope')], /nope: no such file or folder/],
      [['invoke', tmpdir() + '/definitely-empty-' + Date.now()], /no such file or folder/],
      [['invoke', dir], /serverless\.yml:\d+:\d+: YAML syntax error/],
      [['invoke', 'examples/hello-nodejs', '--event', 'missing.json'], /missing\.json: cannot read the event file: no such file/],
      [['invoke', 'examples/hello-nodejs', '--event', 'test/fixtures/emulator/broken-event.json'], /broken-event\.json:3:10: JSON syntax error: expected ":"/],
      // V8's own message on Node 20 has no position, and it quotes the whole payload: neither may leak through.
      [['invoke', 'examples/hello-nodejs', '--event', brokenValue], /value-missing\.json:2:8: JSON syntax error: expected a value\n?$/],
      // text that is not JSON is the command line's mistake, as in an --event file (not SCF's 400)
      [['invoke', 'examples/hello-nodejs', '--event-json', '{bad'], /--event-json:1:2: JSON syntax error: unexpected character/],
      [['invoke', 'examples/hello-nodejs', '--bogus'], /unknown option --bogus/],
      [['invoke'], /give the serverless\.yml/],
      [['nonsense'], /unknown command "nonsense"/],
    ];
    for (const [args, expected] of cases) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for bad input');
    }
    const runtimeDir = mkdtempSync(join(tmpdir(), 'scf-cli-'));
    writeFileSync(join(runtimeDir, 'serverless.yml'), `component: scf\nname: x\ninputs:\n  src: ${JSON.stringify(join(FIXTURES, 'node'))}\n  handler: index.echo\n  runtime: Cobol1\n`);
    const r = cli(['invoke', runtimeDir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /serverless\.yml:6:12: unknown runtime "Cobol1"/);
    // a TCSAM template.yaml: where Runtime is written (in Globals.Function here), and CodeUri in its own words
    const tcsamDir = mkdtempSync(join(tmpdir(), 'scf-cli-'));
    const template = (runtime: string, codeUri: string) =>
      `ROSTemplateFormatVersion: '2015-09-01'\nTransform: 'Aliyun::Serverless-2018-04-03'\nGlobals:\n  Function:\n    Runtime: ${runtime}\nResources:\n  svc:\n    Type: 'TencentCloud::Serverless::Namespace'\n    echo:\n      Type: 'TencentCloud::Serverless::Function'\n      Properties:\n        CodeUri: ${codeUri}\n        Handler: index.echo\n`;
    writeFileSync(join(tcsamDir, 'template.yaml'), template('Cobol1', JSON.stringify(join(FIXTURES, 'node'))));
    const tcsamRuntime = cli(['invoke', tcsamDir]);
    assert.equal(tcsamRuntime.code, 2, tcsamRuntime.stderr);
    assert.match(tcsamRuntime.stderr, /template\.yaml:5:14: unknown runtime "Cobol1"/);
    writeFileSync(join(tcsamDir, 'template.yaml'), template('Nodejs18.15', './no-such-folder'));
    const tcsamSrc = cli(['invoke', tcsamDir]);
    assert.equal(tcsamSrc.code, 2, tcsamSrc.stderr);
    assert.match(tcsamSrc.stderr, /template\.yaml:12:18: the code folder .*no-such-folder \(CodeUri\) does not exist; fix CodeUri or create the folder/);
  });

  test('a file with several functions needs --function; without it the names are listed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-cli-'));
    const src = JSON.stringify(join(FIXTURES, 'node'));
    writeFileSync(
      join(dir, 'serverless.yml'),
      `first:\n  component: scf\n  inputs:\n    name: first\n    src: ${src}\n    handler: index.plainValue\n    runtime: Nodejs18.15\nsecond:\n  component: scf\n  inputs:\n    name: second\n    src: ${src}\n    handler: index.echo\n    runtime: Nodejs18.15\n`,
    );
    const listed = cli(['invoke', dir]);
    assert.equal(listed.code, 2);
    assert.match(listed.stderr, /defines 2 functions; pick one with --function NAME: first, second/);
    const picked = cli(['invoke', dir, '--function', 'first', '--event-json', '{"n":3}', '--json']);
    assert.equal(picked.code, 0, picked.stderr);
    assert.deepEqual(jsonLines(picked.stdout).at(-1)!.result, { doubled: 6 });
  });

  test('streaming through the CLI: the first line is on stdout before the handler ends', async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.slowLogger' });
    const child = spawn(process.execPath, [CLI, 'invoke', spec.file, '--json', '--event-json', '{"lines":3,"gapMs":500}'], { cwd: ROOT });
    let out = '';
    let sawTickBeforeResult = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"text":"tick 0"') && !out.includes('"type":"result"')) sawTickBeforeResult = true;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.ok(sawTickBeforeResult, 'tick 0 was printed before the result line');
    const texts = jsonLines(out).filter((l) => l.type === 'log').map((l) => l.text);
    assert.deepEqual(texts.filter((t) => String(t).startsWith('tick')), ['tick 0', 'tick 1', 'tick 2']);
  });
});
