/** The "SCF" output channel (language `scf-log`, coloured by syntaxes/scf-log.tmLanguage.json). */
import * as vscode from 'vscode';
import type { InvokeResult, LogLine, UsageError } from '../emulator/types';
import { asyncOutcomeText, formatInvokeHeader, formatLogLine, formatOutcome, formatUsageError } from './logFormat';
import type { FinishedEvent } from '../emulator/async';

export class OutputView implements vscode.Disposable {
  readonly channel: vscode.OutputChannel;
  /** Everything written, for the integration tests (the channel's text cannot be read back). */
  private readonly recent: string[] = [];

  constructor() {
    this.channel = vscode.window.createOutputChannel('SCF', 'scf-log');
  }

  private write(line: string): void {
    this.channel.appendLine(line);
    this.recent.push(line);
    if (this.recent.length > 5000) this.recent.splice(0, this.recent.length - 5000);
  }

  text(): string {
    return this.recent.join('\n');
  }

  /** The header of an invocation; `where` is the serverless.yml it runs from, or the target it is deployed on. */
  begin(functionName: string, eventLabel: string, where: string, invocationType: 'RequestResponse' | 'Event'): void {
    const config = vscode.workspace.getConfiguration('scf.log');
    if (config.get<boolean>('clearBeforeInvoke', false)) {
      this.channel.clear();
      this.recent.length = 0;
    }
    this.write(formatInvokeHeader(functionName, eventLabel, where, invocationType));
    if (config.get<string>('reveal', 'always') === 'always') this.channel.show(true);
  }

  log(line: LogLine): void {
    const timestamps = vscode.workspace.getConfiguration('scf.log').get<boolean>('timestamps', false);
    for (const part of line.text.replace(/\r?\n$/, '').split(/\r?\n/)) this.write(formatLogLine({ ...line, text: part }, { timestamps: timestamps && line.stream !== 'platform' }));
  }

  /** The outcome; `file` is the function's serverless.yml / serverless.yaml / template.yaml, which the advice names. */
  end(result: InvokeResult, file?: string): void {
    for (const line of formatOutcome(result, { file })) this.write(line);
    this.write('');
    if (result.statusCode !== 200 && vscode.workspace.getConfiguration('scf.log').get<string>('reveal', 'always') === 'onFailure') this.channel.show(true);
  }

  /** The end of an async event no invocation of this window waits for (one resumed at start). */
  asyncFinished(event: FinishedEvent): void {
    if (event.lastResult) for (const line of formatOutcome(event.lastResult)) this.write(line);
    this.write(`Async event ${event.requestId} of ${event.functionName}: ${asyncOutcomeText(event.outcome, event.attempts)}`);
    this.write('');
  }

  /** What stopped an invocation; `file` is the function's file, which the message then names. */
  error(error: UsageError, file?: string): void {
    for (const line of formatUsageError(error, file)) this.write(line);
    this.write('');
  }

  info(message: string): void {
    this.write(message);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
