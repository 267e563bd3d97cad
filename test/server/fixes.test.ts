/** Quick fixes the validator attaches, applied to the text as an editor would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileProbe } from '../../src/schema/checks/context';
import type { ScfDiagnostic, QuickFix } from '../../src/schema/diagnostics';
import { validateServerlessText } from '../../src/schema/validate';
import { schemaAtPath } from '../../src/schema/schema';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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

/** A real code folder on disk, for the fixes that look at which functions its files define. */
function onDisk(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-fixes-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

function checkOnDisk(dir: string, yml: string): ScfDiagnostic[] {
  return validateServerlessText(yml, { file: join(dir, 'serverless.yaml'), env: {} }).diagnostics;
}

const titles = (d: ScfDiagnostic | undefined) => (d?.fixes ?? []).map((f) => f.title);

test('a handler naming a missing file is changed to the file that defines its function, for every runtime', () => {
  const cases: { runtime: string; files: Record<string, string>; handler: string; expected: string }[] = [
    // The shape of the official Python3.6-API_Service demo: handler api_service.main_handler, the function in index.py.
    { runtime: 'Python3.6', files: { 'index.py': '# -*- coding: utf8 -*-\nimport json\n\ndef helper():\n    pass\n\ndef main_handler(event, context):\n    return {}\n' }, handler: 'api_service.main_handler', expected: 'index.main_handler' },
    { runtime: 'Nodejs18.15', files: { 'index.js': "'use strict';\nexports.main_handler = async (event) => event;\n" }, handler: 'app.main_handler', expected: 'index.main_handler' },
    { runtime: 'Nodejs18.15', files: { 'handler.mjs': 'export async function main_handler(event) { return event; }\n' }, handler: 'index.main_handler', expected: 'handler.main_handler' },
    { runtime: 'Nodejs16.13', files: { 'lib.js': 'module.exports = {\n  other() {},\n  main_handler: async () => 1,\n};\n' }, handler: 'index.main_handler', expected: 'lib.main_handler' },
    { runtime: 'Php8.0', files: { 'index.php': '<?php\nfunction main_handler($event, $context) {\n  return [];\n}\n' }, handler: 'app.main_handler', expected: 'index.main_handler' },
  ];
  for (const c of cases) {
    const dir = onDisk(c.files);
    const yml = `component: scf\nname: demo\ninputs:\n  src: ./\n  handler: ${c.handler}\n  runtime: ${c.runtime}\n`;
    const [d] = checkOnDisk(dir, yml);
    assert.equal(d?.code, 'scf.handler.fileMissing', c.runtime);
    assert.deepEqual(titles(d).slice(0, 1), [`Change handler to \`${c.expected}\``], `${c.runtime}: ${titles(d).join('; ')}`);
    assert.ok(d!.fixes![0]!.preferred, 'the change is the preferred fix');
    assert.match(d!.message, new RegExp(`main_handler is defined in ${Object.keys(c.files)[0]!.replace('.', '\\.')}`));
    assert.match(titles(d).at(-1)!, /^Create /, 'creating the file is still offered');
    assert.deepEqual(checkOnDisk(dir, apply(yml, d!.fixes![0]!)), [], `${c.runtime}: the fixed file has no problem`);
  }
});

test('a handler naming a function its file does not define is offered the file\'s functions, closest first', () => {
  const dir = onDisk({ 'index.js': 'exports.handler = async () => 1;\nexports.mainHandler = async () => 2;\nexports.other = 1;\n' });
  const yml = 'component: scf\nname: demo\ninputs:\n  src: ./\n  handler: index.main_handler\n  runtime: Nodejs18.15\n';
  const [d] = checkOnDisk(dir, yml);
  assert.equal(d?.code, 'scf.handler.functionMissing');
  assert.deepEqual(titles(d).slice(0, 2), ['Change handler to `index.mainHandler`', 'Change handler to `index.handler`']);
  assert.deepEqual(checkOnDisk(dir, apply(yml, d!.fixes![0]!)), []);
});

test('a Java handler is checked against the public methods of the sources in the code folder, and fixed from them', () => {
  const dir = onDisk({
    'src/main/java/example/Hello.java': 'package example;\n\npublic class Hello {\n  public Hello() {}\n  public String mainHandler(KeyValueClass kv) { return "ok"; }\n  private void hidden() {}\n}\n',
  });
  const yml = (handler: string) => `component: scf\nname: demo\ninputs:\n  src: ./\n  handler: ${handler}\n  runtime: Java8\n`;
  const [wrong] = checkOnDisk(dir, yml('example.Hello::main_handler'));
  assert.equal(wrong?.code, 'scf.handler.functionMissing');
  assert.deepEqual(titles(wrong), ['Change handler to `example.Hello::mainHandler`']);
  const [form] = checkOnDisk(dir, yml('Hello.mainHandler'));
  assert.equal(form?.code, 'scf.handler.form');
  assert.deepEqual(titles(form), ['Change handler to `example.Hello::mainHandler`']);
  assert.deepEqual(checkOnDisk(dir, yml('example.Hello::mainHandler')), []);
  // Only a built jar: nothing to compare with, nothing said.
  assert.deepEqual(checkOnDisk(onDisk({ 'app.jar': 'PK' }), yml('example.Hello::anything')), []);
});

test('a handler that comes from a variable is not rewritten', () => {
  const dir = onDisk({ 'index.js': 'exports.main_handler = async () => 1;\n' });
  const [written] = checkOnDisk(dir, 'component: scf\nname: demo\ninputs:\n  src: ./\n  handler: app.main_handler\n  runtime: Nodejs18.15\n');
  assert.equal(titles(written)[0], 'Change handler to `index.main_handler`');
  const viaVariable = validateServerlessText('component: scf\nname: demo\ninputs:\n  src: ./\n  handler: ${env:HANDLER}\n  runtime: Nodejs18.15\n', { file: join(dir, 'serverless.yml'), env: { HANDLER: 'app.main_handler' } }).diagnostics;
  assert.equal(viaVariable[0]?.code, 'scf.handler.fileMissing');
  assert.deepEqual(titles(viaVariable[0]), ['Create app.js with a main_handler stub']);
});

test('a Linux (5-field) or year-less (6-field) cron expression is turned into SCF\'s 7 fields, which the message names', () => {
  for (const [written, expected] of [
    ["'*/1 * * * *'", '0 */1 * * * * *'],
    ['"30 2 * * 1-5"', '0 30 2 * * 1-5 *'],
    ["'0 0 12 * * ?'", '0 0 12 * * ? *'],
  ] as const) {
    const text = base(`  events:\n    - timer:\n        name: t\n        parameters:\n          cronExpression: ${written}\n`);
    const [d] = check(text);
    assert.equal(d?.code, 'scf.timer.cronFields', written);
    assert.match(d!.message, new RegExp(`so "${expected.replace(/[*?]/g, '\\$&')}" here`));
    assert.deepEqual(titles(d), [`Change to '${expected}'`]);
    assert.deepEqual(check(apply(text, d!.fixes![0]!)), [], written);
  }
  // No 7-field form it could mean: the message gives an example, and no fix guesses.
  const [d] = check(base("  events:\n    - timer:\n        name: t\n        parameters:\n          cronExpression: '1 2'\n"));
  assert.match(d!.message, /e\.g\. "0 \*\/5 \* \* \* \* \*"/);
  assert.equal(d!.fixes, undefined);
});

test('an unknown trigger kind is changed to the one it means, or to any kind when there is no guess', () => {
  const text = (kind: string) => base(`  events:\n    - ${kind}:\n        name: t\n`);
  for (const [kind, expected] of [['apigateway', 'apigw'], ['cron', 'timer'], ['kafka', 'ckafka'], ['timmer', 'timer'], ['apigw_trigger', 'apigw']] as const) {
    const [d] = check(text(kind));
    assert.equal(d?.code, 'scf.schema.trigger', kind);
    assert.equal(titles(d)[0], `Change \`${kind}\` to \`${expected}\``, kind);
    assert.ok(d!.fixes![0]!.preferred);
    assert.equal(apply(text(kind), d!.fixes![0]!), text(expected));
  }
  const [none] = check(text('zzzz'));
  const kinds = Object.keys(schemaAtPath(['inputs', 'events', 0])?.properties ?? {});
  assert.ok(kinds.includes('timer') && kinds.includes('apigw'));
  assert.deepEqual(titles(none), kinds.map((k) => `Change \`zzzz\` to \`${k}\``));
});

test('an unknown runtime is changed to the nearest current runtimes, newest first; a deprecated one gets a note with the same fixes', () => {
  const [unknown] = check(base('').replace('Nodejs18.15', 'Nodejs99.1'));
  assert.equal(unknown?.code, 'scf.schema.enum');
  assert.deepEqual(titles(unknown), ['Change to `Nodejs20.15`', 'Change to `Nodejs18.15`', 'Change to `Nodejs16.13`']);
  assert.match(unknown!.message, /did you mean `Nodejs20\.15`/);
  assert.ok(unknown!.fixes![0]!.preferred);
  const typo = check(base('').replace('Nodejs18.15', 'Python3.8'), { '/p/src/index.py': 'def main_handler(event, context):\n    return 1\n' }).find((d) => d.code === 'scf.schema.enum');
  assert.deepEqual(titles(typo).slice(0, 2), ['Change to `Python3.9`', 'Change to `Python3.7`'], 'the versions either side, the newer first');
  const [old] = check(base('').replace('Nodejs18.15', 'Nodejs8.9'));
  assert.equal(old?.code, 'scf.runtime.deprecated');
  assert.equal(old!.severity, 'information');
  assert.equal(titles(old)[0], 'Change to `Nodejs10.15`', 'the nearest current one');
  assert.deepEqual(check(apply(base('').replace('Nodejs18.15', 'Nodejs8.9'), old!.fixes![0]!)), []);
});

test('a trigger without `parameters:` gets its kind\'s settings from the snippet, and then passes', () => {
  for (const kind of ['timer', 'apigw', 'cos', 'cmq', 'ckafka', 'cls', 'mps', 'clb']) {
    const text = base(`  events:\n    - ${kind}:\n        name: t1\n`);
    const d = check(text).find((x) => x.code === 'scf.schema.missingProperty');
    assert.ok(d, kind);
    const fix = d.fixes?.[0];
    assert.ok(fix, `${kind}: no fix`);
    assert.match(fix.title, /Add `parameters:`/);
    const fixed = apply(text, fix);
    assert.match(fixed, new RegExp(`    - ${kind}:\\n        name: t1\\n        parameters:\\n          \\S`), kind);
    assert.deepEqual(check(fixed).filter((x) => x.severity === 'error'), [], `${kind}:\n${fixed}`);
  }
});

test('settings written beside a trigger\'s name are moved under `parameters:`, with what follows kept', () => {
  const text = base(`  events:\n    - timer:\n        name: nightly\n        cronExpression: '0 0 2 * * * *'  # 02:00\n        enable: true\n    - apigw:\n        parameters:\n          endpoints:\n            - path: /\n  memorySize: 128\n`);
  const ds = check(text);
  const d = ds.find((x) => x.code === 'scf.schema.missingProperty');
  assert.ok(d?.fixes?.[0]);
  assert.equal(d.fixes[0].title, 'Move `cronExpression`, `enable` under `parameters:`');
  const fixed = apply(text, d.fixes[0]);
  assert.equal(fixed, base(`  events:\n    - timer:\n        name: nightly\n        parameters:\n          cronExpression: '0 0 2 * * * *'  # 02:00\n          enable: true\n    - apigw:\n        parameters:\n          endpoints:\n            - path: /\n  memorySize: 128\n`));
  assert.deepEqual(check(fixed), []);
});

test('a required trigger setting missing from `parameters:` is added from the snippet', () => {
  const text = base(`  events:\n    - timer:\n        parameters:\n          enable: true\n`);
  const d = check(text).find((x) => x.code === 'scf.schema.missingProperty');
  assert.ok(d?.fixes?.[0], JSON.stringify(d));
  assert.equal(d.fixes[0].title, "Add `cronExpression: '0 0 2 * * * *'`");
  const fixed = apply(text, d.fixes[0]);
  assert.equal(fixed, base(`  events:\n    - timer:\n        parameters:\n          enable: true\n          cronExpression: '0 0 2 * * * *'\n`));
  assert.deepEqual(check(fixed), []);
});

test('a flow-style trigger gets the diagnostic but no edit that could break it', () => {
  const d = check(base(`  events:\n    - timer: { name: t1 }\n`)).find((x) => x.code === 'scf.schema.missingProperty');
  assert.ok(d);
  assert.equal(d.fixes, undefined);
});

test('messages name paths relative to serverless.yml\'s folder when inside it, absolute otherwise', () => {
  const inside = check(base('').replace('index.main_handler', 'app.main_handler')).find((d) => d.code === 'scf.handler.fileMissing');
  assert.match(inside!.message, /^entry file \.\/src\/app\.js does not exist: SCF looks for app\.js at the root of the code folder \(\.\/src\)/);
  const outside = validateServerlessText(base('').replace('./src', '/elsewhere/code'), { file: '/p/serverless.yml', probe: probe({}), env: {} }).diagnostics;
  assert.match(outside.find((d) => d.code === 'scf.src.folderMissing')!.message, /^code folder \/elsewhere\/code does not exist/);
});
