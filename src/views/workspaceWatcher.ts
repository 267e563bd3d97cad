/**
 * The one file watcher of the extension (`**\/*`): the Functions view, the Test Explorer, the CodeLens
 * and the language server (which checks every SCF file of the workspace) all listen to it, each for
 * the kinds of path it cares about (model/discovery.ts sorts them), instead of a watcher each with
 * overlapping globs.
 */
import * as vscode from 'vscode';
import { workspaceFileKind, type WorkspaceFileKind } from '../model/discovery';

export type FileChangeKind = 'created' | 'changed' | 'deleted';

export interface WorkspaceFileEvent {
  uri: vscode.Uri;
  change: FileChangeKind;
  kind: WorkspaceFileKind;
}

export class WorkspaceWatcher implements vscode.Disposable {
  /** The watcher itself: the language client forwards its events to the server. */
  readonly watcher = vscode.workspace.createFileSystemWatcher('**/*');
  private readonly emitter = new vscode.EventEmitter<WorkspaceFileEvent>();
  private readonly disposables: vscode.Disposable[] = [this.watcher, this.emitter];

  constructor() {
    const fire = (change: FileChangeKind) => (uri: vscode.Uri) => {
      if (uri.scheme === 'file') this.emitter.fire({ uri, change, kind: workspaceFileKind(uri.fsPath) });
    };
    this.disposables.push(this.watcher.onDidCreate(fire('created')), this.watcher.onDidChange(fire('changed')), this.watcher.onDidDelete(fire('deleted')));
  }

  /** Calls `listener` for changes to paths of these kinds (and, with `changes`, only these changes). */
  on(kinds: readonly WorkspaceFileKind[], listener: (e: WorkspaceFileEvent) => void, changes?: readonly FileChangeKind[]): vscode.Disposable {
    return this.emitter.event((e) => {
      if (kinds.includes(e.kind) && (!changes || changes.includes(e.change))) listener(e);
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
