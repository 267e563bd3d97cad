/**
 * Diagnostics on the wire: published on open at once and, after edits, once the typing pauses
 * (debounced per document); cleared on close and when the file (or its folder) is deleted.
 */
import { isCheckedFile } from '../service';
import type { ServerState } from './server';
import type { WorkspaceChecks } from './workspace';

export class Validation {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Open documents whose file was deleted: no problems until they are edited (or saved back). */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly state: ServerState,
    private readonly workspace: WorkspaceChecks,
  ) {
    const { documents } = state;
    documents.onDidOpen((e) => {
      this.deleted.delete(e.document.uri);
      this.schedule(e.document.uri, 0);
    });
    documents.onDidChangeContent((e) => {
      // onDidChangeContent also fires on open; the open handler has published already for version 1.
      if (e.document.version <= 1 && !this.timers.has(e.document.uri)) return;
      this.deleted.delete(e.document.uri);
      this.schedule(e.document.uri, state.debounceMs);
    });
    documents.onDidClose((e) => {
      this.deleted.delete(e.document.uri);
      // A workspace file goes back to its problems on disk (unsaved edits are gone); any other loses them.
      if (this.workspace.has(e.document.uri)) {
        this.cancel(e.document.uri);
        this.state.service.close(e.document.uri);
        this.workspace.recheck(e.document.uri);
      } else this.clear(e.document.uri);
    });
  }

  /** Checks a document after `delay` ms (0: now), replacing a check already waiting for it. */
  schedule(uri: string, delay: number): void {
    this.cancel(uri);
    if (delay <= 0) this.publish(uri);
    else this.timers.set(uri, setTimeout(() => this.publish(uri), delay));
  }

  /** Every open checked document again (something they refer to changed on disk). */
  recheckOpen(delay: number, except?: ReadonlySet<string>): void {
    for (const doc of this.state.documents.all()) if (isCheckedFile(doc.uri) && !except?.has(doc.uri) && !this.deleted.has(doc.uri)) this.schedule(doc.uri, delay);
  }

  /** The file of an open document was deleted: it keeps no problems, even while its editor stays open. */
  deletedOnDisk(uri: string): void {
    if (this.state.documents.get(uri)) this.deleted.add(uri);
    this.clear(uri);
  }

  /** Forgets a document and publishes no problems for it. */
  clear(uri: string): void {
    this.cancel(uri);
    this.state.service.close(uri);
    void this.state.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private cancel(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
  }

  private publish(uri: string): void {
    this.timers.delete(uri);
    const doc = this.state.documents.get(uri);
    if (!doc || !isCheckedFile(uri)) return;
    let diagnostics;
    try {
      diagnostics = this.state.service.diagnostics(uri, doc.version, doc.getText());
    } catch (e) {
      this.state.connection.console.error(`scf: checking ${uri} failed: ${(e as Error).stack ?? String(e)}`);
      return;
    }
    void this.state.connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  }
}
