/**
 * Scenarios for a workspace that is not trusted (Restricted Mode): the tree and validation work,
 * nothing runs user code.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import type { ScfToolkitApi } from '../../../src/extension';
import type { TreeNode } from '../../../src/views/treeModel';
import { runAll, test, waitFor, type TestResult } from './harness';

let api: ScfToolkitApi;

test('the workspace is not trusted and the extension still activates', async () => {
  assert.equal(vscode.workspace.isTrusted, false);
  const ext = vscode.extensions.getExtension<ScfToolkitApi>('scf-toolkit.scf-toolkit');
  assert.ok(ext);
  api = await ext.activate();
  await api.tree.whenReady();
});

test('the tree lists the functions', async () => {
  const labels: string[] = [];
  for (const node of await api.tree.getChildren()) {
    labels.push(node.label);
    if (node.kind === 'file') for (const c of await api.tree.getChildren(node)) labels.push(c.label);
  }
  assert.ok(labels.includes('orders-api'), labels.join(', '));
});

test('Invoke Locally refuses to run code and says why', async () => {
  const orders = (await api.tree.getChildren()).flatMap((n) => (n.kind === 'file' ? [n] : [])).find((n) => n.label === 'orders');
  assert.ok(orders);
  const fnNode = (await api.tree.getChildren(orders)).find((n): n is Extract<TreeNode, { kind: 'function' }> => n.kind === 'function');
  const before = api.output.text();
  const outcome = await vscode.commands.executeCommand('scf.invoke', fnNode, { event: 'paid' });
  assert.equal(outcome, undefined);
  assert.equal(api.output.text(), before, 'nothing was invoked');
  const again = await vscode.commands.executeCommand('scf.invokeAgain');
  assert.equal(again, undefined);
});

test('event files are still checked', async () => {
  const root = vscode.workspace.workspaceFolders![0]!.uri;
  const uri = vscode.Uri.joinPath(root, 'orders', '.scf', 'events', 'orders-api', 'broken.json');
  // Checked at start-up, without any invoke.
  await waitFor('the broken event file\'s problem', () => vscode.languages.getDiagnostics(uri).some((d) => d.source === 'SCF test event'), (l) => vscode.languages.onDidChangeDiagnostics(l), 30000);
  assert.equal(vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'SCF test event').length, 1);
});

test('serverless.yml files are checked too, without being opened', async () => {
  const root = vscode.workspace.workspaceFolders![0]!.uri;
  const uri = vscode.Uri.joinPath(root, 'mistakes', 'serverless.yml');
  await waitFor('the mistakes file\'s problems', () => vscode.languages.getDiagnostics(uri).length === 4, (l) => vscode.languages.onDidChangeDiagnostics(l), 30000);
});

export function runSuite(log: (line: string) => void): Promise<TestResult[]> {
  return runAll(log);
}
