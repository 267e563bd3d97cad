/** The `scf.layers` setting: layer name -> the folder with its content (relative to the first workspace folder). */
import * as vscode from 'vscode';

export function resolveLayerFolders(layers: Record<string, string> = vscode.workspace.getConfiguration('scf').get<Record<string, string>>('layers', {}) ?? {}): Record<string, string> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return Object.fromEntries(
    Object.entries(layers)
      .filter(([, v]) => typeof v === 'string' && v !== '')
      .map(([k, v]) => [k, root && !v.startsWith('/') ? `${root}/${v}` : v]),
  );
}
