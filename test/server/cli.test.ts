/** `scf-toolkit validate`: the same diagnostics for CI, as text or one JSON array, with exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateServerlessText } from '../../src/schema/validate';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { functionFilesFor } from '../../src/testing/discover';
import type { ValidateRecord } from '../../src/cli/commands/validate';

const fixtures = join(__dirname, '..', 'fixtures', 'server');

function io(): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', cwd: fixtures, env: { PATH: process.env.PATH } as NodeJS.ProcessEnv, out: (t: string) => void (o.stdout += `${t}\n`), err: (t: string) => void (o.stderr += `${t}\n`) };
  return o;
}

test('--json prints one array of 1-based records and exits 1 when there is an error', async () => {
  const out = io();
  const code = await main(['validate', 'invalid/limits/serverless.yml', 'valid/node-event', '--json'], out);
  assert.equal(code, 1);
  const records = JSON.parse(out.stdout) as ValidateRecord[];
  const memory = records.find((r) => r.code === 'scf.memory.invalid')!;
  assert.deepEqual(memory, {
    file: join(fixtures, 'invalid/limits/serverless.yml'),
    line: 8,
    column: 15,
    endLine: 8,
    endColumn: 18,
    severity: 'error',
    code: 'scf.memory.invalid',
    message: memory.message,
  });
  assert.match(memory.message, /nearest: 256/);
  assert.ok(records.every((r) => Object.keys(r).join() === 'file,line,column,endLine,endColumn,severity,code,message'));
  assert.ok(records.filter((r) => r.severity === 'error' || r.severity === 'warning').every((r) => r.file.endsWith('limits/serverless.yml')), 'the valid file adds no error or warning');
});

test('a clean file exits 0; text output names file:line:column', async () => {
  const ok = io();
  assert.equal(await main(['validate', 'valid/python-yaml'], ok), 0);
  assert.match(ok.stdout, /1 file checked: 0 errors, 0 warnings/);
  const warn = io();
  assert.equal(await main(['validate', 'invalid/function-missing'], warn), 0, 'warnings alone do not fail the build');
  assert.match(warn.stdout, /^invalid\/function-missing\/serverless\.yml:5:12: warning scf\.handler\.functionMissing: /m);
});

test('a folder with no serverless.yml of its own stands for every one below it, as `scf-toolkit test` finds them', async () => {
  const out = io();
  assert.equal(await main(['validate', 'invalid', '--json'], out), 1);
  const files = new Set((JSON.parse(out.stdout) as ValidateRecord[]).map((r) => r.file));
  assert.ok(files.has(join(fixtures, 'invalid/limits/serverless.yml')) && files.has(join(fixtures, 'invalid/triggers/serverless.yml')), [...files].join(', '));
  const text = io();
  await main(['validate', 'invalid'], text);
  const below = functionFilesFor(join(fixtures, 'invalid'));
  assert.ok(below.ok);
  assert.match(text.stdout, new RegExp(`^${below.value.length} files checked: `, 'm'), 'the count is of the files found');
  // a folder with no function file in it or below it is still a usage error, naming the folder
  const dir = mkdtempSync(join(tmpdir(), 'scf-validate-empty-'));
  mkdirSync(join(dir, 'sub'));
  const empty = io();
  assert.equal(await main(['validate', dir], empty), 2);
  assert.match(empty.stderr, new RegExp(`${dir}: no serverless\\.yml, serverless\\.yaml or TCSAM template\\.yaml in this folder or below it`));
  rmSync(dir, { recursive: true });
});

test('a file outside the working folder is named by its absolute path, not by a climb of ../', async () => {
  const out = { ...io(), cwd: join(fixtures, 'valid') };
  out.out = (t: string) => void (out.stdout += `${t}\n`);
  await main(['validate', join(fixtures, 'invalid/limits/serverless.yml')], out);
  assert.match(out.stdout, new RegExp(`^${join(fixtures, 'invalid/limits/serverless.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:15: error scf\\.memory\\.invalid`, 'm'));
  assert.doesNotMatch(out.stdout, /^\.\.\//m);
});

test('usage errors exit 2', async () => {
  const none = io();
  assert.equal(await main(['validate'], none), 2);
  const missing = io();
  assert.equal(await main(['validate', 'no/such/folder'], missing), 2);
  assert.match(missing.stderr, /no such file or folder/);
  const bad = io();
  assert.equal(await main(['validate', '--jsn', 'valid/java'], bad), 2);
});

test('PHP and Go code folders: an entry file with its function passes; Go source without a binary is a note for deploy, not a problem', async () => {
  const out = io();
  assert.equal(await main(['validate', 'valid/php-event', 'valid/go-source', 'valid/go-binary', '--json'], out), 0);
  const records = JSON.parse(out.stdout) as ValidateRecord[];
  assert.deepEqual(records.map((r) => [r.severity, r.code]), [['information', 'scf.handler.binaryMissing']]);
  assert.match(records[0]!.message, /local invoke builds it from the Go source there, but deploy uploads the folder as it is/);
  const none = io();
  assert.equal(await main(['validate', 'invalid/go-nothing', '--json'], none), 1);
  assert.match((JSON.parse(none.stdout) as ValidateRecord[])[0]!.message, /no binary "main" and no Go source in .*SCF would answer 437/);
});

test('a one-shot check (keepTriggerResults: false, as the CLI runs) gives the diagnostics a cached check gives', () => {
  for (const name of ['invalid/triggers', 'invalid/schema-types', 'valid/node-event']) {
    const file = join(fixtures, name, 'serverless.yml');
    const text = readFileSync(file, 'utf8');
    const once = validateServerlessText(text, { file, env: {}, keepTriggerResults: false }).diagnostics;
    const cached = validateServerlessText(text, { file, env: {} }).diagnostics;
    const again = validateServerlessText(text, { file, env: {} }).diagnostics;
    assert.deepEqual(once, cached, name);
    assert.deepEqual(again, cached, `${name}: from the cache`);
  }
  const triggers = validateServerlessText(readFileSync(join(fixtures, 'invalid/triggers/serverless.yml'), 'utf8'), { env: {}, keepTriggerResults: false }).diagnostics;
  assert.ok(triggers.some((d) => d.code.startsWith('scf.schema.')), 'the fixture has schema errors in its triggers');
});
