/**
 * SCF Toolkit's entry point: wires the parts, owns no logic. activate() only creates the views and
 * registers commands, and resolves; the parts in commands/deferred.ts (the language client, deploy,
 * Test Explorer, CodeLens, gateway) load on a later turn of the event loop, in a task of their own, or
 * at once when one of their commands runs first (DEFERRED_COMMANDS) or the API asks for them.
 * Libraries load on first use (scripts/build.mjs, lazyVendors), so the editor's thread (shared with
 * every other extension) is not held by what a session may never need.
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

/**
 * The commands commands/deferred.ts registers. Until it has loaded, each of these is a stand-in that
 * loads it and runs the command again, so a command that activated the extension finds its handler
 * (test/views/deferredCommands.test.ts checks this list against the registrations).
 */
export const DEFERRED_COMMANDS = [
  'scf.deploy',
  'scf.deployTo',
  'scf.deployed.invoke',
  'scf.deployed.showLogs',
  'scf.deployed.delete',
  'scf.deployed.refresh',
  'scf.deployed.stopLocalEndpoint',
  'scf.endpointActions',
  'scf.setCredentials',
  'scf.clearCredentials',
  'scf.startGateway',
  'scf.stopGateway',
  'scf.gatewayActions',
  'scf.convertTemplate',
  'scf.functionEvents',
  'scf.saveResultAsExpected',
  'scf.runFunctionTests',
];

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

  // The language client, deploy, the Test Explorer, the CodeLens, the gateway and "Convert
  // template.yaml" (commands/deferred.ts, its own bundle) load in a task of their own after this.
  let deferred: DeferredApi | undefined;
  const standIns = DEFERRED_COMMANDS.map((id) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => {
      loadDeferred();
      return vscode.commands.executeCommand(id, ...args);
    }),
  );
  const deps = { tree, output, status, host, files };
  function loadDeferred(): DeferredApi {
    if (deferred) return deferred;
    for (const s of standIns) s.dispose();
    const { registerDeferred } = require('./commands/deferred') as typeof import('./commands/deferred');
    deferred = registerDeferred(context, deps);
    return deferred;
  }
  const later = setTimeout(loadDeferred, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(later) }, ...standIns);
  return {
    tree,
    output,
    status,
    invoker,
    events,
    get deploy() {
      return loadDeferred().deploy;
    },
    get languageClient() {
      return loadDeferred().languageClient;
    },
    get gateway() {
      return loadDeferred().gateway;
    },
    get services() {
      return loadDeferred().services;
    },
    get resumed() {
      return loadDeferred().resumed;
    },
  };
}

export async function deactivate(): Promise<void> {
  invoker?.dispose();
  invoker = undefined;
  // Ends the emulator host and every runtime instance it started.
  await host?.dispose();
  host = undefined;
}
