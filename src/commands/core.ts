/**
 * The editor's working parts, bundled as dist/core.js and loaded by src/extension.ts in a task after
 * activate() has resolved (or at once when one of their commands, or the API, needs them): the SCF
 * output, the status bar, the one file watcher, the emulator host, the Functions tree's content,
 * Invoke, test events and the small commands. The rest (commands/deferred.ts: the language client,
 * deploy, the Test Explorer, the CodeLens, the gateway) is its own bundle, loaded by loadDeferred().
 */
import * as vscode from 'vscode';
import type { DeferredApi } from './deferred';
import type { Library } from '../extension';
import { EventCommands } from './events';
import { Invoker } from './invoke';
import { registerMiscCommands } from './misc';
import { FunctionsTree, type TreeNode } from '../views/functionsTree';
import { OutputView } from '../views/output';
import { InvocationStatus } from '../views/statusBar';
import { EmulatorHost } from '../views/emulatorClient';
import { WorkspaceWatcher } from '../views/workspaceWatcher';
import { trackActiveFunction } from '../views/activeFunction';

/** How the parts start on the editor's thread (src/extension.ts, src/views/bundleCache.ts). */
export interface StartUp {
  /** Loads a library's bundle and the bundles it requires, each in a task of its own. */
  preload(library: Library): Promise<void>;
  /** Resolves in a turn of the event loop of its own, after every earlier caller's. */
  turn(): Promise<void>;
}

export interface Core {
  tree: FunctionsTree;
  output: OutputView;
  status: InvocationStatus;
  invoker: Invoker;
  events: EventCommands;
  /** Loads and wires commands/deferred.ts (once). */
  loadDeferred(): DeferredApi;
  /** Ends the emulator host and every runtime instance it started. */
  deactivate(): Promise<void>;
}

/** A serverless.yml with the shapes most have (the cache worker's warm-up, below). */
const SAMPLE = `component: scf
name: hello
app: shop
stage: dev
inputs:
  name: \${name}-\${stage}
  src: ./src
  handler: index.main_handler
  runtime: Nodejs18.15
  region: ap-guangzhou
  memorySize: 128
  timeout: 3
  environment:
    variables:
      TABLE: orders
  events:
    - timer:
        parameters:
          name: every-minute
          cronExpression: "0 */1 * * * * *"
    - apigw:
        parameters:
          endpoints:
            - path: /orders
              method: GET
`;

/**
 * For the first session's code cache worker (src/views/bundleCacheWorker.ts): the tree's first read
 * of a serverless.yml, the model's parse and checks, on a sample in a folder that does not exist, so
 * the editor's first read finds that code in the data. Reads nothing of the workspace.
 */
export function warmUp(): void {
  const { parseServerless } = require('../model') as typeof import('../model');
  parseServerless(SAMPLE, '/nonexistent/scf-toolkit-warm-up/serverless.yml');
}

/**
 * `view`: the Functions view, created by activate() before this loaded. `preload`: loads a bundle of
 * dist/ and what it requires, each in a task of its own (src/views/bundleCache.ts): were a library's
 * file renamed, preloading fails and the first use loads it at once.
 */
export function startCore(context: vscode.ExtensionContext, view: vscode.TreeView<TreeNode>, start: StartUp): Core {
  const { preload, turn } = start;
  const templatesDir = context.asAbsolutePath('dist/templates');
  const output = new OutputView();
  const status = new InvocationStatus();
  const files = new WorkspaceWatcher();
  // Async events that no invocation of this window waits for (resumed at start): their logs and endings go to the output.
  const host = new EmulatorHost(context, { onAsyncLog: (line) => output.log(line), onAsyncFinished: (event) => output.asyncFinished(event) });
  // The YAML library (the tree's parse) and the glob library (the exclude patterns of its first scan)
  // load in tasks of their own before the tree's first scan, not in the same one.
  const librariesLoaded = Promise.all([preload('yaml'), preload('picomatch')]).then(
    () => undefined,
    () => undefined,
  );
  const tree = new FunctionsTree(vscode.Uri.joinPath(context.extensionUri, 'media'), files, context.workspaceState, librariesLoaded, turn);
  const invoker = new Invoker(context, host, tree, output, status, templatesDir);
  const events = new EventCommands(tree, templatesDir);
  context.subscriptions.push(files, output, status, tree, tree.track(view), trackActiveFunction(tree), ...invoker.register(), ...events.register(), ...registerMiscCommands(tree, output));

  let deferred: DeferredApi | undefined;
  return {
    tree,
    output,
    status,
    invoker,
    events,
    loadDeferred() {
      if (deferred) return deferred;
      const { registerDeferred } = require('./deferred') as typeof import('./deferred');
      deferred = registerDeferred(context, { tree, output, status, host, files, preload, turn });
      return deferred;
    },
    async deactivate() {
      invoker.dispose();
      await host.dispose();
    },
  };
}
