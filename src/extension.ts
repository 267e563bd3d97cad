/**
 * SCF Toolkit's entry point: wires the parts, owns no logic. The synchronous part of activation only
 * creates the views and registers commands; the workspace scan and the parts in commands/deferred.ts
 * (deploy, Test Explorer, CodeLens) follow on the next turn of the event loop so they do not hold up
 * the editor.
 */
import * as vscode from 'vscode';
import type { DeployApi } from './commands/deploy';
import type { DeferredApi } from './commands/deferred';
import { EventCommands } from './commands/events';
import { Invoker } from './commands/invoke';
import { registerMiscCommands } from './commands/misc';
import { EventDiagnostics } from './views/eventDiagnostics';
import { FunctionsTree } from './views/functionsTree';
import { OutputView } from './views/output';
import { InvocationStatus } from './views/statusBar';

/** What activate() resolves to: the integration tests drive the extension through it. */
export interface ScfToolkitApi {
  tree: FunctionsTree;
  output: OutputView;
  status: InvocationStatus;
  invoker: Invoker;
  events: EventCommands;
  diagnostics: EventDiagnostics;
  deploy: DeployApi;
  languageClient: DeferredApi['languageClient'];
}

let invoker: Invoker | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ScfToolkitApi> {
  const templatesDir = context.asAbsolutePath('dist/templates');
  const output = new OutputView();
  const status = new InvocationStatus();
  const diagnostics = new EventDiagnostics();
  const tree = new FunctionsTree(vscode.Uri.joinPath(context.extensionUri, 'media'));
  const view = vscode.window.createTreeView('scf.functions', { treeDataProvider: tree, showCollapseAll: true });
  invoker = new Invoker(context, tree, output, status, diagnostics, templatesDir);
  const events = new EventCommands(tree, templatesDir);
  context.subscriptions.push(output, status, diagnostics, tree, view, ...invoker.register(), ...events.register(), ...registerMiscCommands(tree, output));
  void vscode.commands.executeCommand('setContext', 'scf.activated', true);

  // Deploy, the Test Explorer, the CodeLens and "Convert template.yaml" (commands/deferred.ts, its own
  // bundle) are wired on the next turn. VS Code runs a command that activated us only after this
  // promise resolves, so their commands are there when needed; the editor goes on meanwhile.
  await new Promise((resolve) => setImmediate(resolve));
  const { registerDeferred } = require('./commands/deferred') as typeof import('./commands/deferred');
  const { deploy, languageClient } = registerDeferred(context, { tree, output });
  void diagnostics.checkAll();
  return { tree, output, status, invoker, events, diagnostics, deploy, languageClient };
}

export async function deactivate(): Promise<void> {
  await invoker?.dispose();
  invoker = undefined;
}
