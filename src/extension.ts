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
import { FunctionsTree } from './views/functionsTree';
import { OutputView } from './views/output';
import { InvocationStatus } from './views/statusBar';
import { EmulatorHost } from './views/emulatorClient';
import { WorkspaceWatcher } from './views/workspaceWatcher';
import { trackActiveFunction } from './views/activeFunction';

/** What activate() resolves to: the integration tests drive the extension through it. */
export interface ScfToolkitApi {
  tree: FunctionsTree;
  output: OutputView;
  status: InvocationStatus;
  invoker: Invoker;
  events: EventCommands;
  deploy: DeployApi;
  languageClient: DeferredApi['languageClient'];
  gateway: DeferredApi['gateway'];
  services: DeferredApi['services'];
  /** How many queued async events were resumed at start. */
  resumed: DeferredApi['resumed'];
}

let invoker: Invoker | undefined;
let host: EmulatorHost | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ScfToolkitApi> {
  const templatesDir = context.asAbsolutePath('dist/templates');
  const output = new OutputView();
  const status = new InvocationStatus();
  const files = new WorkspaceWatcher();
  // Async events that no invocation of this window waits for (resumed at start): their logs and endings go to the output.
  host = new EmulatorHost(context, { onAsyncLog: (line) => output.log(line), onAsyncFinished: (event) => output.asyncFinished(event) });
  const tree = new FunctionsTree(vscode.Uri.joinPath(context.extensionUri, 'media'), files, context.workspaceState);
  const view = vscode.window.createTreeView('scf.functions', { treeDataProvider: tree, showCollapseAll: true });
  invoker = new Invoker(context, host, tree, output, status, templatesDir);
  const events = new EventCommands(tree, templatesDir);
  context.subscriptions.push(files, output, status, tree, view, tree.track(view), trackActiveFunction(tree), ...invoker.register(), ...events.register(), ...registerMiscCommands(tree, output));
  void vscode.commands.executeCommand('setContext', 'scf.activated', true);

  // Deploy, the Test Explorer, the CodeLens and "Convert template.yaml" (commands/deferred.ts, its own
  // bundle) are wired on the next turn. VS Code runs a command that activated us only after this
  // promise resolves, so their commands are there when needed; the editor goes on meanwhile.
  await new Promise((resolve) => setImmediate(resolve));
  const { registerDeferred } = require('./commands/deferred') as typeof import('./commands/deferred');
  const { deploy, languageClient, gateway, services, resumed } = registerDeferred(context, { tree, output, status, host, files });
  return { tree, output, status, invoker, events, deploy, languageClient, gateway, services, resumed };
}

export async function deactivate(): Promise<void> {
  invoker?.dispose();
  invoker = undefined;
  // Ends the emulator host and every runtime instance it started.
  await host?.dispose();
  host = undefined;
}
