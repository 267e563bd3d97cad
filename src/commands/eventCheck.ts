/**
 * The check of a test event just before it is sent, with the limits of that invocation type (6 MB
 * sync, 128 KB async). The language server keeps every event file's problems in the Problems panel;
 * this only decides whether the invocation may go ahead.
 */
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { checkEventText } from '../events/validate';
import { fail, ok, type Outcome } from '../model/outcome';

/** The event's text (the open editor's, unsaved edits included), or its first problem. */
export async function checkEventFile(uri: vscode.Uri, invocationType: 'RequestResponse' | 'Event'): Promise<Outcome<string>> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
  let text: string;
  try {
    text = doc ? doc.getText() : await readFile(uri.fsPath, 'utf8');
  } catch {
    return fail('event.notFound', `the test event ${vscode.workspace.asRelativePath(uri)} no longer exists.`, { file: uri.fsPath });
  }
  const result = checkEventText(text, { file: vscode.workspace.asRelativePath(uri), invocationType });
  if (result.ok) return ok(text);
  const first = result.problems[0]!;
  return fail(first.code, first.message, { file: uri.fsPath, range: { line: first.line, column: first.column, endLine: first.endLine, endColumn: first.endColumn } });
}
