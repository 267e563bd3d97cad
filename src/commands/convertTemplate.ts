/**
 * "SCF: Convert template.yaml to serverless.yml": reads a TCSAM template (the older SCF CLI's), writes
 * an equivalent serverless.yml beside it (src/model/convert.ts), validates what it wrote with the same
 * checks as the language server, and opens it.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { convertTcsamText } from '../model/convert';
import { isTcsamText } from '../model/tcsam';
import { validateServerlessText } from '../schema/validate';

export const CONVERT_COMMAND = 'scf.convertTemplate';

export interface ConvertOutcome {
  file: string;
  functionNames: string[];
  errors: number;
  warnings: number;
}

async function pickTemplate(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document;
  if (active && /(^|[\\/])template\.ya?ml$/.test(active.uri.fsPath) && isTcsamText(active.getText())) return active.uri;
  const found: vscode.Uri[] = [];
  for (const uri of await vscode.workspace.findFiles('**/template.{yaml,yml}', '**/node_modules/**')) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    if (isTcsamText(text)) found.push(uri);
  }
  if (found.length === 0) {
    void vscode.window.showInformationMessage('SCF: no TCSAM template.yaml (with `TencentCloud::Serverless::Function` resources) in this workspace.');
    return undefined;
  }
  if (found.length === 1) return found[0];
  const pick = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Convert template.yaml to serverless.yml', placeHolder: 'Which template?' },
  );
  return pick?.uri;
}

export async function convertTemplate(arg?: unknown, options: { overwrite?: boolean; open?: boolean } = {}): Promise<ConvertOutcome | undefined> {
  const uri = await pickTemplate(arg);
  if (!uri) return undefined;
  const source = uri.fsPath;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === source);
  const text = open ? open.getText() : await readFile(source, 'utf8');
  const converted = convertTcsamText(text, source);
  if (!converted.ok) {
    const action = await vscode.window.showErrorMessage(`SCF: cannot convert: ${converted.error.message}`, 'Open Template');
    if (action) {
      const editor = await vscode.window.showTextDocument(uri);
      const r = converted.error.range;
      if (r) editor.selection = new vscode.Selection(r.line, r.column, r.endLine, r.endColumn);
    }
    return undefined;
  }
  const target = join(dirname(source), 'serverless.yml');
  if (existsSync(target) && !options.overwrite) {
    const answer = await vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(target)} already exists. Replace it with the conversion of ${basename(source)}?`,
      { modal: true },
      'Replace',
    );
    if (answer !== 'Replace') return undefined;
  }
  await writeFile(target, converted.value.text);
  const { diagnostics } = validateServerlessText(converted.value.text, { file: target, env: process.env });
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  if (options.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: false });
  const names = converted.value.functionNames.join(', ');
  const summary = `SCF: wrote ${vscode.workspace.asRelativePath(target)} from ${basename(source)} (${converted.value.functionNames.length === 1 ? `function ${names}` : `functions ${names}`}).`;
  const notes = converted.value.warnings.length ? ` ${converted.value.warnings.length} note${converted.value.warnings.length === 1 ? '' : 's'} at the top of the file.` : '';
  if (errors > 0) {
    void vscode.window.showWarningMessage(`${summary} It has ${errors} error${errors === 1 ? '' : 's'} to fix (see Problems).${notes}`);
  } else {
    void vscode.window.showInformationMessage(`${summary} It validates${warnings ? ` with ${warnings} warning${warnings === 1 ? '' : 's'}` : ' without problems'}.${notes}`);
  }
  return { file: target, functionNames: converted.value.functionNames, errors, warnings };
}

/** Registers "SCF: Convert template.yaml to serverless.yml"; call once from activate(). */
export function registerConvertTemplate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(CONVERT_COMMAND, (arg?: unknown, options?: { overwrite?: boolean; open?: boolean }) => convertTemplate(arg, options)));
}
