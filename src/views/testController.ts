/**
 * Test events as tests in VS Code's Test Explorer: each function (from serverless.yml or a TCSAM
 * template.yaml) with its test events under it. Running one invokes it in the emulator host (a
 * separate process: user code never runs in the extension host), streams the log into the test's
 * output, and checks the expectation beside it (`<name>.expect.json`; without one a test passes on
 * status 200). A mismatch shows as a diff; "Save Result as Expected" writes the expectation from
 * the last run. The checks are src/testing/, shared with `scf-toolkit test`.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { EmulatorHost } from './emulatorClient';
import type { WorkspaceWatcher } from './workspaceWatcher';
import type { InvokeOutcome } from '../emulator/emulator';
import { errorMessageLine, startLabel, statusLabel } from '../emulator/statusCodes';
import { loadServerlessFile, type FunctionSpec } from '../model';
import { isTcsamText, TCSAM_FILE_NAMES } from '../model/tcsam';
import { eventsRoot } from '../events/store';
import { expectationFromRun, formatExpectation } from '../testing/expectations';
import { collectTests, runTest, type TestCase, type TestInvoker, type TestRun } from '../testing/runner';
import { DEBUG_COMMAND, functionArg } from './codeLens';

export const CONTROLLER_ID = 'scf.tests';
export const SAVE_EXPECTED_COMMAND = 'scf.saveResultAsExpected';
export const RUN_FUNCTION_TESTS_COMMAND = 'scf.runFunctionTests';
/** TestMessage.contextValue of a failed expectation: `testing/message/content` shows "Save Result as Expected" on it. */
export const MISMATCH_CONTEXT = 'scf.expectationMismatch';

const FILES_GLOB = '**/{serverless.yml,serverless.yaml,template.yaml,template.yml}';
const UNTRUSTED = 'Running a test event runs the function\'s code on this machine, and this workspace is not trusted. Trust the workspace to run tests.';

export class ScfTestController implements vscode.Disposable {
  readonly controller: vscode.TestController;
  readonly runProfile: vscode.TestRunProfile;
  /** Runs each test through "SCF: Debug Function" (the lead's scf.debugFunction): breakpoints stop in the handler. */
  readonly debugProfile: vscode.TestRunProfile;
  /** The last run of each test, by test id: what "Save Result as Expected" writes. */
  readonly lastRuns = new Map<string, TestRun>();
  private readonly cases = new Map<string, TestCase>();
  private readonly disposables: vscode.Disposable[] = [];
  private refreshing: Promise<void> | undefined;
  private refreshQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshed = new vscode.EventEmitter<void>();
  /** Fires after the items were rebuilt (tests wait on it). */
  readonly onDidRefresh = this.refreshed.event;

  constructor(
    private readonly host: EmulatorHost,
    files: WorkspaceWatcher,
  ) {
    this.controller = vscode.tests.createTestController(CONTROLLER_ID, 'SCF Test Events');
    this.controller.refreshHandler = () => this.refresh();
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.refresh();
    };
    this.runProfile = this.controller.createRunProfile('Invoke Locally', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    this.debugProfile = this.controller.createRunProfile('Debug Locally', vscode.TestRunProfileKind.Debug, (request, token) => this.run(request, token, true), true);

    const later = () => this.refreshSoon();
    this.disposables.push(
      files.on(['serverless', 'template', 'events'], later),
      this.controller,
      this.refreshed,
      vscode.workspace.onDidChangeWorkspaceFolders(later),
      vscode.commands.registerCommand(SAVE_EXPECTED_COMMAND, (arg?: unknown) => this.saveExpected(arg)),
      vscode.commands.registerCommand(RUN_FUNCTION_TESTS_COMMAND, (arg?: { spec?: FunctionSpec }) => this.runFunction(arg?.spec)),
    );
  }

  private refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 200);
  }

  /** Rebuilds the items from the function files and event folders on disk. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshQueued = true;
      return this.refreshing;
    }
    this.refreshing = this.rebuild().finally(() => {
      this.refreshing = undefined;
      if (this.refreshQueued) {
        this.refreshQueued = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    // No exclude argument, so `files.exclude` applies (as in the Functions view); dependencies are skipped here.
    // A function file that does not load, beside test events: an item that says why, so its tests do not just vanish.
    const broken: { uri: vscode.Uri; message: string; range?: { line: number; column: number } }[] = [];
    const uris = (await vscode.workspace.findFiles(FILES_GLOB)).filter((u) => !/[\\/](node_modules|\.git|\.scf)[\\/]/.test(u.fsPath));
    const specs: FunctionSpec[] = [];
    for (const uri of uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
      const name = uri.fsPath.split(/[\\/]/).pop()!;
      if ((TCSAM_FILE_NAMES as readonly string[]).includes(name)) {
        const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
        if (!isTcsamText(text)) continue;
      }
      const loaded = loadServerlessFile(uri.fsPath, { env: process.env });
      if (loaded.ok) specs.push(...loaded.value.functions);
      else if (existsSync(eventsRoot(uri.fsPath))) broken.push({ uri, message: loaded.error.message, range: loaded.error.range });
    }
    const cases = await collectTests(specs);
    this.cases.clear();
    const byFunction = new Map<string, { spec: FunctionSpec; cases: TestCase[] }>();
    for (const spec of specs) byFunction.set(functionId(spec), { spec, cases: [] });
    for (const c of cases) {
      this.cases.set(c.id, c);
      byFunction.get(functionId(c.spec))?.cases.push(c);
    }
    const roots: vscode.TestItem[] = [];
    for (const [id, { spec, cases: list }] of byFunction) {
      // A function appears once it has test events; "Events" in the CodeLens or the tree adds them.
      if (list.length === 0) continue;
      const fn = this.controller.createTestItem(id, spec.name, vscode.Uri.file(spec.file));
      if (spec.range) fn.range = new vscode.Range(spec.range.line, spec.range.column, spec.range.line, spec.range.column);
      fn.description = vscode.workspace.asRelativePath(spec.file);
      fn.children.replace(
        list.map((c) => {
          const item = this.controller.createTestItem(c.id, c.event.name, vscode.Uri.file(c.event.file));
          item.range = new vscode.Range(0, 0, 0, 0);
          item.description = c.hasExpectation ? undefined : 'no expectation: passes on 200';
          return item;
        }),
      );
      roots.push(fn);
    }
    for (const b of broken) {
      const item = this.controller.createTestItem(`${b.uri.fsPath}#broken`, vscode.workspace.asRelativePath(b.uri), b.uri);
      if (b.range) item.range = new vscode.Range(b.range.line, b.range.column, b.range.line, b.range.column);
      // The item names the file already: keep the line and the problem (`line 5: YAML syntax error ...`).
      const at = b.message.match(/^.*?:(\d+):\d+: ([\s\S]*)$/);
      item.error = at ? `line ${at[1]}: ${at[2]}` : b.message.replace(`${b.uri.fsPath}: `, '');
      roots.push(item);
    }
    this.controller.items.replace(roots);
    this.refreshed.fire();
  }

  private invoker(): TestInvoker {
    return {
      invoke: (spec, payload, onLog, signal) => {
        const running = this.host.invoke(this.host.params(spec, payload, 'RequestResponse'), onLog);
        signal?.addEventListener('abort', () => running.cancel(), { once: true });
        return running.outcome;
      },
    };
  }

  /** The leaves (event items) a request covers, in Test Explorer order. */
  private leaves(request: vscode.TestRunRequest): vscode.TestItem[] {
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const out: vscode.TestItem[] = [];
    const visit = (item: vscode.TestItem) => {
      if (excluded.has(item.id)) return;
      if (item.children.size === 0) {
        if (this.cases.has(item.id)) out.push(item);
        return;
      }
      const children: vscode.TestItem[] = [];
      item.children.forEach((c) => void children.push(c));
      children.sort((a, b) => a.label.localeCompare(b.label)).forEach(visit);
    };
    if (request.include) request.include.forEach(visit);
    else {
      const roots: vscode.TestItem[] = [];
      this.controller.items.forEach((i) => void roots.push(i));
      roots.forEach(visit);
    }
    return out;
  }

  /**
   * Debugging goes through `scf.debugFunction`, which invokes under the debugger, attaches VS Code and
   * streams the log to the SCF output (not to the test): the status and result are checked, `logIncludes` not.
   */
  private debugInvoker(testCase: TestCase): TestInvoker {
    return {
      invoke: async (spec, _payload, _onLog, signal) => {
        const stop = () => void vscode.commands.executeCommand('scf.stopInvocation');
        signal?.addEventListener('abort', stop, { once: true });
        try {
          const outcome = await vscode.commands.executeCommand<InvokeOutcome | undefined>(DEBUG_COMMAND, functionArg(spec), { event: testCase.event.name });
          return outcome ?? { ok: false, error: { code: 'debug.notStarted', message: 'the debug session did not start (see the SCF output)' } };
        } finally {
          signal?.removeEventListener('abort', stop);
        }
      },
    };
  }

  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, debug = false): Promise<void> {
    const run = this.controller.createTestRun(request, undefined, true);
    const leaves = this.leaves(request);
    try {
      if (!vscode.workspace.isTrusted) {
        for (const leaf of leaves) run.errored(leaf, new vscode.TestMessage(UNTRUSTED));
        return;
      }
      for (const leaf of leaves) run.enqueued(leaf);
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        for (const leaf of leaves) {
          if (token.isCancellationRequested) {
            run.skipped(leaf);
            continue;
          }
          await this.runOne(run, leaf, abort.signal, debug);
        }
      } finally {
        sub.dispose();
      }
    } finally {
      run.end();
    }
  }

  private async runOne(run: vscode.TestRun, leaf: vscode.TestItem, signal: AbortSignal, debug: boolean): Promise<void> {
    const testCase = this.cases.get(leaf.id)!;
    run.started(leaf);
    const out = (text: string) => run.appendOutput(`${text.replace(/\r?\n/g, '\r\n')}\r\n`, undefined, leaf);
    out(`▶ ${testCase.spec.name} › ${testCase.event.name}  (${vscode.workspace.asRelativePath(testCase.event.file)})${debug ? '  under the debugger: the log is in the SCF output' : ''}`);
    const invoker = debug ? this.debugInvoker(testCase) : this.invoker();
    const result = await runTest(testCase, invoker, { signal, onLog: (line) => out(line.text), skipLogChecks: debug });
    this.lastRuns.set(leaf.id, result);
    const r = result.invokeResult;
    if (r) {
      out(`Status: ${statusLabel(r.statusCode)}    Duration: ${r.durationMs} ms    Memory: ${r.maxMemoryUsedMB}/${r.memorySize} MB    ${startLabel(r)}`);
      if (r.errorMessage) out(errorMessageLine(r.errorMessage));
      if (r.statusCode === 200) out(`Result: ${JSON.stringify(r.result, null, 2)}`);
    }
    const duration = r?.durationMs ?? result.durationMs;
    if (result.status === 'passed') {
      run.passed(leaf, duration);
      return;
    }
    if (result.status === 'errored') {
      const message = new vscode.TestMessage(result.message);
      if (result.location) message.location = new vscode.Location(vscode.Uri.file(result.location.file), new vscode.Position(result.location.line, result.location.column));
      out(result.message);
      run.errored(leaf, message, duration);
      return;
    }
    out(result.message);
    run.failed(leaf, this.failureMessages(result), duration);
  }

  private failureMessages(result: TestRun): vscode.TestMessage[] {
    const report = result.report!;
    const c = result.testCase;
    const uri = vscode.Uri.file(c.hasExpectation ? c.expectFile : c.event.file);
    // Each message at the key it is about (`result`, `statusCode`, `logIncludes` ...) in the expectation.
    const at = (path: string) => {
      const key = path.startsWith('result') ? 'result' : path === 'log' ? 'logIncludes' : path;
      return new vscode.Location(uri, new vscode.Position(result.expectLines?.[key] ?? 0, 0));
    };
    const messages: vscode.TestMessage[] = [];
    const others = report.mismatches.filter((m) => !m.path.startsWith('result'));
    const resultMismatches = report.mismatches.filter((m) => m.path.startsWith('result'));
    if (report.resultDiff) {
      const text = new vscode.MarkdownString(resultMismatches.map((m) => `- ${escapeMarkdown(m.message)}`).join('\n'));
      const diff = vscode.TestMessage.diff(text, report.resultDiff.expected, report.resultDiff.actual);
      diff.location = at('result');
      diff.contextValue = MISMATCH_CONTEXT;
      messages.push(diff);
    }
    for (const m of others) {
      const message = m.expected !== undefined && m.actual !== undefined ? vscode.TestMessage.diff(m.message, m.expected, m.actual) : new vscode.TestMessage(m.message);
      message.location = at(m.path);
      message.contextValue = MISMATCH_CONTEXT;
      messages.push(message);
    }
    return messages;
  }

  /** Runs one function's test events (the CodeLens "Events" pick offers it). */
  private async runFunction(spec: FunctionSpec | undefined): Promise<void> {
    await this.refresh();
    const item = spec ? this.controller.items.get(functionId(spec)) : undefined;
    if (!item) {
      void vscode.window.showInformationMessage(`SCF: ${spec?.name ?? 'this function'} has no test events to run yet.`);
      return;
    }
    const source = new vscode.CancellationTokenSource();
    try {
      await this.run(new vscode.TestRunRequest([item], undefined, this.runProfile), source.token);
    } finally {
      source.dispose();
    }
  }

  /** Writes `<name>.expect.json` from the test's last run: from a test item, a test message, or a pick. */
  async saveExpected(arg?: unknown): Promise<string | undefined> {
    let id: string | undefined;
    if (isTestItem(arg)) id = arg.id;
    else if (arg && typeof arg === 'object' && isTestItem((arg as { test?: unknown }).test)) id = (arg as { test: vscode.TestItem }).test.id;
    if (id && !this.cases.has(id)) {
      // A function item: save each of its tests that ran.
      const fn = this.controller.items.get(id);
      if (fn) {
        const ids: string[] = [];
        fn.children.forEach((c) => void ids.push(c.id));
        const saved = [];
        for (const child of ids) if (this.lastRuns.get(child)?.invokeResult) saved.push(await this.writeExpected(child));
        return saved[0];
      }
    }
    if (!id) {
      const ran = [...this.lastRuns.values()].filter((r) => r.invokeResult);
      if (ran.length === 0) {
        void vscode.window.showInformationMessage('SCF: run a test event first; "Save Result as Expected" writes its last result.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(
        ran.map((r) => ({ label: `${r.testCase.spec.name} › ${r.testCase.event.name}`, description: `${r.invokeResult!.statusCode} · ${r.status}`, id: r.testCase.id })),
        { title: 'Save Result as Expected', placeHolder: 'Which test\'s last result?' },
      );
      id = pick?.id;
    }
    return id ? this.writeExpected(id) : undefined;
  }

  private async writeExpected(id: string): Promise<string | undefined> {
    const last = this.lastRuns.get(id);
    if (!last?.invokeResult) {
      void vscode.window.showInformationMessage('SCF: this test has no result yet (it did not run, or stopped before invoking); run it first.');
      return undefined;
    }
    const expectation = expectationFromRun({ ...last.invokeResult, log: last.logs.map((l) => l.text).join('\n') }, last.expectation);
    const file = last.testCase.expectFile;
    await writeFile(file, formatExpectation(expectation));
    void vscode.window
      .showInformationMessage(`SCF: saved ${last.invokeResult.statusCode === 200 ? 'the result' : `status ${last.invokeResult.statusCode}`} as expected in ${vscode.workspace.asRelativePath(file)}. Trim keys that change between runs.`, 'Open')
      .then((a) => a && vscode.window.showTextDocument(vscode.Uri.file(file)));
    this.refreshSoon();
    return file;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function functionId(spec: FunctionSpec): string {
  return `${spec.file}#${spec.name}`;
}

function isTestItem(v: unknown): v is vscode.TestItem {
  return typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && 'children' in v && 'uri' in v;
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}

/** Creates the Test Explorer controller (items load in the background); call once from activate(). */
export function registerTestController(context: vscode.ExtensionContext, host: EmulatorHost, files: WorkspaceWatcher): ScfTestController {
  const tests = new ScfTestController(host, files);
  context.subscriptions.push(tests);
  void tests.refresh();
  return tests;
}
