/**
 * A small LSP client for the tests and the benchmark: spawns a language server process over stdio
 * and speaks JSON-RPC to it with vscode-languageserver-protocol, like an editor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  PublishDiagnosticsNotification,
  InitializeRequest,
  InitializedNotification,
  RegistrationRequest,
  ConfigurationRequest,
  ShutdownRequest,
  ExitNotification,
  LogMessageNotification,
  Trace,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type ClientCapabilities,
} from 'vscode-languageserver-protocol/node';

const root = join(__dirname, '..', '..');

let built: Promise<string> | undefined;

/**
 * dist/server.js when it is at least as new as the sources (as after `npm test`'s build); otherwise
 * the same entry bundled with the same esbuild settings into a temporary folder, so a stale or
 * half-rebuilt dist/ never decides the result.
 */
export function serverModule(): Promise<string> {
  built ??= (async () => {
    const dist = join(root, 'dist', 'server.js');
    if (existsSync(dist) && statSync(dist).mtimeMs >= newestSource()) return dist;
    const { build } = await import('esbuild');
    const out = join(mkdtempSync(join(tmpdir(), 'scf-server-')), 'server.js');
    await build({ entryPoints: [join(root, 'src/server/main.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'error' });
    return out;
  })();
  return built;
}

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const d of ['src/server', 'src/schema', 'src/model', 'schemas']) walk(join(root, d));
  return newest;
}

export interface Client {
  connection: ProtocolConnection;
  process: ChildProcess;
  /** Resolves with the next diagnostics for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  /** The last diagnostics published for `uri` if they satisfy `accept`, else the next ones that do. */
  published(uri: string, accept?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  /** Every uri the server has published diagnostics for, with the last ones. */
  latest: ReadonlyMap<string, PublishDiagnosticsParams>;
  stop(): Promise<void>;
  stderr(): string;
  /** window/logMessage texts the server sent (our server logs a failed feature there). */
  logs(): string[];
}

export const CLIENT_CAPABILITIES: ClientCapabilities = {
  workspace: {
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
    didChangeWatchedFiles: { dynamicRegistration: true },
    configuration: true,
    workspaceFolders: true,
  },
  textDocument: {
    synchronization: { dynamicRegistration: false },
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } }, dataSupport: true },
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
  },
};

export interface StartOptions {
  command: string;
  args: string[];
  initializationOptions?: unknown;
  rootUri?: string | null;
  /** Answers workspace/configuration requests (yaml-language-server asks for its settings). */
  configuration?: (section: string | undefined) => unknown;
  /** Answers other requests from the server, by method. */
  requests?: Record<string, (params: unknown) => unknown>;
}

export async function startClient(options: StartOptions): Promise<Client> {
  const proc = spawn(options.command, options.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const connection = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const waiters: { uri: string; accept: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  const latest = new Map<string, PublishDiagnosticsParams>();
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    latest.set(p.uri, p);
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (w.uri === p.uri && w.accept(p)) {
        waiters.splice(i, 1);
        i--;
        w.resolve(p);
      }
    }
  });
  const logs: string[] = [];
  connection.onNotification(LogMessageNotification.type, (p) => void logs.push(p.message));
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(ConfigurationRequest.type, (p) => p.items.map((item) => options.configuration?.(item.section) ?? null));
  connection.onRequest('custom/schema/request', (p: unknown) => options.requests?.['custom/schema/request']?.(p) ?? []);
  for (const [method, handler] of Object.entries(options.requests ?? {})) if (method !== 'custom/schema/request') connection.onRequest(method, (p: unknown) => handler(p));
  connection.listen();
  if (process.env.DEBUG_LSP) void connection.trace(Trace.Verbose, { log: (m: string, d?: string) => console.log('TRACE', m, (d ?? '').slice(0, 300)) });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: options.rootUri ?? null,
    capabilities: CLIENT_CAPABILITIES,
    initializationOptions: options.initializationOptions,
    workspaceFolders: options.rootUri ? [{ uri: options.rootUri, name: 'workspace' }] : null,
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    connection,
    process: proc,
    diagnostics: (uri, accept = () => true) => new Promise((resolve) => waiters.push({ uri, accept, resolve })),
    published: (uri, accept = () => true) => {
      const last = latest.get(uri);
      if (last && accept(last)) return Promise.resolve(last);
      return new Promise((resolve) => waiters.push({ uri, accept, resolve }));
    },
    latest,
    stderr: () => err,
    logs: () => logs,
    async stop() {
      try {
        await Promise.race([connection.sendRequest(ShutdownRequest.type), exited]);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        // already gone
      }
      const killer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killer);
      connection.dispose();
    },
  };
}

export async function startScfServer(initializationOptions: Record<string, unknown> = {}, workspace: Pick<StartOptions, 'rootUri' | 'configuration'> = {}): Promise<Client> {
  return startClient({ command: process.execPath, args: [await serverModule(), '--stdio'], initializationOptions, ...workspace });
}
