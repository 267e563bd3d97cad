/**
 * Integration scenarios that run inside a real VS Code extension host against the fixture workspace
 * (test/e2e/fixtures/workspace). `run()` is the entry point @vscode/test-electron expects; in
 * code-server the runner extension (test/e2e/runner) calls it.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScfToolkitApi } from '../../../src/extension';
import type { TreeNode } from '../../../src/views/treeModel';
import type { InvokeOutcome } from '../../../src/emulator/emulator';
import { runAll, test, waitFor, type TestResult } from './harness';

const EXTENSION_ID = 'scf-toolkit.scf-toolkit';
let api: ScfToolkitApi;
const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

async function roots(): Promise<TreeNode[]> {
  return api.tree.getChildren();
}

async function findFunction(name: string): Promise<Extract<TreeNode, { kind: 'function' }> | undefined> {
  for (const node of await roots()) {
    if (node.kind === 'function' && node.label === name) return node;
    if (node.kind === 'file') {
      for (const child of await api.tree.getChildren(node)) if (child.kind === 'function' && child.label === name) return child;
    }
  }
  return undefined;
}

async function fn(name: string) {
  const node = await findFunction(name);
  assert.ok(node, `function ${name} is in the tree`);
  return node;
}

function treeChanged(listener: () => void) {
  return api.tree.onDidLoad(listener);
}

async function invoke(name: string, event: string): Promise<InvokeOutcome> {
  const outcome = await vscode.commands.executeCommand<InvokeOutcome | undefined>('scf.invoke', await fn(name), { event });
  assert.ok(outcome, 'the invocation ran');
  return outcome;
}

test('the extension activates for a workspace with serverless.yml and registers every command', async () => {
  const ext = vscode.extensions.getExtension<ScfToolkitApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  api = await ext.activate();
  await api.tree.whenReady();
  const commands = new Set(await vscode.commands.getCommands(true));
  const declared = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
  for (const c of declared) assert.ok(commands.has(c), `${c} is registered`);
});

test('a broken event file is in the Problems panel from the start, with its line', async () => {
  const uri = vscode.Uri.file(join(root(), 'orders', '.scf', 'events', 'orders-api', 'broken.json'));
  const found = await waitFor(
    'the broken event file\'s problem',
    () => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'SCF test event'),
    (l) => vscode.languages.onDidChangeDiagnostics(l),
    30000,
  );
  assert.equal(found.range.start.line, 3);
  assert.match(found.message, /JSON syntax error/);
});

test('the tree lists every serverless.yml (files.exclude honoured) and shows a broken file as an item', async () => {
  const top = await roots();
  const labels = top.map((n) => `${n.kind}:${n.label}`);
  assert.ok(labels.includes('file:jobs'), labels.join(', '));
  assert.ok(labels.includes('file:orders'), labels.join(', '));
  assert.ok(labels.some((l) => l.startsWith('brokenFile:broken/serverless.yml:')), labels.join(', '));
  assert.equal(await findFunction('hidden-function'), undefined, 'excluded/ is hidden by files.exclude');
  const orders = await fn('orders-api');
  assert.equal(orders.description, 'Nodejs18.15 · 256 MB · 3 s');
  const groups = await api.tree.getChildren(orders);
  assert.deepEqual(groups.map((g) => g.label), ['Triggers', 'Environment variables', 'Test events']);
  const triggers = await api.tree.getChildren(groups[0]);
  assert.deepEqual(triggers.map((t) => t.label), ['apigw: orders-api', 'timer: nightly-report']);
  const env = await api.tree.getChildren(groups[1]);
  assert.deepEqual(env.map((v) => `${v.label}=${'description' in v ? v.description : ''}`), ['DB_PASSWORD=••••••', 'TABLE_NAME=orders']);
  const events = await api.tree.getChildren(groups[2]);
  assert.deepEqual(events.map((e) => e.label), ['broken', 'paid', 'slow']);
  const item = api.tree.getTreeItem(orders);
  assert.equal(item.contextValue, 'function');
  assert.equal(item.command?.command, 'scf.openDefinition');
});

test('every serverless.yml of the workspace has its problems without being opened, and the tree marks the function', async () => {
  const client = await api.languageClient;
  assert.ok(client.isRunning(), `the language client runs (state ${client.state})`);
  assert.equal(vscode.workspace.textDocuments.filter((d) => /serverless\.yml$/.test(d.uri.fsPath)).length, 0, 'no serverless.yml is open');
  const broken = vscode.Uri.file(join(root(), 'broken', 'serverless.yml'));
  const mistakes = vscode.Uri.file(join(root(), 'mistakes', 'serverless.yml'));
  const syntax = await waitFor('the broken file\'s problem', () => vscode.languages.getDiagnostics(broken).find((d) => d.source === 'scf'), (l) => vscode.languages.onDidChangeDiagnostics(l), 30000);
  assert.match(syntax.message, /YAML syntax error/);
  const codes = await waitFor(
    'the mistakes file\'s four problems',
    () => {
      const found = vscode.languages.getDiagnostics(mistakes).map((d) => String(typeof d.code === 'object' ? d.code.value : d.code)).sort();
      return found.length === 4 ? found : undefined;
    },
    (l) => vscode.languages.onDidChangeDiagnostics(l),
    30000,
  );
  assert.deepEqual(codes, ['scf.handler.fileMissing', 'scf.schema.enum', 'scf.schema.trigger', 'scf.timer.cronFields']);
  const node = await fn('mistakes-fn');
  const item = await waitFor('the function marked in the tree', () => {
    const i = api.tree.getTreeItem(node);
    return typeof i.description === 'string' && i.description.startsWith('4 errors') ? i : undefined;
  });
  assert.match(String(item.tooltip), /4 errors in mistakes\/serverless\.yml/);
  // Fixed on disk (never opened), the problem goes; put back, it returns.
  const text = readFileSync(mistakes.fsPath, 'utf8');
  await vscode.workspace.fs.writeFile(mistakes, Buffer.from(text.replace('Nodejs99.1', 'Nodejs18.15')));
  try {
    await waitFor('the runtime problem to go', () => vscode.languages.getDiagnostics(mistakes).length === 3, (l) => vscode.languages.onDidChangeDiagnostics(l), 15000);
  } finally {
    await vscode.workspace.fs.writeFile(mistakes, Buffer.from(text));
  }
  await waitFor('the runtime problem back', () => vscode.languages.getDiagnostics(mistakes).length === 4, (l) => vscode.languages.onDidChangeDiagnostics(l), 15000);
});

test('clicking a function opens its serverless.yml at the function', async () => {
  const orders = await fn('orders-api');
  await vscode.commands.executeCommand('scf.openDefinition', orders);
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor);
  assert.equal(editor.document.uri.fsPath, join(root(), 'orders', 'serverless.yml'));
  assert.equal(editor.selection.active.line, 4, 'the cursor is on `inputs:`');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
});

test('the tree follows serverless.yml files: create, edit, break, rename and delete', async () => {
  const dir = vscode.Uri.file(join(root(), 'created'));
  const file = vscode.Uri.joinPath(dir, 'serverless.yml');
  const text = (memory: number) => `component: scf\nname: created\ninputs:\n  name: created-fn\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: ${memory}\n`;
  await vscode.workspace.fs.writeFile(file, Buffer.from(text(128)));
  await waitFor('the new function', () => findFunction('created-fn'), treeChanged);

  await vscode.workspace.fs.writeFile(file, Buffer.from(text(512)));
  await waitFor('the new memory size', async () => (await findFunction('created-fn'))?.description.includes('512 MB'), treeChanged);

  await vscode.workspace.fs.writeFile(file, Buffer.from('component: scf\nname: created\ninputs:\n  handler: [oops\n'));
  await waitFor('the broken file item', async () => (await roots()).find((n) => n.kind === 'brokenFile' && n.file === file.fsPath), treeChanged);

  await vscode.workspace.fs.writeFile(file, Buffer.from(text(256)));
  const renamed = vscode.Uri.joinPath(dir, 'serverless.yaml');
  await vscode.workspace.fs.rename(file, renamed);
  await waitFor('the renamed file', async () => (await findFunction('created-fn'))?.spec.file === renamed.fsPath, treeChanged);

  await vscode.workspace.fs.delete(dir, { recursive: true });
  await waitFor('the function to disappear', async () => (await findFunction('created-fn')) === undefined, treeChanged);
});

test('New Function writes serverless.yml from the snippet, and the tree shows it before it is saved', async () => {
  const folder = vscode.Uri.file(join(root(), 'fresh'));
  await vscode.workspace.fs.createDirectory(folder);
  try {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('scf.newFunction', folder);
    assert.ok(editor);
    assert.equal(editor.document.uri.fsPath, join(folder.fsPath, 'serverless.yml'));
    assert.match(editor.document.getText(), /^component: scf\nname: my-function\n/);
    await waitFor('the new function in the tree', () => findFunction('my-function'), treeChanged);
  } finally {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    assert.match(readFileSync(join(folder.fsPath, 'serverless.yml'), 'utf8'), /^component: scf\nname: my-function\n[\s\S]*handler: index\.main_handler/, 'closed unsaved, the file holds the snippet with its defaults');
    await vscode.workspace.fs.delete(folder, { recursive: true });
  }
  await waitFor('the new function to go', async () => (await findFunction('my-function')) === undefined, treeChanged);
});

test('unsaved edits in an open serverless.yml update the tree', async () => {
  const doc = await vscode.workspace.openTextDocument(join(root(), 'jobs', 'serverless.yaml'));
  const original = doc.getText();
  const editor = await vscode.window.showTextDocument(doc);
  const line = doc.getText().split('\n').findIndex((l) => l.includes('memorySize: 128'));
  await editor.edit((e) => e.replace(new vscode.Range(line, 0, line, doc.lineAt(line).text.length), '  memorySize: 1024'));
  try {
    await waitFor('the edited memory size', async () => (await findFunction('nightly-cleanup'))?.description.includes('1024 MB'), treeChanged);
  } finally {
    // The text back and saved, so closing asks nothing (a "Save changes?" dialog would hold the suite).
    const back = new vscode.WorkspaceEdit();
    back.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), original);
    await vscode.workspace.applyEdit(back);
    await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  await waitFor('the memory size on disk', async () => (await findFunction('nightly-cleanup'))?.description.includes('128 MB'), treeChanged);
});

test('test events: new from a template, rename, duplicate, delete', async () => {
  const orders = await fn('orders-api');
  const dir = join(root(), 'orders', '.scf', 'events', 'orders-api');
  const created = await vscode.commands.executeCommand<{ name: string; file: string }>('scf.newEvent', orders, { template: 'timer', name: 'nightly', open: false });
  assert.equal(created?.file, join(dir, 'nightly.json'));
  assert.equal(JSON.parse(readFileSync(created.file, 'utf8')).Type, 'Timer');
  // The API Gateway template takes the function's own apigw endpoint (POST /orders), not the template's.
  const request = await vscode.commands.executeCommand<{ name: string; file: string }>('scf.newEvent', orders, { template: 'apigateway', name: 'order', open: false });
  try {
    const body = JSON.parse(readFileSync(request!.file, 'utf8')) as { httpMethod: string; path: string };
    assert.deepEqual([body.httpMethod, body.path], ['POST', '/orders']);
  } finally {
    await vscode.workspace.fs.delete(vscode.Uri.file(request!.file));
  }
  const eventsGroup = async () => (await api.tree.getChildren(orders)).find((g) => g.kind === 'group' && g.group === 'events')!;
  await waitFor('the new event in the tree', async () => (await api.tree.getChildren(await eventsGroup())).some((e) => e.label === 'nightly'), (l) => api.tree.onDidChangeTreeData(l));

  const node = (await api.tree.getChildren(await eventsGroup())).find((e) => e.label === 'nightly')!;
  const renamed = await vscode.commands.executeCommand<{ name: string; file: string }>('scf.renameEvent', node, 'nightlyRun');
  assert.equal(renamed?.name, 'nightlyRun');
  assert.ok(!existsSync(join(dir, 'nightly.json')) && existsSync(join(dir, 'nightlyRun.json')));
  const renamedNode = { ...node, event: { ...renamed, functionName: 'orders-api' } } as TreeNode;
  const copy = await vscode.commands.executeCommand<{ name: string }>('scf.duplicateEvent', renamedNode);
  assert.equal(copy?.name, 'nightlyRun-copy');
  assert.equal(await vscode.commands.executeCommand('scf.deleteEvent', renamedNode, { confirm: false }), true);
  assert.equal(await vscode.commands.executeCommand('scf.deleteEvent', { ...renamedNode, event: { functionName: 'orders-api', name: 'nightlyRun-copy', file: join(dir, 'nightlyRun-copy.json') } }, { confirm: false }), true);
  assert.ok(!existsSync(join(dir, 'nightlyRun.json')) && !existsSync(join(dir, 'nightlyRun-copy.json')));
});

test('Invoke Locally runs the handler and reports 200 with the result in the output and the status bar', async () => {
  const outcome = await invoke('orders-api', 'paid');
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.equal(outcome.value.statusCode, 200);
  assert.deepEqual((outcome.value.result as { items: number[] }).items, [1, 2, 3]);
  const text = api.output.text();
  assert.match(text, /── Invoke orders-api with test event "paid"/);
  assert.match(text, /START RequestId: [0-9a-f-]{36}/);
  assert.match(text, /received event with keys orderId, status/);
  assert.match(text, /table orders/);
  assert.match(text, /Status: 200 Success/);
  assert.match(text, /"items": \[/);
  assert.match(api.status.text, /^\$\(pass\) SCF 200 · \d+ ms$/);
});

test('a built-in template can be sent, and Invoke Again repeats the last invocation', async () => {
  const first = await invoke('orders-api', 'apigateway');
  assert.ok(first.ok && first.value.statusCode === 200);
  const again = await vscode.commands.executeCommand<InvokeOutcome>('scf.invokeAgain');
  assert.ok(again?.ok && again.value.statusCode === 200);
  assert.notEqual(again.value.requestId, first.value.requestId);
  assert.match(api.output.text(), /received event with keys requestContext, headers, body/);
});

test('a broken event file is reported with its line before anything runs', async () => {
  const before = api.output.text().length;
  const outcome = await vscode.commands.executeCommand('scf.invoke', await fn('orders-api'), { event: 'broken' });
  assert.equal(outcome, undefined, 'nothing was invoked');
  const uri = vscode.Uri.file(join(root(), 'orders', '.scf', 'events', 'orders-api', 'broken.json'));
  const diagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'SCF test event');
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]!.range.start.line, 3, 'the trailing comma is reported where the object closes (line 4)');
  assert.doesNotMatch(api.output.text().slice(before), /START RequestId/);
});

test('a handler that throws ends with 430 and an error colour in the status bar', async () => {
  const orders = await fn('orders-api');
  const created = await vscode.commands.executeCommand<{ name: string; file: string }>('scf.newEvent', orders, { template: 'hello-world', name: 'failing', open: false });
  try {
    await vscode.workspace.fs.writeFile(vscode.Uri.file(created.file), Buffer.from('{"fail": "no stock"}'));
    const outcome = await invoke('orders-api', 'failing');
    assert.ok(outcome.ok);
    assert.equal(outcome.value.statusCode, 430);
    assert.match(api.output.text(), /Status: 430 User code exception caught/);
    assert.match(api.output.text(), /order rejected: no stock/);
    assert.match(api.status.text, /^\$\(error\) SCF 430 User code exception caught · \d+ ms$/);
  } finally {
    await vscode.workspace.fs.delete(vscode.Uri.file(created.file));
  }
});

test('Stop Invocation ends a running invocation with 499', async () => {
  const before = api.output.text().length;
  const running = vscode.commands.executeCommand<InvokeOutcome>('scf.invoke', await fn('orders-api'), { event: 'slow' });
  // The timeout is 3 s and the handler sleeps 10 s: stop it as soon as it has started.
  await waitFor('the handler to start', () => api.output.text().slice(before).includes('received event with keys sleepMs'), undefined, 15000);
  await vscode.commands.executeCommand('scf.stopInvocation');
  const outcome = await running;
  assert.ok(outcome?.ok, JSON.stringify(outcome));
  assert.equal(outcome.value.statusCode, 499);
});

test('scf.invoke.timeoutOverride replaces the timeout from serverless.yml', async () => {
  const config = vscode.workspace.getConfiguration('scf.invoke');
  await config.update('timeoutOverride', 1, vscode.ConfigurationTarget.Workspace);
  try {
    // serverless.yml says 3 s; the handler sleeps 10 s; the override ends it at 1 s.
    const outcome = await invoke('orders-api', 'slow');
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(outcome.value.statusCode, 433);
    assert.ok(outcome.value.durationMs < 3000, `ended by the 1 s override, not the 3 s timeout (${outcome.value.durationMs} ms)`);
    assert.match(api.output.text(), /Status: 433 TimeLimitReached/);
  } finally {
    await config.update('timeoutOverride', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('a Python handler runs too (when python3 is installed); what is said about it names its serverless.yaml', async () => {
  const outcome = await invoke('nightly-cleanup', 'timer');
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.equal(outcome.value.statusCode, 200, api.output.text().slice(-2000));
  assert.deepEqual(outcome.value.result, { removed: 3, function: 'nightly-cleanup' });
  assert.match(api.output.text(), /── Invoke nightly-cleanup with template "Timer" \(sync\) · jobs\/serverless\.yaml/);
  // Past its 1 s timeout: the advice names the file the function is in.
  const before = api.output.text().length;
  const overrun = await invoke('nightly-cleanup', 'overrun');
  assert.ok(overrun.ok && overrun.value.statusCode === 433, JSON.stringify(overrun));
  const text = api.output.text().slice(before);
  assert.match(text, /Fix: Raise `timeout` in serverless\.yaml/);
  assert.doesNotMatch(text, /serverless\.yml/);
  await vscode.commands.executeCommand('notifications.clearAll');
});

test('SCF: Start Local HTTP Gateway serves the apigw routes of the workspace, with each request in the SCF output; Stop ends it', async () => {
  const url = await vscode.commands.executeCommand<string | undefined>('scf.startGateway');
  assert.ok(url && /^http:\/\/127\.0\.0\.1:\d+$/.test(url), `the gateway's address: ${url}`);
  assert.equal(api.services.texts.gateway, `$(globe) Gateway :${new URL(url).port}`, 'a status bar item while it runs');
  assert.doesNotMatch(api.output.text(), /Press Ctrl\+C/, 'no terminal advice in the editor');
  const res = await fetch(`${url}/orders`, { method: 'POST', body: '{"item":"tea"}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { ok: boolean }).ok, true);
  await waitFor('the request in the SCF output', () => /POST \/orders -> orders-api 200/.test(api.output.text()));
  assert.match(api.output.text(), /\[orders-api\] received event with keys requestContext/);
  await vscode.commands.executeCommand('scf.stopGateway');
  await waitFor('the status bar item to go', () => api.services.texts.gateway === '');
  await waitFor('the gateway to stop', async () => {
    try {
      await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
      return false;
    } catch {
      return true;
    }
  });
});

test('two functions on one gateway route: the gateway says so in the output and a notification', async () => {
  const dir = vscode.Uri.file(join(root(), 'dup'));
  await vscode.workspace.fs.writeFile(
    vscode.Uri.joinPath(dir, 'serverless.yml'),
    Buffer.from('component: scf\nname: dup\ninputs:\n  name: dup-orders\n  src: ./\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  events:\n    - apigw:\n        name: api\n        parameters:\n          endpoints:\n            - path: /orders\n              method: POST\n'),
  );
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'index.js'), Buffer.from('exports.main_handler = async () => ({ dup: true });\n'));
  try {
    await waitFor('the second function in the tree', () => findFunction('dup-orders'), treeChanged);
    const url = await vscode.commands.executeCommand<string | undefined>('scf.startGateway');
    assert.ok(url, 'the gateway started');
    const conflicts = api.gateway.conflicts();
    assert.equal(conflicts.length, 1, conflicts.join('; '));
    assert.match(conflicts[0]!, /POST \/orders/);
    assert.match(conflicts[0]!, /orders-api/);
    assert.match(conflicts[0]!, /dup-orders/);
    await waitFor('the warning in the SCF output', () => /\[WARN\] route conflict: .*POST \/orders/.test(api.output.text()));
  } finally {
    await vscode.commands.executeCommand('scf.stopGateway');
    await vscode.workspace.fs.delete(dir, { recursive: true });
  }
  await waitFor('the second function to go', async () => (await findFunction('dup-orders')) === undefined, treeChanged);
});

test('quick fixes that fix: the handler to the file that defines it, the cron expression to 7 fields, the trigger kind', async () => {
  const uri = vscode.Uri.file(join(root(), 'mistakes', 'serverless.yml'));
  const doc = await vscode.workspace.openTextDocument(uri);
  const original = doc.getText();
  await vscode.window.showTextDocument(doc);
  await waitFor('the mistakes file\'s problems', () => vscode.languages.getDiagnostics(uri).length === 4, (l) => vscode.languages.onDidChangeDiagnostics(l), 20000);
  const titlesAt = async (text: string) => {
    const line = doc.getText().split('\n').findIndex((l) => l.includes(text));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(line, 0, line, doc.lineAt(line).text.length), vscode.CodeActionKind.QuickFix.value);
    return actions.map((a) => a.title);
  };
  const handler = await titlesAt('handler: app.main_handler');
  assert.equal(handler[0], 'Change handler to `index.main_handler`', handler.join('; '));
  assert.ok(handler.some((t) => /^Create app\.js/.test(t)), handler.join('; '));
  assert.deepEqual(await titlesAt('cronExpression'), ["Change to '0 */1 * * * * *'"]);
  assert.deepEqual(await titlesAt('runtime: Nodejs99.1'), ['Change to `Nodejs20.15`', 'Change to `Nodejs18.15`', 'Change to `Nodejs16.13`']);
  const completion = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(doc.getText().split('\n').findIndex((l) => l.includes('runtime:')), '  runtime: '.length));
  const runtimeItems = completion.items.filter((i) => /^(Nodejs|Python)/.test(typeof i.label === 'string' ? i.label : i.label.label));
  const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);
  const sorted = [...runtimeItems].sort((a, b) => String(a.sortText).localeCompare(String(b.sortText))).map(label);
  assert.equal(sorted[0], 'Nodejs20.15', sorted.join(', '));
  assert.ok(runtimeItems.filter((i) => i.tags?.includes(vscode.CompletionItemTag.Deprecated)).map(label).includes('Nodejs8.9'), 'deprecated runtimes are marked');
  assert.equal((await titlesAt('apigateway'))[0], 'Change `apigateway` to `apigw`');
  // Each fix applied (the first one offered, as Ctrl+. then Enter would), its problem goes; after all
  // four the file has none left.
  const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);
  try {
  for (const [text, code, after] of [
    ['handler: app.main_handler', 'scf.handler.fileMissing', 'handler: index.main_handler'],
    ['runtime: Nodejs99.1', 'scf.schema.enum', 'runtime: Nodejs20.15'],
    ['cronExpression', 'scf.timer.cronFields', "cronExpression: '0 */1 * * * * *'"],
    ['apigateway', 'scf.schema.trigger', '- apigw:'],
  ] as const) {
    const line = doc.getText().split('\n').findIndex((l) => l.includes(text));
    const [fix] = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(line, 0, line, doc.lineAt(line).text.length), vscode.CodeActionKind.QuickFix.value);
    assert.ok(fix?.edit && (await vscode.workspace.applyEdit(fix.edit)), `the fix for ${code} applies`);
    assert.match(doc.getText(), new RegExp(after.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `${fix.title} wrote ${after}`);
    await waitFor(`the ${code} problem to go`, () => !vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === code), (l) => vscode.languages.onDidChangeDiagnostics(l), 15000);
  }
  await waitFor('no problem left in the file', () => vscode.languages.getDiagnostics(uri).length === 0, (l) => vscode.languages.onDidChangeDiagnostics(l), 15000).catch(() => {
    throw new Error(`left: ${vscode.languages.getDiagnostics(uri).map((d) => `${codeOf(d)} ${d.message}`).join('; ')}`);
  });
  } finally {
    // Back to the text on disk (the harness shows the same fix in the editor), saved: nothing is left dirty.
    const back = new vscode.WorkspaceEdit();
    back.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), original);
    await vscode.workspace.applyEdit(back);
    await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  assert.equal(readFileSync(uri.fsPath, 'utf8'), original);
});

test('the function of the active editor: Invoke runs it (its handler file, or a test event of it), New Test Event preselects it', async () => {
  await vscode.window.showTextDocument(vscode.Uri.file(join(root(), 'orders', '.scf', 'events', 'orders-api', 'paid.json')));
  const outcome = await vscode.commands.executeCommand<InvokeOutcome>('scf.invoke');
  assert.ok(outcome?.ok && outcome.value.statusCode === 200, JSON.stringify(outcome));
  assert.match(api.output.text(), /── Invoke orders-api with test event "paid" \(sync\)/);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
});

test('Invoke Locally (Async): accepted at once, then the event runs with SCF\'s async semantics', async () => {
  const outcome = await vscode.commands.executeCommand<InvokeOutcome>('scf.invokeAsync', await fn('orders-api'), { event: 'paid' });
  assert.ok(outcome?.ok, JSON.stringify(outcome));
  assert.equal(outcome.value.invocationType, 'Event');
  assert.equal(outcome.value.asyncOutcome, 'succeeded');
  const text = api.output.text();
  assert.match(text, /── Invoke orders-api with test event "paid" \(async\)/);
  assert.match(text, /Accepted \(async\): RequestId [0-9a-f-]{36}/);
  assert.match(text, /Async: succeeded on attempt 1/);
});

test('an async event queued before the editor started was resumed at start and ran', async () => {
  assert.equal(await api.resumed, 1, 'the fixture\'s journal held one event');
  await waitFor('the resumed event\'s log', () => /received event with keys resumed/.test(api.output.text()), undefined, 20000);
  await waitFor('its ending', () => /Async event [0-9a-f-]+ of orders-api: succeeded on attempt 1/.test(api.output.text()), undefined, 20000);
  assert.match(api.output.text(), /Resumed 1 queued async event of orders\/serverless\.yml/);
});

test('deploy to the local endpoint, see it in the Deployed view, invoke it there in the local invoke\'s format', async () => {
  const orders = await fn('orders-api');
  const deployed = await vscode.commands.executeCommand<{ created: boolean; status: string } | undefined>('scf.deploy', orders, { target: 'local' });
  assert.ok(deployed, 'deployed');
  assert.equal(deployed.status, 'Active');
  await waitFor('the endpoint status bar item', () => /Endpoint :\d+/.test(api.services.texts.endpoint));
  const nodes = await api.deploy.deployed.functionsOf('local');
  const node = nodes.find((n) => n.kind === 'deployedFunction' && n.label === 'orders-api');
  assert.ok(node, nodes.map((n) => n.label).join(', '));
  const before = api.output.text().length;
  const result = await vscode.commands.executeCommand<{ statusCode: number; result: unknown } | undefined>('scf.deployed.invoke', node, { event: 'paid' });
  assert.equal(result?.statusCode, 200, JSON.stringify(result));
  const text = api.output.text().slice(before);
  assert.match(text, /── Invoke orders-api with test event "paid" \(sync\) · deployed on the local endpoint/);
  assert.match(text, /START RequestId/);
  assert.match(text, /Status: 200 Success · Duration: [\d.]+ ms · Billed Duration: \d+ ms · Max Memory Used: [\d.]+ MB of 256 MB/);
  assert.match(text, /"items": \[/);
  assert.match(api.status.text, /^\$\(pass\) SCF 200 · \d+ ms$/);
});

test('the invoke result is left in the output for the screenshot', async () => {
  const outcome = await invoke('orders-api', 'paid');
  assert.ok(outcome.ok && outcome.value.statusCode === 200);
  await vscode.commands.executeCommand('scf.showOutput');
  await vscode.commands.executeCommand('notifications.clearAll');
});

/** The entry point @vscode/test-electron calls; throws when a scenario failed. */
export async function run(): Promise<void> {
  const results = await runSuite((line) => console.log(line));
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`${failed.length} of ${results.length} integration scenarios failed: ${failed.map((f) => f.name).join('; ')}`);
}

export function runSuite(log: (line: string) => void): Promise<TestResult[]> {
  return runAll(log);
}
