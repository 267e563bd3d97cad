/**
 * Async events accepted before the editor (or its emulator host) went away wait in their journals
 * (`.scf/async` beside serverless.yml). They resume when the extension starts, not only with the next
 * async invoke: in a trusted workspace (they run code), the host is asked to take each journal back.
 */
import * as vscode from 'vscode';
import { dirname, join } from 'node:path';
import { pendingEvents } from '../emulator/async/journal';
import type { FunctionsTree } from '../views/functionsTree';
import type { EmulatorHost } from '../views/emulatorClient';
import type { OutputView } from '../views/output';

/** Resumes every journal with events in it; resolves with how many events were handed back. */
export async function resumeQueuedEvents(tree: FunctionsTree, host: EmulatorHost, output: OutputView): Promise<number> {
  if (!vscode.workspace.isTrusted) return 0;
  await tree.whenReady();
  const files = new Map<string, string>();
  for (const spec of tree.functions()) if (!files.has(dirname(spec.file))) files.set(dirname(spec.file), spec.file);
  let total = 0;
  for (const [dir, file] of files) {
    const waiting = pendingEvents(join(dir, '.scf', 'async'));
    if (waiting === 0) continue;
    const resumed = await host.get().resume(file);
    if (!resumed.ok) {
      output.error(resumed.error);
      continue;
    }
    total += resumed.value;
    output.info(`Resumed ${resumed.value} queued async event${resumed.value === 1 ? '' : 's'} of ${vscode.workspace.asRelativePath(file)} (accepted before the editor last closed); their logs follow.`);
  }
  return total;
}

/** At start, and again when the workspace becomes trusted. */
export function registerAsyncResume(context: vscode.ExtensionContext, tree: FunctionsTree, host: EmulatorHost, output: OutputView): Promise<number> {
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void resumeQueuedEvents(tree, host, output)));
  return resumeQueuedEvents(tree, host, output);
}
