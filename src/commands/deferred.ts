/**
 * The parts activate() wires on the next turn of the event loop, bundled as their own file
 * (dist/deferred.js, see scripts/build.mjs): the serverless.yml language client, deploy (the Tencent
 * Cloud SDK), the Test Explorer controller, the CodeLens and "Convert template.yaml". They read serverless.yml and schemas when
 * they start, which the editor should not wait for while the extension activates.
 */
import type * as vscode from 'vscode';
import { registerDeploy, type DeployApi } from './deploy';
import { registerConvertTemplate } from './convertTemplate';
import { registerGateway, type GatewayApi } from './gateway';
import { registerAsyncResume } from './asyncResume';
import { registerCodeLens } from '../views/codeLens';
import { startLanguageClient } from '../views/languageClient';
import { registerTestController } from '../views/testController';
import type { FunctionsTree } from '../views/functionsTree';
import type { OutputView } from '../views/output';
import type { EmulatorHost } from '../views/emulatorClient';
import type { WorkspaceWatcher } from '../views/workspaceWatcher';
import { ServicesStatus } from '../views/servicesStatus';
import type { InvocationStatus } from '../views/statusBar';
import type { Library } from '../extension';

export interface DeferredApi {
  deploy: DeployApi;
  gateway: GatewayApi;
  services: ServicesStatus;
  /** How many queued async events were resumed at start. */
  resumed: Promise<number>;
  /** Resolves once the serverless.yml language client has started (rejects if it could not). */
  languageClient: ReturnType<typeof startLanguageClient>;
}

export interface DeferredDeps {
  tree: FunctionsTree;
  output: OutputView;
  status: InvocationStatus;
  host: EmulatorHost;
  files: WorkspaceWatcher;
  /** Loads a library's bundle and the bundles it requires, each in a task of its own. */
  preload(library: Library): Promise<void>;
  /** Resolves in a turn of the event loop of its own, after every earlier caller's. */
  turn(): Promise<void>;
}

export function registerDeferred(context: vscode.ExtensionContext, deps: DeferredDeps): DeferredApi {
  // Validation works in untrusted workspaces too: the server only reads files.
  // The language client's library loads in pieces (one bundle per task), then the client starts in a
  // task of its own, and so do the resumed async events: the editor's thread is never held for all of
  // it at once. (Were the library's file renamed, preloading fails and the client loads it at once.)
  const languageClient = deps
    .turn()
    .then(() => deps.preload('languageClient'))
    .catch(() => undefined)
    .then(deps.turn)
    .then(() => startLanguageClient(context, deps.files.watcher, deps.turn));
  languageClient.catch((e: unknown) => deps.output.info(`The serverless.yml language server did not start: ${(e as Error)?.message ?? String(e)}`));
  const services = new ServicesStatus(); // status bar items while the gateway or the local endpoint runs
  context.subscriptions.push(services);
  const deploy = registerDeploy(context, { ...deps, services });
  registerTestController(context, deps.host, deps.files); // test events in the Test Explorer
  registerCodeLens(context, deps.files); // Invoke | Debug | Events
  registerConvertTemplate(context); // TCSAM template.yaml -> serverless.yml
  const gateway = registerGateway(context, { ...deps, services }); // the local HTTP gateway, as its own process
  // Async events queued before the editor last closed run again now (trusted workspaces only).
  const resumed = deps.turn().then(() => registerAsyncResume(context, deps.tree, deps.host, deps.output));
  return { deploy, languageClient, gateway, services, resumed };
}
