/** Quick picks shared by the commands: which function, which test event. */
import * as vscode from 'vscode';
import type { FunctionSpec } from '../model';
import type { InvocationType } from '../emulator/types';
import { listEvents, type EventFile } from '../events/store';
import { templatesFor, type EventTemplate } from '../events/templates';
import { functionDescription, type TreeNode } from '../views/treeModel';
import type { FunctionsTree } from '../views/functionsTree';
import { functionsOfFile } from '../model/handlerFile';
import { templateDescription } from '../events/fromTrigger';

export type EventChoice = { kind: 'file'; event: EventFile } | { kind: 'template'; template: EventTemplate };

export function eventLabel(choice: EventChoice): string {
  return choice.kind === 'file' ? `test event "${choice.event.name}"` : `template "${choice.template.label}"`;
}

export function isTreeNode(arg: unknown): arg is TreeNode {
  return typeof arg === 'object' && arg !== null && 'kind' in arg && 'id' in arg && typeof (arg as { id: unknown }).id === 'string';
}

/**
 * The function a command is about: from a tree item, from a serverless.yml (explorer/editor menus),
 * from the active editor (its serverless.yml, one of its test events, or its handler's source), or
 * asked for with a quick pick. With `activeEditor: 'preselect'` the active editor's function is only
 * put first in the pick (New Test Event), so another one stays a keystroke away.
 */
export async function resolveFunction(tree: FunctionsTree, arg: unknown, title: string, options: { activeEditor?: 'use' | 'preselect' } = {}): Promise<FunctionSpec | undefined> {
  if (isTreeNode(arg) && 'spec' in arg) return arg.spec;
  let candidates: FunctionSpec[];
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  if (isTreeNode(arg) && arg.kind === 'file') uri = vscode.Uri.file(arg.file);
  let active: FunctionSpec[] = [];
  if (!uri && !arg) {
    const editor = vscode.window.activeTextEditor?.document.uri;
    if (editor && /(^|[\\/])serverless\.ya?ml$/.test(editor.fsPath)) uri = editor;
    else if (editor?.scheme === 'file') {
      await tree.whenReady();
      active = functionsOfFile(editor.fsPath, tree.functions());
      if (active.length === 1 && options.activeEditor !== 'preselect') return active[0];
    }
  }
  if (uri) {
    const found = tree.functionsIn(uri.fsPath);
    if (!found.ok) {
      void vscode.window.showErrorMessage(`SCF: ${found.error.message}`);
      return undefined;
    }
    candidates = found.value;
  } else {
    await tree.whenReady();
    candidates = tree.functions();
  }
  if (candidates.length === 0) {
    const broken = tree.fileEntries().find((e) => !e.result.ok);
    void vscode.window.showErrorMessage(
      broken && !broken.result.ok
        ? `SCF: no function to ${title.toLowerCase()}: ${broken.result.error.message}`
        : 'SCF: no function found: add a serverless.yml with `component: scf` (SCF: New Function).',
    );
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  // The active editor's functions first (the first item of a quick pick is the selected one).
  const first = new Set(active);
  const ordered = [...candidates.filter((c) => first.has(c)), ...candidates.filter((c) => !first.has(c))];
  const picked = await vscode.window.showQuickPick(
    ordered.map((spec) => ({
      label: spec.name,
      description: [first.has(spec) ? 'active editor' : '', functionDescription(spec)].filter(Boolean).join(' · '),
      detail: vscode.workspace.asRelativePath(spec.file),
      spec,
    })),
    { title, placeHolder: 'Pick a function', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.spec;
}

interface EventItem extends vscode.QuickPickItem {
  choice?: EventChoice;
  create?: boolean;
}

export interface PickedEvent {
  choice: EventChoice | 'new';
  /** RequestResponse (sync), or Event (async) when the item's async button was used. */
  invocationType: InvocationType;
}

/** The button on each event that sends it asynchronously. */
const ASYNC_BUTTON: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('debug-step-over'),
  tooltip: 'Invoke async (Event): accepted at once, the result goes to the log; retries and dead letters as on SCF',
};

/**
 * A test event for `spec`: its own event files first (the last used on top), then the built-in
 * templates. Enter sends it synchronously; with `offerAsync`, each event's button sends it async.
 */
export async function pickEvent(spec: FunctionSpec, lastUsed: string | undefined, title: string, options: { offerAsync?: boolean } = {}): Promise<PickedEvent | undefined> {
  const events = await listEvents(spec.file, spec.name);
  events.sort((a, b) => (a.name === lastUsed ? -1 : b.name === lastUsed ? 1 : 0));
  const buttons = options.offerAsync ? [ASYNC_BUTTON] : [];
  const items: EventItem[] = [];
  if (events.length > 0) items.push({ label: 'Test events', kind: vscode.QuickPickItemKind.Separator });
  for (const event of events) {
    items.push({
      label: `$(json) ${event.name}`,
      description: event.name === lastUsed ? 'last used' : undefined,
      detail: vscode.workspace.asRelativePath(event.file),
      choice: { kind: 'file', event },
      buttons,
    });
  }
  items.push({ label: 'Built-in templates', kind: vscode.QuickPickItemKind.Separator });
  for (const template of templatesFor(spec.events.map((e) => e.kind))) {
    items.push({ label: `$(beaker) ${template.label}`, description: templateDescription(template, spec), choice: { kind: 'template', template }, buttons });
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(add) New Test Event...', create: true });
  const pick = vscode.window.createQuickPick<EventItem>();
  pick.title = title;
  pick.placeholder = `Pick a test event for ${spec.name}${options.offerAsync ? ' (Enter: sync; its button: async)' : ''}`;
  pick.matchOnDescription = true;
  pick.items = items;
  return new Promise<PickedEvent | undefined>((resolve) => {
    let done = false;
    const finish = (value: PickedEvent | undefined) => {
      if (done) return;
      done = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item?.create) finish({ choice: 'new', invocationType: 'RequestResponse' });
      else if (item?.choice) finish({ choice: item.choice, invocationType: 'RequestResponse' });
    });
    pick.onDidTriggerItemButton((e) => e.item.choice && finish({ choice: e.item.choice, invocationType: 'Event' }));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
