/**
 * Quick fixes from the fixes each diagnostic carries: text edits (memory, timeout, env key rename,
 * "did you mean"), and creating a missing file (the handler's entry file through a workspace edit the
 * editor can undo; an executable scf_bootstrap through the `scf.createFile` command, since a workspace
 * edit cannot set the file mode).
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { DiagnosticData, LspFix } from './convert';
import { SOURCE } from './convert';
import { fail, ok, type Outcome } from '../model/outcome';

export const CREATE_FILE_COMMAND = 'scf.createFile';

export interface CreateFileArgs {
  path: string;
  content: string;
  executable?: boolean;
}

export function codeActions(uri: string, diagnostics: readonly Diagnostic[], canCreateFiles: boolean): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== SOURCE) continue;
    const fixes = (d.data as DiagnosticData | undefined)?.fixes;
    if (!Array.isArray(fixes)) continue;
    for (const fix of fixes) out.push(toAction(uri, d, fix, canCreateFiles));
  }
  return out;
}

function toAction(uri: string, d: Diagnostic, fix: LspFix, canCreateFiles: boolean): CodeAction {
  const base = { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: fix.preferred ?? false };
  if (fix.kind === 'edit') return { ...base, edit: { changes: { [uri]: fix.edits } } };
  if (fix.executable || !canCreateFiles) {
    const args: CreateFileArgs = { path: fix.path, content: fix.content, executable: fix.executable };
    return { ...base, command: { title: fix.title, command: CREATE_FILE_COMMAND, arguments: [args] } };
  }
  const fileUri = pathToFileURL(fix.path).toString();
  return {
    ...base,
    edit: {
      documentChanges: [
        { kind: 'create', uri: fileUri, options: { ignoreIfExists: true } },
        { textDocument: { uri: fileUri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: fix.content }] },
      ],
    },
  };
}

/** What `scf.createFile` does: writes the file (never over an existing one), mode 755 when asked. */
export function createFile(args: CreateFileArgs): Outcome {
  if (existsSync(args.path)) return fail('file.exists', `${args.path} already exists; it was left as it is.`, { file: args.path });
  try {
    mkdirSync(dirname(args.path), { recursive: true });
    writeFileSync(args.path, args.content, { flag: 'wx' });
    if (args.executable) chmodSync(args.path, 0o755);
  } catch (e) {
    return fail('file.create', `Could not create ${args.path}: ${(e as Error).message}`, { file: args.path });
  }
  return ok();
}
