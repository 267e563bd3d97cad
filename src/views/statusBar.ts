/** The status bar item with the last invocation's outcome, local or deployed; clicking it shows the SCF output. */
import * as vscode from 'vscode';
import type { InvokeResult } from '../emulator/types';
import { statusBarText, statusBarTooltip } from './logFormat';

export class InvocationStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('scf.lastInvocation', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'SCF: Last Invocation';
    this.item.command = 'scf.showOutput';
  }

  /** `where`: "locally", or "on the local endpoint" for a deployed function. */
  running(functionName: string, where = 'locally'): void {
    this.item.text = `$(sync~spin) SCF ${functionName}`;
    this.item.tooltip = `Invoking ${functionName} ${where}. Click to show the SCF output${where === 'locally' ? '; "SCF: Stop Invocation" ends it' : ''}.`;
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  /** An async event was accepted and runs in the background. */
  accepted(functionName: string, requestId: string): void {
    this.item.text = `$(sync~spin) SCF ${functionName} (async)`;
    this.item.tooltip = `${functionName}: accepted (async), RequestId ${requestId}; it runs in the background. Click to show the SCF output.`;
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  finished(functionName: string, eventLabel: string, result: InvokeResult): void {
    const ok = result.statusCode === 200;
    this.item.text = `${ok ? '$(pass)' : '$(error)'} ${statusBarText(result)}`;
    this.item.tooltip = statusBarTooltip(functionName, eventLabel, result);
    this.item.backgroundColor = ok ? undefined : new vscode.ThemeColor('statusBarItem.errorBackground');
    this.item.show();
  }

  failed(functionName: string, message: string): void {
    this.item.text = '$(error) SCF error';
    this.item.tooltip = `${functionName}: ${message}\nClick to show the SCF output.`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    this.item.show();
  }

  /** The item's text, for the integration tests. */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
