/**
 * Problems for the whole workspace, open or not: every serverless.yml / serverless.yaml, TCSAM
 * template.yaml and test-event file under the workspace folders is checked once the server has
 * started and again when it (or a file it refers to) changes on disk. The files are read and checked
 * one at a time, yielding between them, so the server keeps answering the editor meanwhile; all of
 * this runs in the language server process, none in the extension host.
 *
 * Open documents are the Validation handler's (their unsaved text counts); a file closed in the editor
 * goes back to being checked from disk. `files.exclude` is honoured (asked from the client through
 * workspace/configuration), as in the Functions view.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DidChangeConfigurationNotification, FileChangeType, type FileEvent, type InitializeParams } from 'vscode-languageserver/node';
import { excludeMatcher, findEventFiles, findServerlessFiles, isTcsamFile, type ExcludeSetting } from '../../model/discovery';
import { isCheckedFile, isEventFile, isServerlessFile } from '../service';
import type { ServerState } from './server';

/** Files larger than this are not read (a problem says so): a language server must not load a huge file whole. */
export const MAX_CHECKED_BYTES = 8 * 1024 * 1024;
/** Quiet time after the last change on disk before the workspace's files are checked again. */
const RECHECK_DELAY_MS = 300;
/** Changes under these folders are not about a function's code (dependencies, our own state). */
const IGNORED = /[\\/](node_modules|\.git)[\\/]|[\\/]\.scf[\\/](?!events[\\/])/;

interface Folder {
  path: string;
  uri: string;
  isExcluded: (relPath: string) => boolean;
}

export class WorkspaceChecks {
  private folders: Folder[] = [];
  /** The checked files found on disk (file URIs). */
  private readonly known = new Set<string>();
  private readonly queue = new Set<string>();
  private running = false;
  private recheckTimer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private canAskConfiguration = false;
  private scanning: Promise<void> | undefined;
  private rescanQueued = false;
  /** Resolves when the first scan and its checks are done (the tests and benchmarks wait on it). */
  idle: Promise<void> = Promise.resolve();
  private settle: (() => void) | undefined;

  constructor(private readonly state: ServerState) {}

  initialize(params: InitializeParams): void {
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    this.folders = folders.filter((f) => f.uri.startsWith('file:')).map((f) => ({ uri: f.uri, path: fileURLToPath(f.uri), isExcluded: () => false }));
    this.canAskConfiguration = !!params.capabilities.workspace?.configuration;
  }

  /** After `initialized`: the first scan, and following folder and `files.exclude` changes. */
  start(canRegister: boolean, canFollowFolders: boolean): void {
    const { connection } = this.state;
    if (canFollowFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(e.removed.map((f) => f.uri));
        this.folders = this.folders.filter((f) => !removed.has(f.uri));
        for (const f of e.added) if (f.uri.startsWith('file:')) this.folders.push({ uri: f.uri, path: fileURLToPath(f.uri), isExcluded: () => false });
        this.rescanSoon();
      });
    }
    if (canRegister && this.canAskConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'files' }).catch(() => undefined);
    connection.onDidChangeConfiguration(() => this.rescanSoon());
    void this.rescan();
  }

  has(uri: string): boolean {
    return this.known.has(uri);
  }

  /** Checks a file from disk again (e.g. after its editor closed). */
  recheck(uri: string): void {
    if (!this.known.has(uri)) return;
    this.queue.add(uri);
    this.drain();
  }

  /** What workspace/didChangeWatchedFiles reported. */
  onChanges(changes: readonly FileEvent[]): void {
    let touchedCode = false;
    for (const c of changes) {
      if (!c.uri.startsWith('file:')) continue;
      const path = fileURLToPath(c.uri);
      if (IGNORED.test(path)) continue;
      if (isCheckedFile(c.uri)) {
        if (c.type === FileChangeType.Deleted) this.forget(c.uri);
        else void this.consider(c.uri, path);
        if (!isEventFile(c.uri)) touchedCode = true;
        continue;
      }
      touchedCode = true;
      if (c.type === FileChangeType.Deleted) {
        // A deleted folder may be reported alone: forget the files that were under it.
        const prefix = `${c.uri}/`;
        for (const uri of [...this.known]) if (uri.startsWith(prefix)) this.forget(uri);
      } else if (c.type === FileChangeType.Created) {
        // A new folder (copied or renamed in) may hold serverless.yml files no event names.
        void stat(path).then((st) => st.isDirectory() && this.rescanSoon(), () => undefined);
      }
    }
    // A handler file, scf_bootstrap or code folder changed: results that looked at the disk are stale.
    if (touchedCode) this.recheckAllSoon();
  }

  /** Finds the workspace's files again, forgets the ones gone and checks every one. */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanQueued = true;
      return this.scanning;
    }
    this.busy();
    this.scanning = (async () => {
      do {
        this.rescanQueued = false;
        const found = new Set<string>();
        for (const folder of this.folders) {
          const exclude = await this.excludeSetting(folder);
          folder.isExcluded = excludeMatcher(exclude);
          const files = await findServerlessFiles(folder.path, { exclude });
          for (const f of [...files, ...(await findEventFiles(files))]) found.add(pathToFileURL(f).toString());
        }
        for (const uri of [...this.known]) if (!found.has(uri)) this.forget(uri);
        for (const uri of found) {
          this.known.add(uri);
          this.queue.add(uri);
        }
      } while (this.rescanQueued);
    })()
      .catch((e: unknown) => this.state.connection.console.error(`scf: scanning the workspace failed: ${(e as Error).stack ?? String(e)}`))
      .finally(() => {
        this.scanning = undefined;
        this.drain();
      });
    return this.scanning;
  }

  private async excludeSetting(folder: Folder): Promise<ExcludeSetting> {
    if (!this.canAskConfiguration) return {};
    try {
      const value: unknown = await this.state.connection.workspace.getConfiguration({ scopeUri: folder.uri, section: 'files.exclude' });
      return value && typeof value === 'object' ? (value as ExcludeSetting) : {};
    } catch {
      return {};
    }
  }

  /** A created or changed checked file: known (and checked) when it is in a folder and not excluded. */
  private async consider(uri: string, path: string): Promise<void> {
    const folder = this.folders.find((f) => path.startsWith(`${f.path}/`) || path.startsWith(`${f.path}\\`));
    if (!folder) return;
    const rel = path.slice(folder.path.length + 1).split('\\').join('/');
    if (folder.isExcluded(rel)) return;
    // Another tool's template.yaml (AWS SAM ...) is not ours.
    if (!isServerlessFile(uri) && !isEventFile(uri) && !(await isTcsamFile(path))) {
      this.forget(uri);
      return;
    }
    this.known.add(uri);
    this.queue.add(uri);
    this.drain();
  }

  private forget(uri: string): void {
    this.known.delete(uri);
    this.queue.delete(uri);
    // An open document keeps the problems of its text until it closes.
    if (!this.state.documents.get(uri)) void this.state.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private rescanSoon(): void {
    clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => void this.rescan(), RECHECK_DELAY_MS);
  }

  private recheckAllSoon(): void {
    clearTimeout(this.recheckTimer);
    this.recheckTimer = setTimeout(() => {
      for (const uri of this.known) if (!isEventFile(uri)) this.queue.add(uri);
      this.drain();
    }, RECHECK_DELAY_MS);
  }

  private busy(): void {
    if (this.settle) return;
    this.idle = new Promise((resolve) => (this.settle = resolve));
  }

  /** Checks the queued files one by one, letting the server answer requests between them. */
  private drain(): void {
    if (this.running || this.scanning) return;
    if (this.queue.size === 0) {
      this.settle?.();
      this.settle = undefined;
      return;
    }
    this.busy();
    this.running = true;
    const next = this.queue.values().next().value as string;
    this.queue.delete(next);
    void this.check(next).finally(() => {
      this.running = false;
      setImmediate(() => this.drain());
    });
  }

  private async check(uri: string): Promise<void> {
    // The editor's text is the Validation handler's to check.
    if (this.state.documents.get(uri) || !this.known.has(uri)) return;
    const path = fileURLToPath(uri);
    try {
      const size = (await stat(path)).size;
      const text = size > MAX_CHECKED_BYTES ? undefined : await readFile(path, 'utf8');
      if (this.state.documents.get(uri) || !this.known.has(uri)) return; // opened or gone meanwhile
      const diagnostics = text === undefined ? this.state.service.tooLargeDiagnostics(uri, size, MAX_CHECKED_BYTES) : this.state.service.fileDiagnostics(uri, text);
      void this.state.connection.sendDiagnostics({ uri, diagnostics });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.forget(uri);
      else this.state.connection.console.error(`scf: checking ${uri} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }
}
