/**
 * The text of the "SCF" output channel and the status bar item (no vscode import: tested in plain
 * Node). syntaxes/scf-log.tmLanguage.json colours exactly these shapes.
 */
import type { InvokeResult, LogLine, UsageError } from '../emulator/types';
import { basename } from 'node:path';
import { errorMessageLine, statusInfo, statusLabel } from '../emulator/statusCodes';

export interface LogOptions {
  /** Prefix handler lines with their time (`scf.log.timestamps`). */
  timestamps: boolean;
}

/** One log line as the handler or the platform printed it, optionally with its time. */
export function formatLogLine(line: LogLine, options: LogOptions): string {
  const text = line.text.replace(/\r?\n$/, '');
  if (!options.timestamps) return text;
  return `${new Date(line.time).toISOString()} ${text}`;
}

/** The header written before an invocation starts; `where` is the serverless.yml (local) or the deploy target. */
export function formatInvokeHeader(functionName: string, eventLabel: string, where: string, invocationType: 'RequestResponse' | 'Event' = 'RequestResponse'): string {
  const kind = invocationType === 'Event' ? 'async' : 'sync';
  return `── Invoke ${functionName} with ${eventLabel} (${kind}) · ${where}`;
}

function ms(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(2)} ms`;
}

/**
 * Advice written for serverless.yml (the status table, the emulator's messages), saying the file the
 * function is in instead (serverless.yaml, template.yaml) when it is known.
 */
export function inFile(text: string, file: string | undefined): string {
  return file ? text.replace(/serverless\.yml/g, basename(file)) : text;
}

/**
 * The lines after an invocation: the status code with its SCF name, durations and memory on one
 * line (the REPORT line above has the same numbers in SCF's own form), what a failure means and how
 * to fix it, then the error or the result pretty-printed.
 */
export function formatOutcome(result: InvokeResult, options: { file?: string } = {}): string[] {
  const info = statusInfo(result.statusCode);
  const named = (text: string) => inFile(text, options.file);
  const out: string[] = [];
  const parts = [
    `Status: ${statusLabel(result.statusCode)}`,
    `Duration: ${ms(result.durationMs)}`,
    `Billed Duration: ${ms(result.billedDurationMs)}`,
    // A deployed function's memory size may not be known (0).
    `Max Memory Used: ${result.maxMemoryUsedMB} MB${result.memorySize ? ` of ${result.memorySize} MB` : ''}`,
  ];
  if (result.initDurationMs !== undefined) parts.push(`Init Duration: ${ms(result.initDurationMs)}`);
  out.push(`${parts.join(' · ')}${result.coldStart ? ' (cold start)' : ''}`);
  if (result.statusCode !== 200) {
    out.push(`Meaning: ${named(info.meaning)}`);
    if (info.fix) out.push(`Fix: ${named(info.fix)}`);
  }
  if (result.errorMessage) out.push(errorMessageLine(result.errorMessage));
  if (result.errorStack) out.push(...result.errorStack.replace(/\n$/, '').split('\n'));
  if (result.invocationType === 'Event') {
    if (result.asyncOutcome) out.push(`Async: ${named(asyncOutcomeText(result.asyncOutcome, result.attempts ?? 1))}`);
    out.push(`Result: (async invocation: the caller gets only the request id ${result.requestId}; the result goes to the log)`);
  } else if (result.statusCode === 200) {
    out.push('Result:');
    out.push(...prettyResult(result.result).split('\n'));
  }
  return out;
}

/** How an async event ended: `succeeded on attempt 1`, `dead-lettered after 3 attempts` ... */
export function asyncOutcomeText(outcome: 'succeeded' | 'deadLettered' | 'dropped', attempts: number): string {
  const times = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (outcome === 'succeeded') return `succeeded on attempt ${attempts}`;
  if (outcome === 'deadLettered') return `failed after ${times}; sent to the dead-letter queue (.scf/dlq beside serverless.yml)`;
  return `failed after ${times}; dropped (no dead-letter queue configured)`;
}

/** The result pretty-printed as JSON (2 spaces), as SCF serializes it. */
export function prettyResult(value: unknown): string {
  if (value === undefined) return 'null';
  return JSON.stringify(value, null, 2);
}

export function formatUsageError(error: UsageError, file?: string): string[] {
  return [`Error [${error.code}]: ${inFile(error.message, file)}`];
}

/** `SCF 200 · 12 ms`, or `SCF 433 TimeLimitReached · 3001 ms`. */
export function statusBarText(result: InvokeResult): string {
  const duration = `${Math.round(result.durationMs)} ms`;
  if (result.statusCode === 200) return `SCF 200 · ${duration}`;
  return `SCF ${statusLabel(result.statusCode)} · ${duration}`;
}

export function statusBarTooltip(functionName: string, eventLabel: string, result: InvokeResult): string {
  const info = statusInfo(result.statusCode);
  return [
    `${functionName} with ${eventLabel}: ${statusLabel(result.statusCode)}`,
    result.statusCode === 200 ? undefined : info.meaning,
    `Duration ${ms(result.durationMs)}, max memory used ${result.maxMemoryUsedMB}${result.memorySize ? ` of ${result.memorySize}` : ''} MB${result.coldStart ? ', cold start' : ''}`,
    'Click to show the SCF output.',
  ]
    .filter(Boolean)
    .join('\n');
}
