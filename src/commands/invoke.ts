/**
 * Invoke Locally, Invoke Again with the Last Event, Stop Invocation. User code runs in the emulator
 * host (a separate process, src/emulator/client.ts), never in the extension host, and only in a
 * trusted workspace.
 */
import * as vscode from 'vscode';
import type { RunningInvocation } from '../emulator/client';
import type { EmulatorHost } from '../views/emulatorClient';
import type { InvokeOutcome } from '../emulator/emulator';
import { statusInfo, statusLabel } from '../emulator/statusCodes';
import type { FunctionSpec } from '../model';
import { findTemplate } from '../events/templates';
import { templateFor } from '../events/fromTrigger';
import { eventFromPath, listEvents, type EventFile } from '../events/store';
import type { InvocationType } from '../emulator/types';
import { dirname } from 'node:path';
import { eventLabel, isTreeNode, pickEvent, resolveFunction, type EventChoice } from './pick';
import { attachWhenListening, debugPort } from './debugFunction';
import type { FunctionsTree } from '../views/functionsTree';
import type { OutputView } from '../views/output';
import { inFile } from '../views/logFormat';
import type { InvocationStatus } from '../views/statusBar';
import { checkEventFile } from './eventCheck';
import { untrustedMessage } from './trust';



interface LastInvocation {
  file: string;
  functionName: string;
  choice: EventChoice;
  invocationType: InvocationType;
}

export interface InvokeRequestOptions {
  /** Skip the event pick: a template id or an event name of the function. */
  event?: string;
  /** Run under the debugger and attach VS Code to it (SCF: Debug Function). */
  debug?: boolean;
  /** Event: SCF's async invocation (accepted at once; retries, dead letters). Default RequestResponse. */
  invocationType?: InvocationType;
}

export class Invoker implements vscode.Disposable {
  private readonly running = new Set<RunningInvocation>();
  private readonly stopped = new WeakSet<RunningInvocation>();
  private last: LastInvocation | undefined;
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: EmulatorHost,
    private readonly tree: FunctionsTree,
    private readonly output: OutputView,
    private readonly status: InvocationStatus,
    private readonly templatesDir: string,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('scf.invoke', (arg?: unknown, options?: InvokeRequestOptions) => this.invoke(arg, options)),
      vscode.commands.registerCommand('scf.debugFunction', (arg?: unknown, options?: InvokeRequestOptions) => this.invoke(arg, { ...options, debug: true })),
      vscode.commands.registerCommand('scf.invokeAsync', (arg?: unknown, options?: InvokeRequestOptions) => this.invoke(arg, { ...options, invocationType: 'Event' })),
      vscode.commands.registerCommand('scf.invokeAgain', () => this.invokeAgain()),
      vscode.commands.registerCommand('scf.stopInvocation', () => this.stop()),
    ];
  }

  private checkTrust(command = 'Invoke Locally'): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(untrustedMessage(command), 'Manage Workspace Trust').then((a) => {
      if (a) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
  }

  /** Function (from the argument or a pick), then test event (from the argument or a pick), then run. */
  async invoke(arg?: unknown, options: InvokeRequestOptions = {}): Promise<InvokeOutcome | undefined> {
    if (!this.checkTrust(options.debug ? 'Debug Function' : 'Invoke Locally')) return undefined;
    const spec = await resolveFunction(this.tree, arg, options.debug ? 'Debug Function' : 'Invoke Locally');
    if (!spec) return undefined;
    let choice: EventChoice | 'new' | undefined;
    let invocationType = options.invocationType ?? 'RequestResponse';
    const activeEvent = arg === undefined ? this.activeEventOf(spec) : undefined;
    if (isTreeNode(arg) && arg.kind === 'event') choice = { kind: 'file', event: arg.event };
    else if (options.event) choice = await this.namedChoice(spec, options.event);
    else if (activeEvent) choice = { kind: 'file', event: activeEvent };
    else {
      // Debugging is synchronous (the debugger waits on the request); otherwise each event can go async.
      const title = `${options.debug ? 'Debug' : 'Invoke'} ${spec.name}${options.invocationType === 'Event' ? ' Asynchronously' : ' Locally'}`;
      const picked = await pickEvent(spec, this.lastEventName(spec), title, { offerAsync: !options.debug && !options.invocationType });
      choice = picked?.choice;
      if (picked) invocationType = options.invocationType ?? picked.invocationType;
    }
    if (choice === 'new') {
      const created = await vscode.commands.executeCommand<{ name: string; file: string; functionName: string } | undefined>('scf.newEvent', { kind: 'function', id: 'x', spec });
      if (!created) return undefined;
      choice = { kind: 'file', event: created };
    }
    if (!choice) return undefined;
    return this.run(spec, choice, { ...options, invocationType });
  }

  /** The test event open in the active editor, when it is one of `spec`'s (invoke it without asking). */
  private activeEventOf(spec: FunctionSpec): EventFile | undefined {
    const path = vscode.window.activeTextEditor?.document.uri.fsPath;
    const found = path ? eventFromPath(path) : undefined;
    return found && found.event.functionName === spec.name && found.serverlessDir === dirname(spec.file) ? found.event : undefined;
  }

  async invokeAgain(): Promise<InvokeOutcome | undefined> {
    if (!this.last) {
      void vscode.window.showInformationMessage('SCF: nothing was invoked yet in this window; use "SCF: Invoke Locally" first.');
      return undefined;
    }
    if (!this.checkTrust()) return undefined;
    const found = this.tree.functionsIn(this.last.file);
    const spec = found.ok ? found.value.find((f) => f.name === this.last!.functionName) : undefined;
    if (!spec) {
      void vscode.window.showErrorMessage(
        `SCF: ${this.last.functionName} is no longer defined in ${vscode.workspace.asRelativePath(this.last.file)}${found.ok ? '' : `: ${found.error.message}`}`,
      );
      return undefined;
    }
    return this.run(spec, this.last.choice, { invocationType: this.last.invocationType });
  }

  stop(): void {
    if (this.running.size === 0) return;
    for (const r of this.running) this.stopped.add(r);
    this.output.info(`Stopping ${this.running.size === 1 ? 'the invocation' : `${this.running.size} invocations`} (499 RequestCanceled)...`);
    for (const r of this.running) r.cancel();
  }

  private lastEventName(spec: FunctionSpec): string | undefined {
    const key = `scf.lastEvent:${spec.file}#${spec.name}`;
    return this.context.workspaceState.get<string>(key);
  }

  private async namedChoice(spec: FunctionSpec, name: string): Promise<EventChoice | undefined> {
    const event = (await listEvents(spec.file, spec.name)).find((e) => e.name === name);
    if (event) return { kind: 'file', event };
    const template = findTemplate(name);
    if (template) return { kind: 'template', template };
    void vscode.window.showErrorMessage(`SCF: ${spec.name} has no test event or template named "${name}"`);
    return undefined;
  }

  /** Checks the event (reported with its line), then invokes and streams the logs to the SCF output. */
  async run(spec: FunctionSpec, choice: EventChoice, options: InvokeRequestOptions = {}): Promise<InvokeOutcome | undefined> {
    const label = eventLabel(choice);
    // A debugger waits on its request: debugging is synchronous.
    const invocationType: InvocationType = options.debug ? 'RequestResponse' : (options.invocationType ?? 'RequestResponse');
    let payload: string;
    if (choice.kind === 'file') {
      const uri = vscode.Uri.file(choice.event.file);
      const checked = await checkEventFile(uri, invocationType);
      if (!checked.ok) {
        const problem = checked.error;
        this.output.error({ code: problem.code, message: problem.message });
        if (problem.code === 'event.notFound') {
          void vscode.window.showErrorMessage(`SCF: ${problem.message}`);
          return undefined;
        }
        // Not awaited: the command returns while the notification waits for the user.
        void vscode.window.showErrorMessage(`SCF: ${label} cannot be sent: ${problem.message}`, 'Open Event').then(async (action) => {
          if (!action) return;
          const editor = await vscode.window.showTextDocument(uri, { preview: false });
          const pos = new vscode.Position(problem.range?.line ?? 0, problem.range?.column ?? 0);
          editor.selection = new vscode.Selection(pos, pos);
          editor.revealRange(new vscode.Range(pos, pos));
        });
        return undefined;
      }
      payload = checked.value;
      await this.context.workspaceState.update(`scf.lastEvent:${spec.file}#${spec.name}`, choice.event.name);
    } else {
      payload = templateFor(choice.template, spec, this.templatesDir);
    }

    this.last = { file: spec.file, functionName: spec.name, choice, invocationType };
    void vscode.commands.executeCommand('setContext', 'scf.hasLastInvocation', true);
    this.output.begin(spec.name, label, vscode.workspace.asRelativePath(spec.file), invocationType);
    this.status.running(spec.name);

    const params = this.host.params(spec, payload, invocationType);
    if (options.debug) params.debug = { port: await debugPort() };

    let running: RunningInvocation;
    try {
      running = this.host.invoke(params, (line) => this.output.log(line));
    } catch (e) {
      const message = `the emulator host could not start: ${(e as Error).message}`;
      this.output.error({ code: 'host.start', message });
      this.status.failed(spec.name, message);
      void vscode.window.showErrorMessage(`SCF: ${message}`, 'Show Output').then((a) => a && this.output.show());
      return { ok: false, error: { code: 'host.start', message } };
    }
    this.running.add(running);
    if (params.debug) void attachWhenListening(spec, params.debug.port, running.outcome);
    void vscode.commands.executeCommand('setContext', 'scf.invoking', true);
    if (invocationType === 'Event') {
      // SCF answers an async caller with the request id at once; the event then runs (and is retried) on its own.
      void running.requestId.then(
        (requestId) => {
          this.output.info(`Accepted (async): RequestId ${requestId}. The event runs in the background, retried as SCF does; its log and outcome follow.`);
          this.status.accepted(spec.name, requestId);
        },
        () => undefined,
      );
    }
    let outcome: InvokeOutcome;
    let stopped = false;
    try {
      outcome = await running.outcome;
      stopped = this.stopped.has(running);
    } finally {
      this.running.delete(running);
      if (this.running.size === 0) void vscode.commands.executeCommand('setContext', 'scf.invoking', false);
    }

    if (outcome.ok) {
      const result = outcome.value;
      this.output.end(result, spec.file);
      this.status.finished(spec.name, label, result);
      // 499 after "Stop Invocation" is what the user asked for, not a failure to report.
      if (result.statusCode !== 200 && !(result.statusCode === 499 && stopped)) this.notifyFailure(spec, `${statusLabel(result.statusCode)}: ${result.errorMessage ?? statusInfo(result.statusCode).meaning}`);
    } else {
      this.output.error(outcome.error, spec.file);
      this.status.failed(spec.name, outcome.error.message);
      this.notifyFailure(spec, inFile(outcome.error.message, spec.file));
    }
    return outcome;
  }

  private notifyFailure(spec: FunctionSpec, message: string): void {
    void vscode.window.showErrorMessage(`SCF: ${spec.name} failed with ${message}`, 'Show Output', 'Invoke Again', 'Open Definition').then((action) => {
      if (action === 'Show Output') this.output.show();
      else if (action === 'Invoke Again') void this.invokeAgain();
      else if (action === 'Open Definition') void vscode.commands.executeCommand('scf.openDefinition', { kind: 'function', id: 'x', spec });
    });
  }

  dispose(): void {
    for (const r of this.running) r.cancel();
  }
}
