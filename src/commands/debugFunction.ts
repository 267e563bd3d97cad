/**
 * SCF: Debug Function. The emulator host starts the runtime under a debugger (Node.js inspector,
 * debugpy for Python, JDWP for Java) on a free port of 127.0.0.1; once it listens, VS Code attaches to it with its
 * built-in JavaScript debugger or the Python Debugger extension. The runtime waits for the debugger
 * before it loads the handler, so breakpoints anywhere in the handler's files bind.
 */
import * as vscode from 'vscode';
import type { FunctionSpec } from '../model';
import { canConnect, freePort } from '../emulator/webFunction';

export { freePort as debugPort };

/** Waits until the debuggee listens on the port (or the invocation ends first), then attaches. */
export async function attachWhenListening(spec: FunctionSpec, port: number, ended: Promise<unknown>): Promise<void> {
  let done = false;
  void ended.then(() => (done = true));
  const until = Date.now() + 30_000;
  while (!done && Date.now() < until) {
    if (await canConnect(port)) {
      await attachDebugger(spec, port);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function attachDebugger(spec: FunctionSpec, port: number): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(spec.file));
  const name = `SCF: Debug ${spec.name}`;
  const python = /^Python/i.test(spec.runtime);
  const java = /^Java/i.test(spec.runtime);
  const config: vscode.DebugConfiguration = python
    ? { type: 'debugpy', request: 'attach', name, connect: { host: '127.0.0.1', port }, justMyCode: true }
    : java
      ? { type: 'java', request: 'attach', name, hostName: '127.0.0.1', port }
      : {
        type: 'node',
        request: 'attach',
        name,
        address: '127.0.0.1',
        port,
        // The bootstrap is ours; stepping starts in the user's handler.
        skipFiles: ['<node_internals>/**', '**/runtimes/node-bootstrap.js'],
      };
  const started = await vscode.debug.startDebugging(folder, config);
  if (!started && (python || java)) {
    const extension = python ? 'the Python Debugger extension (ms-python.debugpy)' : 'the Debugger for Java extension (vscjava.vscode-java-debug)';
    void vscode.window.showErrorMessage(`SCF: attaching to ${python ? 'Python' : 'Java'} needs ${extension}. Install it, then debug again.`);
  }
  return started;
}
