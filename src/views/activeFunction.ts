/**
 * The `scf.activeFunction` context key: whether the active editor is a function's serverless.yml, one
 * of its test events or its handler's file, so the keybindings (Invoke, Debug) apply there only.
 */
import * as vscode from 'vscode';
import { functionsOfFile } from '../model/handlerFile';
import type { FunctionsTree } from './functionsTree';

export function trackActiveFunction(tree: FunctionsTree): vscode.Disposable {
  let last: boolean | undefined;
  const update = () => {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const active = uri?.scheme === 'file' && functionsOfFile(uri.fsPath, tree.functions()).length > 0;
    if (active === last) return;
    last = active;
    void vscode.commands.executeCommand('setContext', 'scf.activeFunction', active);
  };
  update();
  return vscode.Disposable.from(vscode.window.onDidChangeActiveTextEditor(update), tree.onDidLoad(update));
}
