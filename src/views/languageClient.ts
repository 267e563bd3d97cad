/**
 * Starts the serverless.yml language server (dist/server.js) over IPC for serverless.yml /
 * serverless.yaml files, TCSAM template.yaml and test events. All language logic lives in the server,
 * including the checks of every such file of the workspace, open or not; this file only wires it.
 *
 * With the Red Hat YAML extension installed, one source reports each problem:
 *  - we register a schema contributor with it that gives serverless.yml files an empty schema, so it
 *    does not validate them against another schema (SchemaStore's AWS Serverless Framework schema
 *    also matches serverless.yml) nor repeat our schema errors;
 *  - it still reports YAML syntax errors (when `yaml.validate` is on), so our server is told not to.
 * Without it (or with `yaml.validate: false`) our server reports syntax errors too.
 */
import * as vscode from 'vscode';
import { resolveLayerFolders } from './layerSetting';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

const RED_HAT_YAML = 'redhat.vscode-yaml';
const SCHEME = 'scf-toolkit-schema';

interface RedHatYamlApi {
  registerContributor(schema: string, requestSchema: (resource: string) => string | undefined, requestSchemaContent: (uri: string) => string, label?: string): boolean;
}

function isServerlessFile(resource: string): boolean {
  return /(^|[\\/])serverless\.ya?ml$/i.test(resource.split('?')[0]!);
}

/** Hands serverless.yml files to us; true if the Red Hat extension will still report YAML syntax errors. */
async function coordinateWithRedHatYaml(): Promise<boolean> {
  const ext = vscode.extensions.getExtension<RedHatYamlApi>(RED_HAT_YAML);
  if (!ext) return false;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    if (!api || typeof api.registerContributor !== 'function') return false;
    api.registerContributor(SCHEME, (resource) => (isServerlessFile(resource) ? `${SCHEME}://schemas/serverless-yml-checked-by-scf-toolkit` : undefined), () => '{}', 'checked by SCF Toolkit');
  } catch {
    return false;
  }
  return vscode.workspace.getConfiguration('yaml').get<boolean>('validate', true);
}

/**
 * `watcher`: the extension's one file watcher; its events go to the server, which then registers none of its own.
 * `turn`: resolves in a task of its own (the start-up's queue of them).
 */
export async function startLanguageClient(context: vscode.ExtensionContext, watcher: vscode.FileSystemWatcher, turn: () => Promise<void>): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const redHatReportsSyntax = await coordinateWithRedHatYaml();
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', pattern: '**/serverless.yml' },
      { scheme: 'file', pattern: '**/serverless.yaml' },
      // TCSAM templates of the older SCF CLI (the server leaves other tools' template.yaml alone)
      { scheme: 'file', pattern: '**/template.{yml,yaml}' },
      // test events: their problems come from the server too (it checks the whole workspace's files)
      { scheme: 'file', pattern: '**/.scf/events/*/*.json' },
    ],
    // Handler files, scf_bootstrap, code folders and the SCF files themselves: every change goes to the server.
    synchronize: { fileEvents: watcher },
    initializationOptions: { debounceMs: 150, syntaxErrors: !redHatReportsSyntax, watchFiles: false, layers: resolveLayerFolders() },
    diagnosticCollectionName: 'scf',
  };
  // The client registers its ~45 built-in features as it is made, and starts the server: each in a
  // task of its own on the editor's thread.
  const client = new LanguageClient('scfServerless', 'SCF serverless.yml', serverOptions, clientOptions);
  await turn();
  await client.start();
  context.subscriptions.push({ dispose: () => void client.stop() });
  return client;
}
