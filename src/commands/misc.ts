/** Open Definition, Show Output, Refresh, New Function. */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceRange } from '../model';
import { isTreeNode, resolveFunction } from './pick';
import { snippetBody, snippetDefaults } from '../model/snippets';
import type { FunctionsTree } from '../views/functionsTree';
import type { OutputView } from '../views/output';

export function registerMiscCommands(tree: FunctionsTree, output: OutputView): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('scf.openDefinition', (arg?: unknown) => openDefinition(tree, arg)),
    vscode.commands.registerCommand('scf.showOutput', () => output.show()),
    vscode.commands.registerCommand('scf.getStarted', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', 'scf-toolkit.scf-toolkit#scf.getStarted', false)),
    vscode.commands.registerCommand('scf.refresh', () => tree.rescan()),
    vscode.commands.registerCommand('scf.newFunction', (arg?: unknown) => newFunction(arg)),
  ];
}

async function openAt(file: string, range: SourceRange | undefined): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  if (range) {
    const start = new vscode.Position(range.line, range.column);
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  return editor;
}

/** Opens serverless.yml at the function (or the trigger, the variable, the file's error). */
export async function openDefinition(tree: FunctionsTree, arg?: unknown): Promise<vscode.TextEditor | undefined> {
  if (isTreeNode(arg)) {
    switch (arg.kind) {
      case 'brokenFile':
        return openAt(arg.file, arg.error.range);
      case 'file':
        return openAt(arg.file, undefined);
      case 'trigger':
        return openAt(arg.spec.file, arg.trigger.range ?? arg.spec.range);
      case 'variable': {
        const editor = await openAt(arg.spec.file, arg.spec.range);
        // Find the variable's own line below the function's `inputs`.
        const text = editor.document.getText();
        const from = editor.document.offsetAt(new vscode.Position(arg.spec.range?.line ?? 0, 0));
        const at = new RegExp(`^\\s*["']?${arg.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`, 'm').exec(text.slice(from));
        if (at) {
          const pos = editor.document.positionAt(from + at.index + at[0].length - at[0].trimStart().length);
          editor.selection = new vscode.Selection(pos, pos);
          editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        }
        return editor;
      }
      case 'event':
        return openAt(arg.event.file, undefined);
      case 'layer':
        return openAt(arg.layer.file, arg.layer.range);
      case 'layerBinding':
        return openAt(arg.spec.file, arg.binding.range ?? arg.spec.range);
      case 'unchecked':
        return openAt(arg.file, arg.instance.range);
      default:
        if ('spec' in arg) return openAt(arg.spec.file, arg.spec.range);
    }
  }
  const spec = await resolveFunction(tree, arg, 'Open Definition');
  return spec ? openAt(spec.file, spec.range) : undefined;
}

/** Creates serverless.yml (in the chosen folder) from the event-function snippet. */
async function newFunction(arg?: unknown): Promise<vscode.TextEditor | undefined> {
  let folder: vscode.Uri | undefined = arg instanceof vscode.Uri ? arg : undefined;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folder) {
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('SCF: open a folder first; serverless.yml goes in the folder of the function\'s code.');
      return undefined;
    }
    folder = folders.length === 1 ? folders[0]!.uri : (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where to create serverless.yml' }))?.uri;
  }
  if (!folder) return undefined;
  let file = join(folder.fsPath, 'serverless.yml');
  if (existsSync(file) || existsSync(join(folder.fsPath, 'serverless.yaml'))) {
    const sub = await vscode.window.showInputBox({
      title: 'New Function',
      prompt: `${vscode.workspace.asRelativePath(folder)} already has a serverless.yml: name a sub-folder for the new function`,
      value: 'my-function',
      validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) ? (existsSync(join(folder!.fsPath, v, 'serverless.yml')) ? `${v}/serverless.yml exists` : undefined) : 'Use letters, digits, ".", "-" and "_"'),
    });
    if (!sub) return undefined;
    file = join(folder.fsPath, sub, 'serverless.yml');
  }
  // The file on disk gets the snippet with its defaults, so closing without saving leaves a valid
  // function rather than an empty file; the editor then holds the same text as a snippet to tab through.
  const body = snippetBody('SCF event function')!;
  const uri = vscode.Uri.file(file);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(snippetDefaults(body)));
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  const all = new vscode.Range(new vscode.Position(0, 0), editor.document.lineAt(editor.document.lineCount - 1).range.end);
  await editor.insertSnippet(new vscode.SnippetString(body), all);
  return editor;
}
