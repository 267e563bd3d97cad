// The extension manifest (package.json `contributes`) and the snippets it ships agree with the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { parseServerless } from '../../src/model';
import { snippetDefaults } from '../../src/model/snippets';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('every command in a menu is declared, and every declared command is registered by the code', () => {
  const declared = new Set<string>(contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, items] of Object.entries(contributes.menus as Record<string, { command: string }[]>)) {
    for (const item of items) assert.ok(declared.has(item.command), `${menu} uses ${item.command}, which is not in contributes.commands`);
  }
  const code = sourceFiles(join(root, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
  const constants = new Map([...code.matchAll(/export const (\w+) = '(scf\.[\w.]+)'/g)].map((m) => [m[1]!, m[2]!]));
  const registered = new Set([
    ...[...code.matchAll(/registerCommand\('(scf\.[\w.]+)'/g)].map((m) => m[1]!),
    ...[...code.matchAll(/registerCommand\((\w+)\s*,/g)].map((m) => constants.get(m[1]!)).filter((c): c is string => c !== undefined),
  ]);
  for (const c of declared) assert.ok(registered.has(c), `${c} is declared but no code registers it`);
  for (const c of contributes.commands) assert.equal(c.category, 'SCF', `${c.command} is in the SCF category`);
});

test('the views, icons, grammar, snippets and schemas the manifest names exist', () => {
  const files = [
    ...contributes.viewsContainers.activitybar.map((v: { icon: string }) => v.icon),
    ...contributes.grammars.map((g: { path: string }) => g.path),
    ...contributes.snippets.map((s: { path: string }) => s.path),
    ...contributes.jsonValidation.map((j: { url: string }) => j.url),
  ];
  for (const f of files) assert.ok(existsSync(join(root, f)), `${f} exists`);
  for (const runtime of ['nodejs', 'python', 'go', 'java', 'php', 'custom', 'unknown']) {
    for (const theme of ['light', 'dark']) assert.ok(existsSync(join(root, 'media', theme, `runtime-${runtime}.svg`)), `${theme}/runtime-${runtime}.svg`);
  }
  assert.deepEqual(contributes.views.scf.map((v: { id: string }) => v.id).slice(0, 1), ['scf.functions']);
  assert.ok(contributes.viewsWelcome.some((w: { view: string; contents: string }) => w.view === 'scf.functions' && w.contents.includes('command:scf.newFunction')));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  for (const key of ['scf.pythonPath', 'scf.nodePath']) assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key));
  for (const key of ['scf.pythonPath', 'scf.nodePath', 'scf.invoke.timeoutOverride', 'scf.log.timestamps', 'scf.log.clearBeforeInvoke', 'scf.log.reveal']) {
    assert.ok(contributes.configuration.properties[key], `${key} is a setting`);
  }
});

/** A snippet body with every placeholder replaced by its default, as New Function writes it. */
function expand(body: string[]): string {
  return snippetDefaults(body.join('\n'));
}

function snippets(file: string): Record<string, { prefix: string[]; body: string[]; description: string }> {
  return JSON.parse(readFileSync(join(root, 'snippets', file), 'utf8'));
}

test('the serverless.yml function snippets expand to functions the model reads', () => {
  const all = snippets('serverless.code-snippets.json');
  const event = parseServerless(expand(all['SCF event function']!.body), '/w/serverless.yml', { env: {} });
  assert.ok(event.ok, JSON.stringify(!event.ok && event.error));
  if (event.ok) {
    assert.equal(event.value.functions[0]!.handler, 'index.main_handler');
    assert.equal(event.value.functions[0]!.events[0]!.kind, 'timer');
  }
  const web = parseServerless(expand(all['SCF web function']!.body), '/w/serverless.yml', { env: {} });
  assert.ok(web.ok && web.value.functions[0]!.type === 'web' && web.value.functions[0]!.events[0]!.kind === 'apigw');
});

test('each trigger snippet is one valid entry of inputs.events', () => {
  const all = snippets('serverless.code-snippets.json');
  const triggers = Object.entries(all).filter(([name]) => / trigger$/.test(name));
  assert.deepEqual(triggers.map(([, s]) => s.prefix[0]).sort(), ['scf-trigger-apigw', 'scf-trigger-ckafka', 'scf-trigger-clb', 'scf-trigger-cls', 'scf-trigger-cmq', 'scf-trigger-cos', 'scf-trigger-mps', 'scf-trigger-timer']);
  for (const [name, s] of triggers) {
    const entry = expand(s.body).split('\n').map((l) => `    ${l}`).join('\n');
    const text = `component: scf\nname: t\ninputs:\n  handler: index.main_handler\n  events:\n${entry}\n`;
    const r = parseServerless(text, '/w/serverless.yml', { env: {} });
    assert.ok(r.ok, `${name}: ${JSON.stringify(!r.ok && r.error)}`);
    if (r.ok) assert.equal(r.value.functions[0]!.events.length, 1, name);
  }
});

test('handler snippets are valid JavaScript and Python', () => {
  for (const [name, s] of Object.entries(snippets('javascript.code-snippets.json'))) {
    assert.doesNotThrow(() => new Function('exports', 'require', expand(s.body)), name);
  }
  for (const [name, s] of Object.entries(snippets('python.code-snippets.json'))) {
    const source = expand(s.body);
    assert.match(source, /^def \w+\(event, context\):$/m, name);
    const checked = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: source, encoding: 'utf8' });
    assert.equal(checked.status, 0, `${name} is valid Python: ${checked.stderr}`);
  }
  assert.doesNotThrow(() => parseYaml(expand(snippets('serverless.code-snippets.json')['SCF environment variables']!.body)));
});
