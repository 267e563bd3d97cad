/**
 * SCF Toolkit's entry point: wires the parts, owns no logic. This bundle (dist/extension.js) is the one
 * VS Code compiles on the editor's thread with no code cache, so it holds only what activate() needs:
 * the Functions view (its content follows, src/views/treeProxy.ts) and a stand-in for every command.
 * activate() resolves at once; the working parts load after it, each in a task of its own and through
 * V8's code cache (src/views/bundleCache.ts): dist/core.js (commands/core.ts: the tree's content,
 * Invoke, test events, the output), then dist/deferred.js (commands/deferred.ts: the language client,
 * deploy, Test Explorer, CodeLens, gateway). A command that runs before its part has loaded (it may be
 * what activated the extension) loads that part at once and runs (CORE_COMMANDS, DEFERRED_COMMANDS,
 * checked against the registrations by test/views/deferredCommands.test.ts).
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { Core } from './commands/core';
import type { DeferredApi } from './commands/deferred';
import type { EventCommands } from './commands/events';
import type { Invoker } from './commands/invoke';
import type { FunctionsTree, TreeNode } from './views/functionsTree';
import type { OutputView } from './views/output';
import type { InvocationStatus } from './views/statusBar';
import { createBundleCache, type BundleCache } from './views/bundleCache';
import { TreeProxy } from './views/treeProxy';

/** What activate() resolves to: the integration tests drive the extension through it. */
export interface ScfToolkitApi {
  tree: FunctionsTree;
  output: OutputView;
  status: InvocationStatus;
  invoker: Invoker;
  events: EventCommands;
  deploy: DeferredApi['deploy'];
  languageClient: DeferredApi['languageClient'];
  gateway: DeferredApi['gateway'];
  services: DeferredApi['services'];
  /** How many queued async events were resumed at start. */
  resumed: DeferredApi['resumed'];
}

/** The commands commands/core.ts registers (with the modules it imports). */
export const CORE_COMMANDS = [
  'scf.invoke',
  'scf.debugFunction',
  'scf.invokeAsync',
  'scf.invokeAgain',
  'scf.stopInvocation',
  'scf.newEvent',
  'scf.editEvent',
  'scf.renameEvent',
  'scf.duplicateEvent',
  'scf.deleteEvent',
  'scf.openDefinition',
  'scf.showOutput',
  'scf.getStarted',
  'scf.refresh',
  'scf.newFunction',
];

/** The commands commands/deferred.ts registers. */
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

/** The libraries the parts load in pieces once they have started (scripts/build.mjs names the files). */
const LIBRARIES = { yaml: 'vendor/yaml.js', picomatch: 'vendor/picomatch.js', languageClient: 'vendor/vscode-languageclient-node.js' };
export type Library = keyof typeof LIBRARIES;

let core: Core | undefined;
let bundles: BundleCache | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ScfToolkitApi> {
  const cache = createBundleCache({ root: __dirname, cacheDirs: [join(context.extensionPath, '.cache'), context.globalStorageUri.fsPath], parent: module });
  bundles = cache;
  const dist = (file: string) => join(__dirname, file);
  const proxy = new TreeProxy<TreeNode>();
  const view = vscode.window.createTreeView('scf.functions', { treeDataProvider: proxy, showCollapseAll: true });
  const standIns = (ids: string[], load: () => unknown) =>
    ids.map((id) =>
      vscode.commands.registerCommand(id, (...args: unknown[]) => {
        load();
        return vscode.commands.executeCommand(id, ...args);
      }),
    );
  const coreStandIns = standIns(CORE_COMMANDS, () => loadCore());
  const deferredStandIns = standIns(DEFERRED_COMMANDS, () => loadDeferred());
  let deferred: DeferredApi | undefined;
  function loadCore(): Core {
    if (core) return core;
    for (const s of coreStandIns) s.dispose();
    const start = { preload: async (library: Library) => void (await cache.loadInPieces(dist(LIBRARIES[library]))), turn: cache.turn };
    core = cache.load<typeof import('./commands/core')>(dist('core.js')).startCore(context, view, start);
    proxy.serve(core.tree);
    return core;
  }
  function loadDeferred(): DeferredApi {
    if (deferred) return deferred;
    const c = loadCore();
    for (const s of deferredStandIns) s.dispose();
    deferred = c.loadDeferred();
    return deferred;
  }
  void vscode.commands.executeCommand('setContext', 'scf.activated', true);

  // Each part in a task of its own; the code cache of what had none is written once the session has
  // settled (it then holds the functions that ran, not only the bundles' top level).
  const timers = new Set<NodeJS.Timeout>();
  let ended = false;
  const later = (ms: number, run: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      run();
    }, ms);
    timers.add(t);
  };
  later(0, () => {
    // The first session after an install or update has no code cache yet: a worker thread produces it
    // (src/views/bundleCacheWorker.ts) and each bundle below waits for its data.
    cache.produceOffThread([dist('core.js'), dist(LIBRARIES.yaml), dist(LIBRARIES.picomatch), dist('deferred.js'), dist(LIBRARIES.languageClient)]);
    // Each bundle in a task of its own (what it requires first), then the part starts in the next one.
    // A failed load throws again, and is reported, where the part is loaded synchronously.
    void cache
      .loadInPieces(dist('core.js'))
      .catch(() => undefined)
      .then(cache.turn)
      .then(() => {
        if (ended) return;
        loadCore();
        return cache.loadInPieces(dist('deferred.js')).catch(() => undefined);
      })
      .then(cache.turn)
      .then(() => {
        if (ended) return;
        loadDeferred();
        later(3000, () => void cache.save());
      });
  });
  context.subscriptions.push(proxy, view, ...coreStandIns, ...deferredStandIns, { dispose: () => ((ended = true), timers.forEach(clearTimeout)) });
  return {
    get tree() {
      return loadCore().tree;
    },
    get output() {
      return loadCore().output;
    },
    get status() {
      return loadCore().status;
    },
    get invoker() {
      return loadCore().invoker;
    },
    get events() {
      return loadCore().events;
    },
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
  await core?.deactivate();
  core = undefined;
  // A session closed before the code cache was written (see activate) writes it now.
  bundles?.dispose();
  await bundles?.save();
}
