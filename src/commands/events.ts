/** New / Edit / Rename / Duplicate / Delete Test Event. */
import * as vscode from 'vscode';
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createEvent, deleteEvent, duplicateEvent, listEvents, renameEvent, takenNames, type EventFile, type StoreResult } from '../events/store';
import { eventNameProblem, suggestName } from '../events/names';
import { templatesFor, type EventTemplate } from '../events/templates';
import { templateDescription, templateFor } from '../events/fromTrigger';
import { isTreeNode, resolveFunction } from './pick';
import type { FunctionsTree } from '../views/functionsTree';

export class EventCommands {
  constructor(
    private readonly tree: FunctionsTree,
    private readonly templatesDir: string,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('scf.newEvent', (arg?: unknown, options?: NewEventOptions) => this.newEvent(arg, options)),
      vscode.commands.registerCommand('scf.editEvent', (arg?: unknown) => this.edit(arg)),
      vscode.commands.registerCommand('scf.renameEvent', (arg?: unknown, newName?: string) => this.rename(arg, newName)),
      vscode.commands.registerCommand('scf.duplicateEvent', (arg?: unknown, newName?: string) => this.duplicate(arg, newName)),
      vscode.commands.registerCommand('scf.deleteEvent', (arg?: unknown, options?: { confirm?: boolean }) => this.delete(arg, options)),
    ];
  }

  /** Template, then name (validated as you type), then the file opens in an editor. */
  async newEvent(arg?: unknown, options: NewEventOptions = {}): Promise<EventFile | undefined> {
    const spec = await resolveFunction(this.tree, arg, 'New Test Event', { activeEditor: 'preselect' });
    if (!spec) return undefined;
    let template: EventTemplate | undefined;
    if (options.template) template = templatesFor([]).find((t) => t.id === options.template);
    if (!template) {
      const picked = await vscode.window.showQuickPick(
        templatesFor(spec.events.map((e) => e.kind)).map((t) => ({ label: t.label, description: templateDescription(t, spec), template: t })),
        { title: `New Test Event for ${spec.name}`, placeHolder: 'Start from a template' },
      );
      if (!picked) return undefined;
      template = picked.template;
    }
    const taken = await takenNames(spec.file, spec.name);
    const name =
      options.name ??
      (await vscode.window.showInputBox({
        title: `New Test Event for ${spec.name}`,
        prompt: 'Event name: letters, digits, "-" and "_", starting with a letter',
        value: suggestName(template.label, taken),
        validateInput: (value) => eventNameProblem(value) ?? (taken.has(value) ? `${spec.name} already has a test event named "${value}"` : undefined),
      }));
    if (name === undefined) return undefined;
    const created = await createEvent(spec.file, spec.name, name, templateFor(template, spec, this.templatesDir));
    const event = await this.report(created);
    if (event && options.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(event.file), { preview: false });
    return event;
  }

  async edit(arg?: unknown): Promise<void> {
    const event = await this.resolveEvent(arg, 'Edit Test Event');
    if (event) await vscode.window.showTextDocument(vscode.Uri.file(event.file), { preview: false });
  }

  async rename(arg?: unknown, newName?: string): Promise<EventFile | undefined> {
    const event = await this.resolveEvent(arg, 'Rename Test Event');
    if (!event) return undefined;
    const taken = new Set((await readdir(dirname(event.file)).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
    const name =
      newName ??
      (await vscode.window.showInputBox({
        title: `Rename Test Event "${event.name}"`,
        value: event.name,
        validateInput: (value) => eventNameProblem(value) ?? (value !== event.name && taken.has(value) ? `"${value}" is taken` : undefined),
      }));
    if (name === undefined || name === event.name) return undefined;
    // Keep an open editor on the file: close it and open the renamed one.
    const wasOpen = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === event.file);
    const renamed = await this.report(await renameEvent(event, name));
    if (renamed && wasOpen.length > 0) {
      await vscode.window.tabGroups.close(wasOpen);
      await vscode.window.showTextDocument(vscode.Uri.file(renamed.file), { preview: false });
    }
    return renamed;
  }

  async duplicate(arg?: unknown, newName?: string): Promise<EventFile | undefined> {
    const event = await this.resolveEvent(arg, 'Duplicate Test Event');
    if (!event) return undefined;
    return this.report(await duplicateEvent(event, newName));
  }

  async delete(arg?: unknown, options: { confirm?: boolean } = {}): Promise<boolean> {
    const event = await this.resolveEvent(arg, 'Delete Test Event');
    if (!event) return false;
    if (options.confirm !== false) {
      const answer = await vscode.window.showWarningMessage(`Delete the test event "${event.name}" of ${event.functionName}?`, { modal: true, detail: event.file }, 'Delete');
      if (answer !== 'Delete') return false;
    }
    const result = await deleteEvent(event);
    if (!result.ok) {
      void vscode.window.showErrorMessage(`SCF: ${result.error.message}`);
      return false;
    }
    return true;
  }

  private async report<T>(result: StoreResult<T>): Promise<T | undefined> {
    if (!result.ok) {
      void vscode.window.showErrorMessage(`SCF: ${result.error.message}`);
      return undefined;
    }
    if (result.warning) void vscode.window.showWarningMessage(`SCF: ${result.warning}`);
    return result.value;
  }

  /** The event a command is about: a tree item, an open event file, or asked for. */
  private async resolveEvent(arg: unknown, title: string): Promise<EventFile | undefined> {
    if (isTreeNode(arg) && arg.kind === 'event') return arg.event;
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (uri && /[\\/]\.scf[\\/]events[\\/][^\\/]+[\\/][^\\/]+\.json$/i.test(uri.fsPath) && (arg instanceof vscode.Uri || !arg)) {
      const parts = uri.fsPath.split(/[\\/]/);
      return { functionName: parts[parts.length - 2]!, name: parts[parts.length - 1]!.replace(/\.json$/i, ''), file: uri.fsPath };
    }
    const spec = await resolveFunction(this.tree, isTreeNode(arg) ? arg : undefined, title);
    if (!spec) return undefined;
    const events = await listEvents(spec.file, spec.name);
    if (events.length === 0) {
      void vscode.window.showInformationMessage(`SCF: ${spec.name} has no test events yet; create one with "SCF: New Test Event".`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      events.map((event) => ({ label: event.name, detail: vscode.workspace.asRelativePath(event.file), event })),
      { title, placeHolder: `Pick a test event of ${spec.name}` },
    );
    return picked?.event;
  }
}

export interface NewEventOptions {
  /** Skip the template pick (tests, and "New Test Event..." from a template). */
  template?: string;
  /** Skip the name prompt. */
  name?: string;
  open?: boolean;
}
