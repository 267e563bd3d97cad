/**
 * Hostile serverless.yml (issue 17.1, 17.2): alias bombs, merge-key chains, deep nesting, huge files and
 * values end in one clear `scf.yaml.limit` problem, in `validate`, the model and the language server,
 * and never take the other files or documents down with them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { validateFileSafely, type ValidateRecord } from '../../src/cli/commands/validate';
import { parseServerless } from '../../src/model/load';
import { MAX_ALIAS_NODES, MAX_YAML_CHARS, MAX_YAML_DEPTH } from '../../src/model/yamlLimits';
import { validateServerlessText } from '../../src/schema/validate';
import { fastParse, parseYaml } from '../../src/schema/yaml';
import { startScfServer } from './lspClient';

const dir = mkdtempSync(join(tmpdir(), 'scf-hostile-yaml-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = 'component: scf\nname: hostile\ninputs:\n  src: ./\n  handler: index.main_handler\n  runtime: Nodejs16.13\n';

/** The classic "billion laughs": nine levels of nine-fold fan-out, under 500 bytes. */
function aliasBomb(): string {
  const rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `component: scf\nname: bomb\n${rows.join('\n')}\ninputs:\n  handler: index.main_handler\n  runtime: Nodejs16.13\n`;
}

/** Merge keys that each merge the previous mapping twice: 2^40 pairs if expanded. */
function mergeChain(): string {
  const rows = ['m0: &m0 {x: 1, y: 2}'];
  for (let i = 1; i < 40; i++) rows.push(`m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  k${i}: *m${i - 1}`);
  return `component: scf\nname: merge\n${rows.join('\n')}\ninputs:\n  handler: index.main_handler\n  runtime: Nodejs16.13\n  <<: *m39\n`;
}

const limitCodes = (text: string) => validateServerlessText(text).diagnostics.filter((d) => d.code === 'scf.yaml.limit');

test('an alias bomb and a merge-key chain stop at the alias bound with one problem', () => {
  for (const text of [aliasBomb(), mergeChain()]) {
    const parsed = parseYaml(text);
    assert.equal(parsed.root, null);
    assert.equal(parsed.errors[0]?.limit, 'aliases');
    const problems = limitCodes(text);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, new RegExp(`more than ${MAX_ALIAS_NODES.toLocaleString('en')} values`));
    // It points into the file, at the alias that passed the bound.
    assert.ok(problems[0]!.start > 0 && problems[0]!.end <= text.length);
  }
});

test('merge keys as the framework reads them: the named mapping joins, the own keys win', () => {
  const text = `component: scf\nname: merged\nbase: &base\n  memorySize: 256\n  timeout: 3\ninputs:\n  <<: *base\n  timeout: 10\n  handler: index.main_handler\n  runtime: Nodejs16.13\n`;
  const parsed = parseYaml(text);
  assert.deepEqual(parsed.errors, []);
  const inputs = parsed.root?.kind === 'map' ? parsed.root.pairs.find((p) => p.key === 'inputs')!.value : undefined;
  assert.ok(inputs?.kind === 'map');
  assert.deepEqual(
    inputs.pairs.map((p) => [p.key, p.value.kind === 'scalar' ? p.value.value : p.value.kind]),
    [['timeout', 10], ['handler', 'index.main_handler'], ['runtime', 'Nodejs16.13'], ['memorySize', 256]],
  );
  assert.ok(!validateServerlessText(text).diagnostics.some((d) => d.message.includes('<<')), 'no "unknown key <<"');
});

test('10,000 open brackets, flow or block: a nesting problem, no stack overflow', () => {
  const flow = `${HEAD}  x: ${'['.repeat(10_000)}\n`;
  const closed = `${HEAD}  x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
  const block = HEAD + Array.from({ length: 300 }, (_, i) => `${' '.repeat(2 * i + 2)}k${i}:`).join('\n') + '\n';
  const justDeepEnough = `${HEAD}  x: ${'['.repeat(MAX_YAML_DEPTH - 3)}1${']'.repeat(MAX_YAML_DEPTH - 3)}\n`;
  for (const text of [flow, closed, block]) {
    assert.equal(fastParse(text), undefined, 'the fast reader gives up instead of recursing');
    const problems = limitCodes(text);
    assert.equal(problems.length, 1, text.slice(0, 80));
    assert.match(problems[0]!.message, new RegExp(`more than ${MAX_YAML_DEPTH} levels`));
  }
  assert.deepEqual(limitCodes(justDeepEnough), []);
});

test('a file over the size bound is not read; a long value is quoted in part', () => {
  const huge = `${HEAD}  description: ${'a'.repeat(MAX_YAML_CHARS)}\n`;
  const problems = limitCodes(huge);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /MB, over the 1 MB/);
  // Under the bound, a value echoed in a message is shortened: 600 KB in, a short message out.
  const long = `${HEAD}  memorySize: ${'9'.repeat(600_000)}x\n`;
  const messages = validateServerlessText(long).diagnostics.map((d) => d.message);
  assert.ok(messages.length > 0);
  for (const m of messages) assert.ok(m.length < 2000, `message of ${m.length} characters`);
});

test('the model refuses the same files with a limit problem that names the file and line', () => {
  const deep = parseServerless(`${HEAD}  x: ${'['.repeat(10_000)}\n`, '/p/serverless.yml');
  assert.ok(!deep.ok);
  assert.equal(deep.error.code, 'model.yamlLimit');
  assert.match(deep.error.message, /^\/p\/serverless\.yml:7:\d+: mappings and lists nest more than/);
  const huge = parseServerless(`${HEAD}  description: ${'a'.repeat(MAX_YAML_CHARS)}\n`, '/p/serverless.yml');
  assert.ok(!huge.ok && huge.error.code === 'model.yamlLimit');
  // The model expands aliases and merge keys as the validator does, within the same bound.
  for (const text of [aliasBomb(), mergeChain()]) {
    const bomb = parseServerless(text, '/p/serverless.yml');
    assert.ok(!bomb.ok && bomb.error.code === 'model.yamlLimit', text.slice(0, 40));
    assert.match(bomb.error.message, /^\/p\/serverless\.yml:\d+:\d+: aliases \(\*name\) and merge keys \(<<\) expand to more than/);
  }
  // A file of 100,000 aliases of one anchor stops at the bound without walking the file per alias.
  const many = parseServerless(`${HEAD}  x: &x 1\n  y: [${Array(100_000).fill('*x').join(',')}]\n`, '/p/serverless.yml');
  assert.ok(!many.ok && many.error.code === 'model.yamlLimit');
  // `a: &x [*x]` nests through itself: the depth bound, not a hang.
  const loop = parseServerless(`${HEAD}  x: &x [*x]\n`, '/p/serverless.yml');
  assert.ok(!loop.ok && loop.error.code === 'model.yamlLimit');
});

function io(): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', cwd: dir, env: { PATH: process.env.PATH } as NodeJS.ProcessEnv, out: (t: string) => void (o.stdout += `${t}\n`), err: (t: string) => void (o.stderr += `${t}\n`) };
  return o;
}

function project(name: string, text: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'index.js'), 'exports.main_handler = async () => ({});\n');
  writeFileSync(join(folder, 'serverless.yml'), text);
  return folder;
}

test('validate: a deep file, a bomb and a good file in one run: each gets its own result, exit 1', async () => {
  const good = project('good', `${HEAD}  memorySize: 100\n`);
  const deep = project('deep', `${HEAD}  x: ${'['.repeat(10_000)}\n`);
  const bomb = project('bomb', aliasBomb());
  const out = io();
  const code = await main(['validate', deep, bomb, good, '--json'], out);
  assert.equal(code, 1);
  assert.equal(out.stderr, '');
  const records = JSON.parse(out.stdout) as ValidateRecord[];
  const by = (folder: string) => records.filter((r) => r.file === join(folder, 'serverless.yml')).map((r) => r.code);
  assert.deepEqual(by(deep), ['scf.yaml.limit']);
  assert.deepEqual(by(bomb), ['scf.yaml.limit']);
  assert.deepEqual(by(good), ['scf.memory.invalid'], 'the good file is checked in full');
});

test('validate: a file that trips an internal error gets one scf.internal record, the others theirs, exit 70', async () => {
  // An environment that throws when read: what a bug deep in a check looks like from outside.
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, key) => {
      if (key === 'STAGE') throw new TypeError('boom');
      return undefined;
    },
  });
  const records = validateFileSafely(`${HEAD}`, join(dir, 'x', 'serverless.yml'), env);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.code, 'scf.internal');
  assert.match(records[0]!.message, /internal error: TypeError: boom\); please report it/);
  const good = project('good2', `${HEAD}  memorySize: 100\n`);
  const out = io();
  out.env = env;
  assert.equal(await main(['validate', good, '--json'], out), 70);
  assert.deepEqual((JSON.parse(out.stdout) as ValidateRecord[]).map((r) => r.code), ['scf.internal']);
});

test('language server: after an alias bomb, the next document still gets its diagnostics, the bomb a clear one', { timeout: 60_000 }, async () => {
  const client = await startScfServer({ debounceMs: 10 });
  try {
    const bombUri = pathToFileURL(join(project('lsp-bomb', aliasBomb()), 'serverless.yml')).toString();
    const deepUri = pathToFileURL(join(project('lsp-deep', `${HEAD}  x: ${'['.repeat(10_000)}\n`), 'serverless.yml')).toString();
    const goodUri = pathToFileURL(join(project('lsp-good', `${HEAD}  memorySize: 100\n`), 'serverless.yml')).toString();
    const got = [bombUri, deepUri, goodUri].map((uri) => client.diagnostics(uri));
    for (const [uri, text] of [[bombUri, aliasBomb()], [deepUri, `${HEAD}  x: ${'['.repeat(10_000)}\n`], [goodUri, `${HEAD}  memorySize: 100\n`]] as const) {
      await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    }
    const [bomb, deep, good] = await Promise.all(got);
    assert.deepEqual(bomb!.diagnostics.map((d) => d.code), ['scf.yaml.limit']);
    assert.match(String(bomb!.diagnostics[0]!.message), /alias bomb/);
    assert.deepEqual(deep!.diagnostics.map((d) => d.code), ['scf.yaml.limit']);
    assert.deepEqual(good!.diagnostics.map((d) => d.code), ['scf.memory.invalid']);
  } finally {
    await client.stop();
  }
});

test('soak defect: 100,000 unclosed brackets after a JSON event make 20 syntax errors, not 100,000 (validate overflowed its stack, the server stalled)', async () => {
  const text = `{"Type": "Timer", "Message": "m"}\nx: ${'['.repeat(100_000)}\n`;
  const problems = validateServerlessText(text).diagnostics;
  assert.ok(problems.length > 0 && problems.length <= 20, `${problems.length} problems`);
  const folder = join(dir, 'cascade');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'event.json'), text);
  const out = io();
  assert.equal(await main(['validate', join(folder, 'event.json'), '--json'], out), 1);
  assert.ok((JSON.parse(out.stdout) as ValidateRecord[]).length <= 20);
});

test('soak defect: 100,000 nested `{a: ` (which the yaml library takes minutes to parse) are refused by a linear scan first', () => {
  const text = `${HEAD}  x: ${'{a: '.repeat(100_000)}${'}'.repeat(100_000)}\n`;
  const parsed = parseYaml(text);
  assert.equal(parsed.errors[0]?.limit, 'depth');
  assert.equal(parsed.errors[0]?.start, HEAD.length + 5 + 4 * MAX_YAML_DEPTH, 'at the bracket that passes the bound');
  const model = parseServerless(text, '/p/serverless.yml');
  assert.ok(!model.ok && model.error.code === 'model.yamlLimit');
  // Brackets inside quotes and comments do not count.
  const quoted = `${HEAD}  description: "${'['.repeat(200)}"\n  # ${'{'.repeat(200)}\n`;
  assert.deepEqual(limitCodes(quoted), []);
});
