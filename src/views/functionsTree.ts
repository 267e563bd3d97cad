/**
 * The "Functions" view: every serverless.yml / serverless.yaml in the workspace folders, their
 * functions, triggers, environment variables and test events. Follows the files: creating, editing,
 * renaming or deleting a serverless.yml (or an event file) updates the view without a refresh.
 */
import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { ok, type FunctionSpec, type LoadResult, type Outcome } from '../model';
import { listEvents, type EventFile } from '../events/store';
import { findServerlessFiles, isServerlessPath, isTcsamFile, type ExcludeSetting } from '../model/discovery';
import type { WorkspaceWatcher } from './workspaceWatcher';
import { defaultExpansion, fileChildren, functionChildren, functionProblems, groupChildren, problemText, rootNodes, type FileEntry, type TreeNode } from './treeModel';

const PARSE_DELAY_MS = 200;
/** workspaceState key: the ids of nodes the user opened (true) or closed (false). */
const EXPANSION_KEY = 'scf.functions.expansion';

export class FunctionsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loaded = new vscode.EventEmitter<void>();
  /** Fires after the functions were (re)read; tests and commands wait on it. */
  readonly onDidLoad = this.loaded.event;
  private entries = new Map<string, FileEntry>();
  private disposables: vscode.Disposable[] = [];
  private timers = new Map<string, NodeJS.Timeout>();
  private scanning: Promise<void> | undefined;
  private rescanQueued = false;
  private ready: Promise<void>;
  private readonly expansion: Map<string, boolean>;

  constructor(
    private readonly media: vscode.Uri,
    files: WorkspaceWatcher,
    /** Where the open/closed state of the nodes is kept between sessions. */
    private readonly state?: vscode.Memento,
    /** Awaited before the first scan (the editor loads the YAML and glob libraries in tasks of their own meanwhile). */
    private readonly prepare?: Promise<void>,
    /** Resolves in a task of its own for each file read (the editor's start-up shares one queue of them). */
    private readonly turn: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
  ) {
    this.expansion = new Map(Object.entries(state?.get<Record<string, boolean>>(EXPANSION_KEY) ?? {}));
    const functionFiles = files.on(['serverless'], ({ uri, change }) => {
      if (change === 'created') this.schedule(uri.fsPath, () => this.rescan());
      else if (change === 'changed') this.schedule(uri.fsPath, () => this.reload(uri.fsPath));
      else this.forget(uri.fsPath);
    });
    // TCSAM template.yaml of the older SCF CLI: in the view when its text is a TCSAM template.
    const templates = files.on(['template'], ({ uri, change }) => {
      if (change === 'deleted') {
        if (this.entries.has(uri.fsPath)) this.forget(uri.fsPath);
      } else if (this.entries.has(uri.fsPath)) this.schedule(uri.fsPath, () => this.reload(uri.fsPath));
      else void isTcsamFile(uri.fsPath).then((yes) => yes && this.schedule(uri.fsPath, () => this.rescan()));
    });
    // A folder created, deleted or renamed with serverless.yml inside may be reported as the folder
    // alone (the watcher can subscribe to a new folder after its files were written).
    const folders = files.on(
      ['other'],
      ({ uri, change }) => {
        if (change === 'created') {
          void stat(uri.fsPath)
            .then((st) => {
              if (st.isDirectory()) this.schedule('folders', () => this.rescan());
            })
            .catch(() => undefined);
        } else if ([...this.entries.keys()].some((k) => k.startsWith(`${uri.fsPath}/`))) this.forget(uri.fsPath);
      },
      ['created', 'deleted'],
    );
    const events = files.on(['events'], () => this.schedule('events', async () => this.changed.fire(undefined)), ['created', 'deleted']);
    this.disposables.push(
      functionFiles,
      templates,
      folders,
      events,
      this.changed,
      this.loaded,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.entries.has(e.document.uri.fsPath)) {
          this.schedule(e.document.uri.fsPath, () => this.reload(e.document.uri.fsPath));
        }
      }),
      // Closing an edited file without saving: go back to what is on disk.
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (this.entries.has(doc.uri.fsPath)) this.schedule(doc.uri.fsPath, () => this.reload(doc.uri.fsPath));
      }),
      // The language server checks every file of the workspace: mark the functions with problems.
      vscode.languages.onDidChangeDiagnostics((e) => {
        if (e.uris.some((u) => this.entries.has(u.fsPath))) this.schedule('problems', async () => this.changed.fire(undefined));
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('files.exclude')) void this.rescan();
      }),
    );
    this.ready = this.rescan();
  }

  /** Follows the user opening and closing nodes in `view`, so the next session opens them the same way. */
  track(view: vscode.TreeView<TreeNode>): vscode.Disposable {
    const remember = (node: TreeNode, open: boolean) => {
      this.expansion.set(node.id, open);
      // Bounded: ids of functions long gone should not pile up.
      if (this.expansion.size > 500) this.expansion.delete(this.expansion.keys().next().value as string);
      this.schedule('expansion', () => void this.state?.update(EXPANSION_KEY, Object.fromEntries(this.expansion)));
    };
    return vscode.Disposable.from(
      view.onDidExpandElement((e) => remember(e.element, true)),
      view.onDidCollapseElement((e) => remember(e.element, false)),
    );
  }

  /** Resolves once the first scan is done. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }

  /** Every function in the workspace, in file order. */
  functions(): FunctionSpec[] {
    return [...this.entries.values()]
      .sort((a, b) => a.file.localeCompare(b.file))
      .flatMap((e) => (e.result.ok ? e.result.value.functions : []));
  }

  fileEntries(): FileEntry[] {
    return [...this.entries.values()];
  }

  /** The functions a serverless.yml declares, read fresh (it may not be in the view, e.g. excluded). */
  functionsIn(file: string): Outcome<FunctionSpec[]> {
    const entry = this.entries.get(file);
    const result = entry?.result ?? this.read(file);
    return result.ok ? ok(result.value.functions) : result;
  }

  private schedule(key: string, run: () => Promise<void> | void): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void run();
      }, PARSE_DELAY_MS),
    );
  }

  /** Reads a file from its open editor when there is one (unsaved edits count), else from disk. */
  private read(file: string): LoadResult {
    // The model (and the yaml parser) load on the first read, after activation.
    const { parseServerless, loadServerlessFile } = require('../model') as typeof import('../model');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    return doc ? parseServerless(doc.getText(), file) : loadServerlessFile(file);
  }

  async rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanQueued = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      await this.prepare;
      // A turn of its own: what `prepare` loaded last resolved it, and its task is over (the scan's
      // start, the exclude patterns' compile, must not run in the same one).
      await this.turn();
      do {
        this.rescanQueued = false;
        const found: string[] = [];
        for (const folder of vscode.workspace.workspaceFolders ?? []) {
          if (folder.uri.scheme !== 'file') continue;
          const exclude = vscode.workspace.getConfiguration('files', folder.uri).get<ExcludeSetting>('exclude') ?? {};
          found.push(...(await findServerlessFiles(folder.uri.fsPath, { exclude })));
        }
        const next = new Map<string, FileEntry>();
        for (const file of found) {
          // One file per task: the extension host's thread is the editor's, and a workspace may hold many.
          await this.turn();
          next.set(file, { file, result: this.read(file) });
        }
        this.entries = next;
      } while (this.rescanQueued);
    })();
    try {
      await this.scanning;
    } finally {
      this.scanning = undefined;
    }
    void vscode.commands.executeCommand('setContext', 'scf.hasFunctions', this.entries.size > 0);
    this.changed.fire(undefined);
    this.loaded.fire();
  }

  private async reload(file: string): Promise<void> {
    if (!this.entries.has(file)) return this.rescan();
    this.entries.set(file, { file, result: this.read(file) });
    this.changed.fire(undefined);
    this.loaded.fire();
  }

  private forget(file: string): void {
    if (!isServerlessPath(file) && ![...this.entries.keys()].some((k) => k.startsWith(file))) return;
    // A deleted folder reports only the folder: drop every file under it.
    for (const key of [...this.entries.keys()]) if (key === file || key.startsWith(`${file}/`)) this.entries.delete(key);
    this.changed.fire(undefined);
    this.loaded.fire();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    if (!node) return rootNodes([...this.entries.values()], roots);
    switch (node.kind) {
      case 'file':
        return fileChildren(node.file, node.loaded, roots);
      case 'function':
        return functionChildren(node.spec, await listEvents(node.spec.file, node.spec.name));
      case 'group':
        return groupChildren(node, node.group === 'events' ? await listEvents(node.spec.file, node.spec.name) : [], roots);
      default:
        return [];
    }
  }

  /** `1 error, 2 warnings` of the function's part of its file, from the Problems panel. */
  private problemsOf(spec: FunctionSpec): string {
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(spec.file));
    if (diagnostics.length === 0) return '';
    const entry = this.entries.get(spec.file);
    const inFile = entry?.result.ok ? entry.result.value.functions : [spec];
    const severity = (d: vscode.Diagnostic) => (d.severity === vscode.DiagnosticSeverity.Error ? 'error' : d.severity === vscode.DiagnosticSeverity.Warning ? 'warning' : 'other') as 'error' | 'warning' | 'other';
    return problemText(functionProblems(spec, inFile, diagnostics.map((d) => ({ line: d.range.start.line, severity: severity(d) }))));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const saved = this.expansion.get(node.id);
    const expansion = defaultExpansion(node, this.functions().length);
    const collapsible =
      expansion === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : (saved ?? expansion === 'expanded')
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    if ('description' in node) item.description = node.description;
    if ('tooltip' in node) item.tooltip = node.tooltip;
    item.contextValue = node.kind === 'group' ? `${node.group}Group` : node.kind;
    const themed = (name: string) => ({ light: vscode.Uri.joinPath(this.media, 'light', name), dark: vscode.Uri.joinPath(this.media, 'dark', name) });
    switch (node.kind) {
      case 'file':
        item.iconPath = themed('scf.svg');
        item.resourceUri = vscode.Uri.file(node.file);
        item.tooltip = node.file;
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'brokenFile':
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'function': {
        item.iconPath = themed(`runtime-${node.runtime}.svg`);
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        const problems = this.problemsOf(node.spec);
        if (problems) {
          item.description = `${problems} · ${node.description}`;
          item.tooltip = `${node.tooltip}\n${problems} in ${vscode.workspace.asRelativePath(node.spec.file)} (see the Problems panel)`;
          if (problems.includes('error')) item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        }
        break;
      }
      case 'group':
        item.iconPath = new vscode.ThemeIcon(node.group === 'triggers' ? 'zap' : node.group === 'environment' ? 'symbol-variable' : node.group === 'layers' ? 'layers' : 'beaker');
        break;
      case 'layer':
        item.iconPath = new vscode.ThemeIcon('layers');
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'layerBinding':
        item.iconPath = node.binding.dir ? new vscode.ThemeIcon('layers') : new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'unchecked':
        item.iconPath = new vscode.ThemeIcon('circle-slash');
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'trigger':
        item.iconPath = new vscode.ThemeIcon(triggerIcon(node.trigger.kind));
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'variable':
        item.iconPath = new vscode.ThemeIcon('symbol-constant');
        item.command = { command: 'scf.openDefinition', title: 'Open Definition', arguments: [node] };
        break;
      case 'event':
        item.iconPath = new vscode.ThemeIcon(node.event.nameProblem ? 'warning' : 'json');
        item.resourceUri = vscode.Uri.file(node.event.file);
        item.command = { command: 'scf.editEvent', title: 'Edit Test Event', arguments: [node] };
        break;
      case 'hint':
        item.iconPath = new vscode.ThemeIcon('info');
        break;
    }
    return item;
  }
}

function triggerIcon(kind: string): string {
  switch (kind) {
    case 'timer':
      return 'watch';
    case 'apigw':
      return 'globe';
    case 'cos':
      return 'archive';
    case 'cmq':
    case 'ckafka':
      return 'mail';
    case 'cls':
      return 'output';
    default:
      return 'zap';
  }
}

export type { TreeNode, EventFile };
