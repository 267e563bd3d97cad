/** The platform's own log lines for each request (START, END, REPORT), in SCF's words. */
import type { InvokeResult } from './types';

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export function reportLine(r: InvokeResult): string {
  const parts = [
    `REPORT RequestId: ${r.requestId}`,
    `Duration: ${r.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${r.billedDurationMs} ms`,
    `Memory Size: ${r.memorySize} MB`,
    `Max Memory Used: ${r.maxMemoryUsedMB} MB`,
  ];
  if (r.coldStart) parts.push(`Init Duration: ${(r.initDurationMs ?? 0).toFixed(2)} ms`, 'Cold Start');
  else parts.push('Warm Start');
  return parts.join('\t');
}

/** SCF bills by the millisecond, rounded up, at least 1 ms. */
export function billedDuration(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}
