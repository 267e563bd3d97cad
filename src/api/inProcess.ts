/**
 * The API's in-process mode (`createEmulator({ inProcess: true })`): the emulator and what the host
 * does per request (hostCore.ts) run in the caller's process, with no host process between; each
 * handler still runs in a runtime process of its own, with SCF's limits. Answers are the host's:
 * the same spec cache, function picking, cancel, async queues, status codes and log lines (the
 * emulator prints START, END and REPORT itself, with the text the client renders from the host's
 * reply: logFormat.ts).
 *
 * Stamps are kept between invokes (stampWatch.ts: a warm invoke stats one path, not five or more),
 * on that module's terms: every invoke (and cancel, in order) is handled after a poll of the event
 * loop that began after the call (pastPoll), so a change the caller made before invoking has been
 * reported by then; the watches are closed with the last emulator of this process that close()s.
 * Measured against a stat per path (alternating runs of a loop of warm invokes through the API, on a
 * 2-core VM): ~10-15% off a warm invoke's p50, 5-10% more invokes/s at 4 callers.
 */
import type { FinishedEvent } from '../emulator/async';
import type { InvokeParams } from '../emulator/client';
import { Emulator, type InvokeOutcome } from '../emulator/emulator';
import { hostEnvironment } from '../emulator/environment';
import { HostCore, type HostReplies, type SyncCall } from '../emulator/hostCore';
import { disableStampWatch, enableStampWatch } from '../emulator/stampWatch';
import type { Cancelable, InvokeResult, LogLine } from '../emulator/types';
import { ok, type Problem } from '../model/outcome';
import type { Invoker } from './invoker';
import type { EmulatorOptions } from './types';

interface Waiting {
  onLog: (line: LogLine) => void;
  resolve: (outcome: InvokeOutcome) => void;
}

export function inProcessInvoker(options: EmulatorOptions): Invoker {
  return new InProcessInvoker(options);
}

class InProcessInvoker implements Invoker, HostReplies {
  private readonly core: HostCore;
  private readonly waiting = new Map<string, Waiting>();
  private lastId = 0;
  private closed = false;

  constructor(options: EmulatorOptions) {
    // (the host's environment: what the host would have been started with, so runtimes are found alike;
    // no nodePath, as the host's emulator has none: `nodePath` runs the host, and Nodejs* functions run
    // on an installed Node.js of their own version in both modes)
    const emulator = new Emulator({ pythonPath: options.pythonPath, callerEnv: hostEnvironment(process.env) });
    this.core = new HostCore(emulator, this);
    enableStampWatch();
  }

  invoke(params: InvokeParams, onLog: (line: LogLine) => void): { outcome: Promise<InvokeOutcome>; cancel(): void } {
    const id = String(++this.lastId);
    const outcome = new Promise<InvokeOutcome>((resolve) => this.waiting.set(id, { onLog, resolve }));
    pastPoll(() => {
      // (closed meanwhile: its promise has been settled with api.closed)
      if (!this.closed) this.core.invoke({ type: 'invoke', id, ...params }, params.interpolationEnv ?? {});
    });
    return { outcome, cancel: () => pastPoll(() => this.core.cancel(id)) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.core.shutdown();
    disableStampWatch();
    // (index.ts words it, as it does for an invocation that was running on a host when it closed)
    for (const id of [...this.waiting.keys()]) this.error(id, { code: 'api.closed', message: 'closed' });
  }

  // --- HostReplies: the core's answers, to the promises invoke() returned

  error(id: string, error: Problem): void {
    this.settle(id, { ok: false, error });
  }

  accepted(): void {
    // (an Event invocation's answer is its end: result)
  }

  result(id: string, result: InvokeResult, reported?: () => void): void {
    this.settle(id, ok(asSent(result)));
    reported?.();
  }

  asyncLog(id: string | undefined, line: LogLine): void {
    if (id !== undefined) this.waiting.get(id)?.onLog(line);
  }

  asyncFinished(_event: FinishedEvent, reported: () => void): void {
    reported(); // (a restored event: no invocation of this emulator waits for it)
  }

  resumed(): void {
    // (the API never resumes a journal)
  }

  syncCall(id: string, signal: Cancelable): SyncCall {
    const onLog = this.waiting.get(id)!.onLog;
    return { options: { signal, onLog }, finished: (result) => this.settle(id, ok(asSent(result))) };
  }

  private settle(id: string, outcome: InvokeOutcome): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    waiting.resolve(outcome);
  }
}

let queued: Array<() => void> = [];
/**
 * Runs `work`, in the order given, after a poll of the event loop that began after this call: the work
 * queued in one turn is sealed in a check phase and run in the next turn's, with a poll (non-blocking,
 * an immediate being due) between them, as hostMain.ts's sealReading does. (One immediate is not
 * enough: called from the poll phase's callbacks, its check phase follows a poll that began earlier.)
 */
function pastPoll(work: () => void): void {
  if (queued.length === 0) setImmediate(seal);
  queued.push(work);
}

function seal(): void {
  const batch = queued;
  queued = [];
  setImmediate(runAll, batch);
}

function runAll(batch: Array<() => void>): void {
  for (const work of batch) work();
}

/**
 * The result without its undefined keys, in its order, as the host's reply carries it (JSON leaves them
 * out). A copy: deleting keys would leave the object in V8's slow dictionary form.
 */
function asSent(result: InvokeResult): InvokeResult {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) if (value !== undefined) out[key] = value;
  return out as unknown as InvokeResult;
}
