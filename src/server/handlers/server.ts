/**
 * Wires the connection: initialize (capabilities and options), the open documents, and one handler
 * module per part of the protocol. Owns no language logic.
 *
 * initializationOptions (all optional):
 *   debounceMs     pause after the last edit before re-checking (default 150)
 *   syntaxErrors   report YAML syntax errors (default true; the client turns it off when the Red Hat
 *                  YAML extension is active, since that extension reports them already)
 *   workspaceChecks  check every SCF file of the workspace folders, open or not (default true)
 *   watchFiles     register a `**\/*` file watcher with the client (default true; VS Code's client sends
 *                  the events of the extension's own watcher instead)
 */
import { CodeActionKind, TextDocuments, TextDocumentSyncKind, DidChangeWatchedFilesNotification, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CREATE_FILE_COMMAND } from '../codeActions';
import { ScfLanguageService } from '../service';
import { registerCommands } from './commands';
import { registerFeatures } from './features';
import { Validation } from './validation';
import { registerWatchedFiles } from './watchedFiles';
import { WorkspaceChecks } from './workspace';

export interface InitOptions {
  debounceMs?: number;
  /** The scf.layers setting (layer name -> folder), so a layer set there is not reported as missing. */
  layers?: Record<string, string>;
  syntaxErrors?: boolean;
  workspaceChecks?: boolean;
  watchFiles?: boolean;
}

/** What the handlers share: the connection, the open documents, the service and what the client can do. */
export interface ServerState {
  readonly connection: Connection;
  readonly documents: TextDocuments<TextDocument>;
  service: ScfLanguageService;
  debounceMs: number;
  canCreateFiles: boolean;
  canRegisterWatchers: boolean;
}

/** The server as a whole, for whoever starts it (the entry, tests). */
export interface Server {
  state: ServerState;
  workspace: WorkspaceChecks;
}

export function startServer(connection: Connection): Server {
  const state: ServerState = {
    connection,
    documents: new TextDocuments(TextDocument),
    service: new ScfLanguageService({ syntaxErrors: true }),
    debounceMs: 150,
    canCreateFiles: false,
    canRegisterWatchers: false,
  };
  const workspace = new WorkspaceChecks(state);
  let canFollowFolders = false;
  let watchFiles = true;
  let canRegisterConfiguration = false;

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitOptions;
    if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) state.debounceMs = init.debounceMs;
    state.service = new ScfLanguageService({ syntaxErrors: init.syntaxErrors !== false, layerFolders: init.layers });
    const ws = params.capabilities.workspace;
    state.canCreateFiles = !!ws?.workspaceEdit?.documentChanges && !!ws.workspaceEdit.resourceOperations?.includes('create');
    state.canRegisterWatchers = !!ws?.didChangeWatchedFiles?.dynamicRegistration;
    watchFiles = init.watchFiles !== false;
    canFollowFolders = !!ws?.workspaceFolders;
    canRegisterConfiguration = !!ws?.didChangeConfiguration?.dynamicRegistration;
    if (init.workspaceChecks !== false) workspace.initialize(params);
    return {
      capabilities: {
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [' ', ':', '-'] },
        hoverProvider: true,
        documentSymbolProvider: true,
        definitionProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: [CREATE_FILE_COMMAND] },
      },
      serverInfo: { name: 'scf-toolkit serverless.yml language server' },
    };
  });

  connection.onInitialized(() => {
    if (state.canRegisterWatchers && watchFiles) {
      // Handler files, scf_bootstrap and code folders live anywhere under the workspace.
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] }).catch(() => undefined);
    }
    workspace.start(canRegisterConfiguration, canFollowFolders);
  });

  const validation = new Validation(state, workspace);
  registerFeatures(state);
  registerWatchedFiles(state, validation, workspace);
  registerCommands(state, validation);

  state.documents.listen(connection);
  connection.listen();
  return { state, workspace };
}

/** Runs a feature, logging (not throwing) when it fails: one bad document never takes the server down. */
export function guard<T>(connection: Connection, what: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    connection.console.error(`scf: ${what} failed: ${(e as Error).stack ?? String(e)}`);
    return fallback;
  }
}
