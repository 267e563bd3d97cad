/**
 * The serverless.yml language server (dist/server.js): diagnostics, completion, hover, outline, quick
 * fixes and Go to Definition from `handler` to the function. Started by the extension over IPC, or by any
 * LSP client with `--stdio`. Diagnostics are published on open at once and, after edits, once the
 * typing pauses (debounced); a referenced file (handler, scf_bootstrap, code folder) appearing or
 * disappearing re-checks the open files.
 *
 * initializationOptions (all optional):
 *   debounceMs     pause after the last edit before re-checking (default 150)
 *   syntaxErrors   report YAML syntax errors (default true; the client turns it off when the Red Hat
 *                  YAML extension is active, since that extension reports them already)
 */
import { mkdirSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  CodeActionKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CREATE_FILE_COMMAND, type CreateFileArgs } from './codeActions';
import { isCheckedFile, isServerlessFile, ScfLanguageService } from './service';

interface InitOptions {
  debounceMs?: number;
  syntaxErrors?: boolean;
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let service = new ScfLanguageService({ syntaxErrors: true });
let debounceMs = 150;
let canCreateFiles = false;
let canRegisterWatchers = false;
const timers = new Map<string, NodeJS.Timeout>();

connection.onInitialize((params): InitializeResult => {
  const init = (params.initializationOptions ?? {}) as InitOptions;
  if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) debounceMs = init.debounceMs;
  service = new ScfLanguageService({ syntaxErrors: init.syntaxErrors !== false });
  const ws = params.capabilities.workspace;
  canCreateFiles = !!ws?.workspaceEdit?.documentChanges && !!ws.workspaceEdit.resourceOperations?.includes('create');
  canRegisterWatchers = !!ws?.didChangeWatchedFiles?.dynamicRegistration;
  return {
    capabilities: {
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
  if (canRegisterWatchers) {
    // Handler files, scf_bootstrap and code folders live anywhere under the workspace.
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] }).catch(() => undefined);
  }
});

function publish(uri: string): void {
  timers.delete(uri);
  const doc = documents.get(uri);
  if (!doc || !isCheckedFile(uri)) return;
  let diagnostics;
  try {
    diagnostics = service.diagnostics(uri, doc.version, doc.getText());
  } catch (e) {
    connection.console.error(`scf: checking ${uri} failed: ${(e as Error).stack ?? String(e)}`);
    return;
  }
  void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
}

function schedule(uri: string, delay: number): void {
  const old = timers.get(uri);
  if (old) clearTimeout(old);
  if (delay <= 0) {
    timers.delete(uri);
    publish(uri);
    return;
  }
  timers.set(uri, setTimeout(() => publish(uri), delay));
}

documents.onDidOpen((e) => schedule(e.document.uri, 0));
documents.onDidChangeContent((e) => {
  // onDidChangeContent also fires on open; the open handler has published already for version 1.
  if (e.document.version <= 1 && !timers.has(e.document.uri)) return;
  schedule(e.document.uri, debounceMs);
});
documents.onDidClose((e) => {
  const t = timers.get(e.document.uri);
  if (t) clearTimeout(t);
  timers.delete(e.document.uri);
  service.close(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onDidChangeWatchedFiles((params) => {
  // A deleted serverless.yml keeps no problems, even while its editor stays open.
  const deleted = new Set(params.changes.filter((c) => c.type === FileChangeType.Deleted && isCheckedFile(c.uri)).map((c) => c.uri));
  for (const uri of deleted) {
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
    service.close(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  }
  // A handler file, scf_bootstrap or folder changed: results that looked at the disk are stale.
  service.invalidate();
  for (const doc of documents.all()) if (isCheckedFile(doc.uri) && !deleted.has(doc.uri)) schedule(doc.uri, Math.min(debounceMs, 50));
});

function guard<T>(what: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    connection.console.error(`scf: ${what} failed: ${(e as Error).stack ?? String(e)}`);
    return fallback;
  }
}

connection.onCompletion((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc || !isServerlessFile(doc.uri)) return [];
  return guard('completion', [], () => service.completion(doc.uri, doc.version, doc.getText(), p.position.line, p.position.character));
});

connection.onHover((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc || !isServerlessFile(doc.uri)) return null;
  return guard('hover', null, () => service.hover(doc.uri, doc.version, doc.getText(), p.position.line, p.position.character) ?? null);
});

connection.onDefinition((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc || !isServerlessFile(doc.uri)) return null;
  return guard('definition', null, () => service.definition(doc.uri, doc.version, doc.getText(), p.position.line, p.position.character) ?? null);
});

connection.onDocumentSymbol((p) => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc || !isServerlessFile(doc.uri)) return [];
  return guard('symbols', [], () => service.symbols(doc.uri, doc.version, doc.getText()));
});

connection.onCodeAction((p) => guard('code actions', [], () => service.codeActions(p.textDocument.uri, p.context.diagnostics, canCreateFiles)));

connection.onExecuteCommand((p) => {
  if (p.command !== CREATE_FILE_COMMAND) return;
  const args = p.arguments?.[0] as CreateFileArgs | undefined;
  if (!args || typeof args.path !== 'string' || typeof args.content !== 'string') return;
  if (existsSync(args.path)) {
    void connection.window.showWarningMessage(`${args.path} already exists; it was left as it is.`);
    return;
  }
  try {
    mkdirSync(dirname(args.path), { recursive: true });
    writeFileSync(args.path, args.content, { flag: 'wx' });
    if (args.executable) chmodSync(args.path, 0o755);
  } catch (e) {
    void connection.window.showErrorMessage(`Could not create ${args.path}: ${(e as Error).message}`);
    return;
  }
  service.invalidate();
  for (const doc of documents.all()) if (isServerlessFile(doc.uri)) schedule(doc.uri, 0);
});

documents.listen(connection);
connection.listen();
