/** Quick fixes the validator attaches, applied to the text as an editor would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileProbe } from '../../src/schema/checks/context';
import type { ScfDiagnostic, QuickFix } from '../../src/schema/diagnostics';
import { validateServerlessText } from '../../src/schema/validate';

/** A code folder `/p/src` holding only the files named. */
function probe(files: Record<string, string>): FileProbe {
  return {
    stat: (p) => (p === '/p/src' || p === '/p' ? { isFile: false, isDirectory: true, executable: true } : p in files ? { isFile: true, isDirectory: false, executable: true } : undefined),
    read: (p) => files[p],
  };
}

function check(text: string, files: Record<string, string> = { '/p/src/index.js': 'exports.main_handler = () => 1;' }): ScfDiagnostic[] {
  return validateServerlessText(text, { file: '/p/serverless.yml', probe: probe(files), env: {} }).diagnostics;
}

function apply(text: string, fix: QuickFix): string {
  assert.equal(fix.kind, 'edit');
  if (fix.kind !== 'edit') return text;
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

const base = (extra: string) => `component: scf\nname: fx\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n${extra}`;

test('timeout and initTimeout are brought into range, and the result is clean', () => {
  for (const [input, expected] of [
    ['  timeout: 0\n', '  timeout: 1\n'],
    ['  timeout: 1200\n', '  timeout: 900\n'],
    ['  initTimeout: 400\n', '  initTimeout: 300\n'],
    ['  memorySize: 3100\n', '  memorySize: 3072\n'],
    ['  memorySize: 96\n', '  memorySize: 128\n'],
    ['  memorySize: 70\n', '  memorySize: 64\n'],
  ] as const) {
    const text = base(input);
    const [d] = check(text);
    assert.ok(d?.fixes?.[0], input);
    const fixed = apply(text, d.fixes[0]);
    assert.equal(fixed, base(expected));
    assert.deepEqual(check(fixed), []);
  }
});

test('with asyncRunEnable a long timeout is fine', () => {
  assert.deepEqual(check(base('  asyncRunEnable: true\n  cls:\n    logsetId: a\n    topicId: b\n  timeout: 3600\n')), []);
});

test('a reserved variable is renamed without colliding with an existing one', () => {
  const text = base('  environment:\n    variables:\n      REGION: a\n      SCF_REGION: b\n      QCLOUD_DB_HOST: c\n');
  const fixes = check(text).map((d) => d.fixes![0]!);
  assert.deepEqual(fixes.map((f) => f.title), ['Rename SCF_REGION to APP_REGION', 'Rename QCLOUD_DB_HOST to DB_HOST']);
  let fixed = text;
  for (const f of fixes.reverse()) fixed = apply(fixed, f);
  assert.deepEqual(check(fixed), []);
});

test('a missing Python entry file gets a stub defining the handler, which then passes', () => {
  const text = `component: scf\nname: py\ninputs:\n  src: ./src\n  handler: app.on_event\n  runtime: Python3.9\n`;
  const [d] = check(text, {});
  assert.equal(d!.code, 'scf.handler.fileMissing');
  const fix = d!.fixes![0]!;
  assert.equal(fix.kind, 'createFile');
  if (fix.kind !== 'createFile') return;
  assert.equal(fix.path, '/p/src/app.py');
  assert.match(fix.content, /^def on_event\(event, context\):/m);
  assert.deepEqual(check(text, { [fix.path]: fix.content }), []);
});

test('an unknown key and a misspelt enum value are fixed by their "did you mean"', () => {
  const text = base('  memroySize: 256\n  region: ap-guangzou\n');
  const diags = check(text);
  assert.deepEqual(diags.map((d) => d.code), ['scf.schema.unknownKey', 'scf.schema.enum']);
  let fixed = text;
  for (const d of [...diags].reverse()) fixed = apply(fixed, d.fixes![0]!);
  assert.equal(fixed, base('  memorySize: 256\n  region: ap-guangzhou\n'));
  assert.deepEqual(check(fixed), []);
});
