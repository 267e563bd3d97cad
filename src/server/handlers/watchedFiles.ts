/** workspace/didChangeWatchedFiles: a deleted checked file loses its problems; any change re-checks what looked at the disk, open or not. */
import { FileChangeType } from 'vscode-languageserver/node';
import { isCheckedFile } from '../service';
import type { ServerState } from './server';
import type { Validation } from './validation';
import type { WorkspaceChecks } from './workspace';

export function registerWatchedFiles(state: ServerState, validation: Validation, workspace: WorkspaceChecks): void {
  state.connection.onDidChangeWatchedFiles((params) => {
    // A deleted serverless.yml keeps no problems, even while its editor stays open; nor does one in a
    // deleted folder (which may be reported alone).
    const gone = params.changes.filter((c) => c.type === FileChangeType.Deleted).map((c) => c.uri);
    const deleted = new Set(gone.filter((uri) => isCheckedFile(uri)));
    for (const doc of state.documents.all()) if (isCheckedFile(doc.uri) && gone.some((uri) => doc.uri.startsWith(`${uri}/`))) deleted.add(doc.uri);
    for (const uri of deleted) validation.deletedOnDisk(uri);
    // A handler file, scf_bootstrap or folder changed: results that looked at the disk are stale.
    state.service.invalidate();
    validation.recheckOpen(Math.min(state.debounceMs, 50), deleted);
    workspace.onChanges(params.changes);
  });
}
