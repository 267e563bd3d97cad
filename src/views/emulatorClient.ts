import * as vscode from 'vscode';
import { EmulatorClient } from '../emulator/client';

/**
 * A client of the emulator host configured from the `scf.*` settings: the python3 for Python functions
 * and the Node.js that runs the host and Node.js handlers (default: the editor's own, or `node` on PATH
 * under desktop VS Code's Electron).
 */
export function emulatorClientFromSettings(context: vscode.ExtensionContext): EmulatorClient {
  const config = vscode.workspace.getConfiguration('scf');
  const nodePath = config.get<string>('nodePath', '').trim();
  return new EmulatorClient({
    hostScript: context.asAbsolutePath('dist/host.js'),
    pythonPath: config.get<string>('pythonPath', 'python3').trim() || undefined,
    execPath: nodePath || undefined,
  });
}
