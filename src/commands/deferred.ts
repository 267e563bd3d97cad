/**
 * The parts activate() wires on the next turn of the event loop, bundled as their own file
 * (dist/deferred.js, see scripts/build.mjs): the serverless.yml language client, deploy (the Tencent
 * Cloud SDK), the Test Explorer controller, the CodeLens and "Convert template.yaml". They read serverless.yml and schemas when
 * they start, which the editor should not wait for while the extension activates.
 */
import type * as vscode from 'vscode';
import { registerDeploy, type DeployApi } from './deploy';
import { registerConvertTemplate } from './convertTemplate';
import { registerGateway } from './gateway';
import { registerCodeLens } from '../views/codeLens';
import { startLanguageClient } from '../views/languageClient';
import { registerTestController } from '../views/testController';
import type { FunctionsTree } from '../views/functionsTree';
import type { OutputView } from '../views/output';
import type { EmulatorHost } from '../views/emulatorClient';
import type { WorkspaceWatcher } from '../views/workspaceWatcher';

export interface DeferredApi {
  deploy: DeployApi;
  /** Resolves once the serverless.yml language client has started (rejects if it could not). */
  languageClient: ReturnType<typeof startLanguageClient>;
}

export function registerDeferred(context: vscode.ExtensionContext, deps: { tree: FunctionsTree; output: OutputView; host: EmulatorHost; files: WorkspaceWatcher }): DeferredApi {
  // Validation works in untrusted workspaces too: the server only reads files.
  const languageClient = startLanguageClient(context, deps.files.watcher);
  languageClient.catch((e: unknown) => deps.output.info(`The serverless.yml language server did not start: ${(e as Error)?.message ?? String(e)}`));
  const deploy = registerDeploy(context, deps);
  registerTestController(context, deps.host, deps.files); // test events in the Test Explorer
  registerCodeLens(context, deps.files); // Invoke | Debug | Events
  registerConvertTemplate(context); // TCSAM template.yaml -> serverless.yml
  registerGateway(context, deps); // the local HTTP gateway, as its own process
  return { deploy, languageClient };
}
