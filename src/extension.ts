/**
 * SCF Toolkit's entry point: wires the parts, owns no logic. Activation only creates objects and
 * registers commands; the workspace scan and the language server start in the background.
 */
import * as vscode from 'vscode';
import { EventCommands } from './commands/events';
import { Invoker } from './commands/invoke';
import { registerMiscCommands } from './commands/misc';
import { registerConvertTemplate } from './commands/convertTemplate';
import { EventDiagnostics } from './views/eventDiagnostics';
import { registerCodeLens } from './views/codeLens';
import { FunctionsTree } from './views/functionsTree';
import { OutputView } from './views/output';
import { InvocationStatus } from './views/statusBar';
import { registerTestController } from './views/testController';

/** What activate() returns: the integration tests drive the extension through it. */
export interface ScfToolkitApi {
  tree: FunctionsTree;
  output: OutputView;
  status: InvocationStatus;
  invoker: Invoker;
  events: EventCommands;
  diagnostics: EventDiagnostics;
}

let invoker: Invoker | undefined;

export function activate(context: vscode.ExtensionContext): ScfToolkitApi {
  const templatesDir = context.asAbsolutePath('dist/templates');
  const output = new OutputView();
  const status = new InvocationStatus();
  const diagnostics = new EventDiagnostics();
  const tree = new FunctionsTree(vscode.Uri.joinPath(context.extensionUri, 'media'));
  const view = vscode.window.createTreeView('scf.functions', { treeDataProvider: tree, showCollapseAll: true });
  invoker = new Invoker(context, tree, output, status, diagnostics, templatesDir);
  const events = new EventCommands(tree, templatesDir);

  context.subscriptions.push(output, status, diagnostics, tree, view, ...invoker.register(), ...events.register(), ...registerMiscCommands(tree, output));
  registerTestController(context); // test events in the Test Explorer
  registerCodeLens(context); // Invoke | Debug | Events
  registerConvertTemplate(context); // TCSAM template.yaml -> serverless.yml
  void vscode.commands.executeCommand('setContext', 'scf.activated', true);
  return { tree, output, status, invoker, events, diagnostics };
}

export async function deactivate(): Promise<void> {
  await invoker?.dispose();
  invoker = undefined;
}
