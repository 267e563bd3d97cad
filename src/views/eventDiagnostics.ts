/** Problems in test-event files (`.scf/events/<function>/<name>.json`), shown in the Problems panel. */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { checkEventText, type EventProblem } from '../events/validate';
import { eventFromPath } from '../events/store';

export class EventDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('scf-events');
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.scf/events/*/*.json');
    watcher.onDidCreate((uri) => void this.check(uri));
    watcher.onDidChange((uri) => void this.check(uri));
    watcher.onDidDelete((uri) => this.collection.delete(uri));
    this.disposables.push(
      watcher,
      this.collection,
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (eventFromPath(doc.uri.fsPath)) this.report(doc.uri, checkEventText(doc.getText(), { file: vscode.workspace.asRelativePath(doc.uri) }));
      }),
    );
  }

  /** Checks every event file in the workspace once, so broken ones are in the Problems panel from the start. */
  async checkAll(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/.scf/events/*/*.json', '**/node_modules/**');
    for (const uri of files) await this.check(uri);
  }

  /** Checks an event file (the open editor's text if any) and updates its problems. */
  async check(uri: vscode.Uri, invocationType?: 'RequestResponse' | 'Event') {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    let text: string;
    try {
      text = doc ? doc.getText() : await readFile(uri.fsPath, 'utf8');
    } catch {
      this.collection.delete(uri);
      return undefined;
    }
    const result = checkEventText(text, { file: vscode.workspace.asRelativePath(uri), invocationType });
    this.report(uri, result);
    return { text, result };
  }

  report(uri: vscode.Uri, result: ReturnType<typeof checkEventText>): void {
    if (result.ok) this.collection.delete(uri);
    else this.collection.set(uri, result.problems.map(toDiagnostic));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function toDiagnostic(p: EventProblem): vscode.Diagnostic {
  const range = new vscode.Range(p.line, p.column, p.endLine, p.endColumn);
  // The message without the `file:line:col: ` prefix: the Problems panel shows where.
  const d = new vscode.Diagnostic(range, p.message.replace(/^.*?:\d+:\d+: /, ''), vscode.DiagnosticSeverity.Error);
  d.source = 'SCF test event';
  d.code = p.code;
  return d;
}
