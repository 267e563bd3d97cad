import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadServerlessFile, parseServerless, type FunctionSpec } from '../../src/model';
import { convertTcsamText } from '../../src/model/convert';
import { parseTcsam } from '../../src/model/tcsam';
import { validateTcsamText } from '../../src/schema/validateTcsam';
import { validateServerlessText } from '../../src/schema/validate';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';

const MULTI = resolve(__dirname, '../fixtures/tcsam/multi');

function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-tcsam-'));
  cpSync(MULTI, dir, { recursive: true });
  return dir;
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`), cwd: MULTI, env: { PATH: process.env.PATH, HOME: process.env.HOME } };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function load(target: string): FunctionSpec[] {
  const r = loadServerlessFile(target, { env: {} });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.functions;
}

describe('TCSAM template.yaml', () => {
  test('reads every function of every namespace into the function model, with Globals as defaults', () => {
    const [hello, py] = load(MULTI);
    assert.equal(hello!.file, join(MULTI, 'template.yaml'), 'a folder with only template.yaml resolves to it');
    assert.deepEqual(
      [hello!.name, hello!.namespace, hello!.handler, hello!.runtime, hello!.memorySize, hello!.timeout, hello!.codeDir, hello!.type, hello!.description],
      ['hello', 'default', 'index.main_handler', 'Nodejs12.16', 256, 5, join(MULTI, 'hello'), 'event', 'Says hello'],
    );
    assert.deepEqual(hello!.environment, { GREETING: 'Hello', TARGET: 'world' }, 'global variables merged under the function\'s own');
    assert.deepEqual(
      [py!.name, py!.runtime, py!.memorySize, py!.timeout, py!.codeDir],
      ['pyecho', 'Python3.6', 128, 10, join(MULTI, 'py')],
      'the function\'s Timeout wins over Globals; MemorySize defaults to 128',
    );
    assert.deepEqual(py!.environment, { GREETING: 'Hello' });
    assert.equal(hello!.range?.line, 10, 'the function\'s key line (0-based), for "open definition" and CodeLens');
  });

  test('triggers become the scf component\'s events, wherever TCSAM puts Events', () => {
    const r = loadServerlessFile(MULTI, { env: {} });
    assert.ok(r.ok);
    if (!r.ok) return;
    const [hello, py] = r.value.functions;
    assert.deepEqual(hello!.events.map((e) => [e.kind, e.name, e.parameters]), [['timer', 'every5', { cronExpression: '0 */5 * * * * *', enable: true }]]);
    assert.ok(r.value.warnings.some((w) => /5-field cron "\*\/5 \* \* \* \*" is read as SCF's 7-field "0 \*\/5 \* \* \* \* \*"/.test(w.message)));
    assert.deepEqual(py!.events.map((e) => [e.kind, e.name, e.parameters]), [
      ['cos', 'uploads', { bucket: 'mybucket-1250000000.cos.ap-guangzhou.myqcloud.com', events: 'cos:ObjectCreated:*', filter: { prefix: 'uploads/' }, enable: true }],
    ]);
  });

  test('parseServerless reads TCSAM text too (the tree and editors pass text)', () => {
    const text = 'Resources:\n  ns1:\n    Type: TencentCloud::Serverless::Namespace\n    fn:\n      Type: TencentCloud::Serverless::Function\n      Properties:\n        Handler: index.main\n        Runtime: Nodejs16.13\n';
    const r = parseServerless(text, '/p/template.yaml');
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual([r.value.functions[0]!.name, r.value.functions[0]!.namespace, r.value.functions[0]!.codeDir], ['fn', 'ns1', '/p']);
  });

  test('the JSON form of a template reads the same; an indented `Resources` key is not a template', () => {
    const json = JSON.stringify({ Resources: { default: { Type: 'TencentCloud::Serverless::Namespace', fn: { Type: 'TencentCloud::Serverless::Function', Properties: { Handler: 'index.main', Runtime: 'Nodejs16.13' } } } } }, null, 2);
    const r = parseServerless(json, '/p/template.json');
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.value.functions.map((f) => [f.name, f.handler]), [['fn', 'index.main']]);
    const notTcsam = parseServerless('component: scf\nname: a\ninputs:\n  handler: index.main\n  Resources: TencentCloud::Serverless::Function\n', '/p/serverless.yml');
    assert.ok(notTcsam.ok && notTcsam.value.functions[0]!.instanceName === 'a');
  });

  test('problems name the file, the line and the fix', () => {
    const zip = parseTcsam('Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    fn:\n      Type: TencentCloud::Serverless::Function\n      Properties:\n        CodeUri: ./build/code.zip\n        Handler: index.main\n', '/p/template.yaml');
    assert.equal(zip.ok, false);
    if (!zip.ok) assert.match(zip.error.message, /^\/p\/template\.yaml:7:18: fn: `CodeUri` is the package \.\/build\/code\.zip; local invoke needs the code unpacked/);
    const none = parseTcsam('Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n', '/p/template.yaml');
    assert.equal(none.ok, false);
    if (!none.ok) assert.equal(none.error.code, 'tcsam.noFunctions');
    const cos = parseTcsam('Resources:\n  fn:\n    Type: TencentCloud::Serverless::Function\n    Properties:\n      CodeUri: {Bucket: b, Key: /code.zip}\n', '/p/template.yaml');
    assert.equal(cos.ok, false);
    if (!cos.ok) assert.equal(cos.error.code, 'tcsam.codeUriInCos');
  });
});

describe('scf-toolkit invoke on a file with several functions', () => {
  test('without --function it lists the names and exits 2', async () => {
    const r = await cli(['invoke', join(MULTI, 'template.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /defines 2 functions; pick one with --function NAME: hello, pyecho/);
  });

  test('--function picks one: the Node.js function of the template runs with its merged settings', async () => {
    const r = await cli(['invoke', MULTI, '--function', 'hello', '--event-json', '{"name":"TCSAM"}', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const result = lines.at(-1);
    assert.equal(result.statusCode, 200);
    assert.deepEqual(result.result, { message: 'Hello, TCSAM!', memory: 256, timeoutMs: 5000 });
    assert.ok(lines.some((l) => l.type === 'log' && l.text === 'function hello in default'));
  });

  test('--function picks the Python one', async () => {
    const r = await cli(['invoke', join(MULTI, 'template.yaml'), '--function', 'pyecho', '--event-json', '{"k":1}', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!).result, { echo: { k: 1 }, greeting: 'Hello' });
  });

  test('an unknown name lists the names and exits 2', async () => {
    const r = await cli(['invoke', MULTI, '--function', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no function named "nope"; the file defines: hello, pyecho/);
  });
});

describe('Convert template.yaml to serverless.yml', () => {
  test('writes an equivalent serverless.yml (one instance per function) that validates without errors', () => {
    const dir = copy();
    const template = join(dir, 'template.yaml');
    const converted = convertTcsamText(readFileSync(template, 'utf8'), template);
    assert.ok(converted.ok);
    if (!converted.ok) return;
    assert.deepEqual(converted.value.functionNames, ['hello', 'pyecho']);
    assert.match(converted.value.text, /^# Converted from template\.yaml \(TCSAM\)/);
    const target = join(dir, 'serverless.yml');
    writeFileSync(target, converted.value.text);

    const { diagnostics } = validateServerlessText(converted.value.text, { file: target, env: {} });
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);

    // The same functions as the template gives, field by field (only the file differs).
    const strip = (s: FunctionSpec) => ({ ...s, file: '', range: undefined, events: s.events.map((e) => ({ ...e, range: undefined })) });
    const fromTemplate = load(template).map(strip);
    const fromConverted = load(target).map(strip);
    for (const [a, b] of fromTemplate.map((t, i) => [t, fromConverted[i]!] as const)) {
      for (const key of ['name', 'namespace', 'handler', 'runtime', 'memorySize', 'timeout', 'codeDir', 'type', 'environment', 'events', 'description'] as const) {
        assert.deepEqual(b[key], a[key], `${a.name}.${key}`);
      }
    }
  });

  test('the converted file invokes the same way', async () => {
    const dir = copy();
    const template = join(dir, 'template.yaml');
    const converted = convertTcsamText(readFileSync(template, 'utf8'), template);
    assert.ok(converted.ok);
    if (!converted.ok) return;
    writeFileSync(join(dir, 'serverless.yml'), converted.value.text);
    const r = await cli(['invoke', dir, '--function', 'pyecho', '--event-json', '{"k":2}', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(last.result, { echo: { k: 2 }, greeting: 'Hello' });
    const list = await cli(['invoke', join(dir, 'serverless.yml')]);
    assert.equal(list.code, 2);
    assert.match(list.stderr, /hello, pyecho/);
  });

  test('one function converts to the plain one-instance form', () => {
    const text = 'Globals:\n  Function:\n    Timeout: 7\nResources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    solo:\n      Type: TencentCloud::Serverless::Function\n      Properties:\n        Handler: index.main_handler\n        Runtime: Python3.9\n        Policies: [QcloudCOSFullAccess]\n';
    const converted = convertTcsamText(text, '/p/template.yaml');
    assert.ok(converted.ok);
    if (!converted.ok) return;
    const r = parseServerless(converted.value.text, '/p/serverless.yml', { env: {} });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual([r.value.functions[0]!.name, r.value.functions[0]!.timeout, r.value.functions[0]!.runtime], ['solo', 7, 'Python3.9']);
    assert.match(converted.value.text, /^component: scf$/m);
    assert.match(converted.value.text, /# Note: Policies .* is not carried over/);
  });
});

describe('validating a template.yaml with the serverless.yml rules', () => {
  const file = join(MULTI, 'template.yaml');
  const original = readFileSync(file, 'utf8');
  const at = (text: string, d: { start: number; end: number }) => ({ line: text.slice(0, d.start).split('\n').length, text: text.slice(d.start, d.end) });

  test('the fixture has no errors, only the note on its 5-field cron, at the trigger', () => {
    const diagnostics = validateTcsamText(original, { file, env: {} });
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code, at(original, d).text]), [['warning', 'tcsam.trigger', 'every5']]);
  });

  test('each problem lands on the template property it came from, named in TCSAM\'s words', () => {
    const text = original
      .replace('MemorySize: 256', 'MemorySize: 200')
      .replace('Runtime: Python3.6', 'Runtime: Python9')
      .replace('Handler: index.main_handler\n        MemorySize', 'Handler: nofile.main_handler\n        MemorySize')
      .replace('    Timeout: 5\n', '    Timeout: 5000\n');
    const errors = validateTcsamText(text, { file, env: {} }).filter((d) => d.severity === 'error');
    const found = errors.map((d) => [d.code, at(text, d).line, at(text, d).text, d.message.split(':')[0]]);
    assert.deepEqual(
      found.sort((a, b) => Number(a[1]) - Number(b[1])),
      [
        // Inherited from Globals by hello only: pyecho sets its own Timeout.
        ['scf.timeout.outOfRange', 4, '5000', 'hello Timeout'],
        ['scf.handler.fileMissing', 17, 'nofile.main_handler', 'hello Handler'],
        ['scf.memory.invalid', 18, '200', 'hello MemorySize'],
        ['scf.schema.enum', 34, 'Python9', 'pyecho Runtime'],
      ].sort((a, b) => Number(a[1]) - Number(b[1])),
      JSON.stringify(errors.map((e) => e.message)),
    );
  });

  test('a template that cannot be read gives one error where the problem is', () => {
    const text = original.replace('CodeUri: ./py', 'CodeUri: ./py.zip');
    const [d] = validateTcsamText(text, { file, env: {} });
    assert.equal(d!.code, 'tcsam.codeUriZip');
    assert.equal(at(text, d!).text, './py.zip');
  });
});

describe('deploying a template.yaml', () => {
  test('scf-toolkit deploy reads its functions like a serverless.yml (local endpoint)', () => {
    const dir = copy();
    const state = mkdtempSync(join(tmpdir(), 'scf-tcsam-state-'));
    const cli = resolve(__dirname, '../../dist/cli.js');
    const r = spawnSync(process.execPath, [cli, 'deploy', dir, '--target', 'local', '--state', state, '--json'], { encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as Array<{ function: string; ok: boolean; result: { namespace: string; fileCount: number; status: string } }>;
    assert.deepEqual(
      results.map((x) => [x.function, x.ok, x.result.namespace, x.result.fileCount, x.result.status]),
      [
        ['hello', true, 'default', 1, 'Active'],
        ['pyecho', true, 'default', 1, 'Active'],
      ],
    );
  });
});
