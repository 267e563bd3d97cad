/**
 * "Invoke | Debug | Events" above each function in serverless.yml / template.yaml and above the
 * exported handler in the function's source file. Lenses come from the document's own text (and the
 * function files above a source file), so they show as soon as a file is opened: no workspace scan.
 * Debug shows only once a `scf.debugFunction` command is registered.
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { FunctionSpec } from '../model';
import { listEvents } from '../events/store';
import { isExpectationFile } from '../testing/expectations';
import type { WorkspaceWatcher } from './workspaceWatcher';
import { functionFileAnchors, functionsForSource, handlerFunctionName, handlerLine, isFunctionFileName, type LensAnchor } from './codeLensModel';

export const DEBUG_COMMAND = 'scf.debugFunction';
export const EVENTS_COMMAND = 'scf.functionEvents';

/** What the lenses pass to scf.invoke / scf.debugFunction / scf.functionEvents: a function node as the tree gives. */
export function functionArg(spec: FunctionSpec): { kind: 'function'; id: string; spec: FunctionSpec; label: string } {
  return { kind: 'function', id: `codelens:${spec.file}#${spec.name}`, spec, label: spec.name };
}

const SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/serverless.{yml,yaml}' },
  { scheme: 'file', pattern: '**/template.{yaml,yml}' },
  { scheme: 'file', language: 'javascript' },
  { scheme: 'file', language: 'python' },
  { scheme: 'file', pattern: '**/*.{js,mjs,cjs,py}' },
];

export class FunctionCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(files: WorkspaceWatcher) {
    const refresh = () => this.refreshSoon();
    this.disposables.push(
      files.on(['serverless', 'template', 'events'], refresh),
      this.changed,
      vscode.workspace.onDidSaveTextDocument((d) => isFunctionFileName(d.uri.fsPath) && refresh()),
      vscode.commands.registerCommand(EVENTS_COMMAND, (arg?: { spec?: FunctionSpec }) => (arg?.spec ? showEvents(arg.spec) : undefined)),
    );
  }

  private refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), 150);
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const anchors = this.anchors(document);
    if (anchors.length === 0 || token.isCancellationRequested) return [];
    const debugAvailable = (await vscode.commands.getCommands(true)).includes(DEBUG_COMMAND);
    const named = new Set(anchors.map((a) => a.spec.name)).size > 1 || (!isFunctionFileName(document.uri.fsPath) && anchors.length > 1);
    const lenses: vscode.CodeLens[] = [];
    for (const { line, spec } of anchors) {
      const range = new vscode.Range(line, 0, line, 0);
      const arg = functionArg(spec);
      const suffix = named ? ` ${spec.name}` : '';
      const events = (await listEvents(spec.file, spec.name)).filter((e) => !isExpectationFile(e.file));
      lenses.push(new vscode.CodeLens(range, { title: `$(play) Invoke${suffix}`, command: 'scf.invoke', arguments: [arg], tooltip: `Invoke ${spec.name} locally with a test event` }));
      if (debugAvailable) {
        lenses.push(new vscode.CodeLens(range, { title: `$(debug-alt) Debug${suffix}`, command: DEBUG_COMMAND, arguments: [arg], tooltip: `Invoke ${spec.name} locally under the debugger` }));
      }
      lenses.push(
        new vscode.CodeLens(range, {
          title: events.length ? `Events (${events.length})` : 'Events',
          command: EVENTS_COMMAND,
          arguments: [arg],
          tooltip: events.length ? `${spec.name}'s test events: ${events.map((e) => e.name).join(', ')}` : `${spec.name} has no test events yet: create one`,
        }),
      );
    }
    return lenses;
  }

  private anchors(document: vscode.TextDocument): LensAnchor[] {
    const path = document.uri.fsPath;
    if (isFunctionFileName(path)) return functionFileAnchors(document.getText(), path, process.env);
    const language = /\.py$/i.test(path) ? 'python' : /\.[mc]?js$/i.test(path) ? 'javascript' : undefined;
    if (!language) return [];
    const folder = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath;
    const openText = (file: string) => vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file)?.getText() ?? readFileSync(file, 'utf8');
    const specs = functionsForSource(path, { stopAt: folder, env: process.env, read: openText });
    const text = document.getText();
    return specs.map((spec) => ({ spec, line: handlerLine(text, handlerFunctionName(spec) ?? '', language) ?? 0 }));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

interface EventPick extends vscode.QuickPickItem {
  action: () => unknown;
}

/** The function's test events: open one, invoke with one, run them as tests, or create one. */
async function showEvents(spec: FunctionSpec): Promise<void> {
  const events = (await listEvents(spec.file, spec.name)).filter((e) => !isExpectationFile(e.file));
  const arg = functionArg(spec);
  const items: EventPick[] = events.map((event) => ({
    label: `$(json) ${event.name}`,
    description: event.nameProblem ? '$(warning) name breaks the console rule' : undefined,
    detail: vscode.workspace.asRelativePath(event.file),
    buttons: [{ iconPath: new vscode.ThemeIcon('play'), tooltip: 'Invoke with this event' }],
    action: () => vscode.window.showTextDocument(vscode.Uri.file(event.file)),
  }));
  if (events.length > 0) {
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator, action: () => undefined });
    items.push({ label: '$(beaker) Run Test Events as Tests', action: () => vscode.commands.executeCommand('scf.runFunctionTests', arg) });
  }
  items.push({ label: '$(add) New Test Event...', action: () => vscode.commands.executeCommand('scf.newEvent', arg) });
  const pick = vscode.window.createQuickPick<EventPick>();
  pick.title = `${spec.name}: test events`;
  pick.placeholder = events.length ? 'Open a test event (or invoke with the play button)' : 'No test events yet';
  pick.items = items;
  pick.onDidTriggerItemButton((e) => {
    const event = events[items.indexOf(e.item)];
    pick.hide();
    if (event) void vscode.commands.executeCommand('scf.invoke', { kind: 'event', id: `codelens:${event.file}`, spec, event, label: event.name });
  });
  pick.onDidAccept(() => {
    const chosen = pick.selectedItems[0];
    pick.hide();
    void chosen?.action();
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}

/** Registers the CodeLens provider and the Events command; call once from activate(). */
export function registerCodeLens(context: vscode.ExtensionContext, files: WorkspaceWatcher): FunctionCodeLens {
  const provider = new FunctionCodeLens(files);
  context.subscriptions.push(provider, vscode.languages.registerCodeLensProvider(SELECTOR, provider));
  return provider;
}
