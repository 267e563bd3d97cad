/** workspace/didChangeWatchedFiles: a deleted checked file loses its problems; any change re-checks what looked at the disk, open or not. */
import { FileChangeType } from 'vscode-languageserver/node';
import { isCheckedFile } from '../service';
import type { ServerState } from './server';
import type { Validation } from './validation';
import type { WorkspaceChecks } from './workspace';

export function registerWatchedFiles(state: ServerState, validation: Validation, workspace: WorkspaceChecks): void {
  state.connection.onDidChangeWatchedFiles((params) => {
    // A deleted serverless.yml keeps no problems, even while its editor stays open.
    const deleted = new Set(params.changes.filter((c) => c.type === FileChangeType.Deleted && isCheckedFile(c.uri)).map((c) => c.uri));
    for (const uri of deleted) validation.clear(uri);
    // A handler file, scf_bootstrap or folder changed: results that looked at the disk are stale.
    state.service.invalidate();
    validation.recheckOpen(Math.min(state.debounceMs, 50), deleted);
    workspace.onChanges(params.changes);
  });
}
