/**
 * What the emulator host does for each request, apart from how it is told and how it answers: the
 * spec (serverless.yml read once per change: SpecCache), the function picked, a sync invoke with its
 * cancel, the async queues and which invocation waits for each of their events, resume, shutdown.
 * hostMain.ts runs it behind its channel to a client; the programmatic API's in-process mode
 * (api/inProcess.ts) calls it in the caller's process. Each side says how answers reach its caller
 * (HostReplies).
 */
import type { FunctionSpec, Outcome, Problem } from '../model';
import { AsyncQueue, asyncStateDir, type FinishedEvent } from './async';
import type { Emulator } from './emulator';
import type { InvokeMessage } from './protocol';
import { SpecCache } from './specCache';
import { statusInfo } from './statusCodes';
import type { Cancelable, InvokeOptions, InvokeResult, LogLine } from './types';

/** How the core's answers reach whoever asked (hostMain's channel, the in-process API's promises). */
export interface HostReplies {
  /** Nothing ran: bad serverless.yml, no such function, runtime not installed, an error of ours. */
  error(id: string, error: Problem): void;
  /** An Event invocation's event is in its queue; its end comes as `result`. */
  accepted(id: string, requestId: string): void;
  /**
   * An Event invocation's end (or its event refused). `reported`, when given, is to be called once
   * the answer cannot be lost any more: the journal calls the event done then.
   */
  result(id: string, result: InvokeResult, reported?: () => void): void;
  /** A log line of an async event: `id` the invocation waiting for it, undefined for a restored one. */
  asyncLog(id: string | undefined, line: LogLine): void;
  /** A restored event no invocation waits for has ended (`reported`: as for `result`). */
  asyncFinished(event: FinishedEvent, reported: () => void): void;
  /** How many async events of a resumed journal are pending again. */
  resumed(id: string, pending: number): void;
  /** What one sync invocation is given while it runs, with `signal` (its cancel) among its options. */
  syncCall(id: string, signal: Cancelable): SyncCall;
}

export interface SyncCall {
  /** The emulator's options for this invocation (its `signal` the one syncCall was given). */
  readonly options: InvokeOptions;
  finished(result: InvokeResult): void;
}

/** A running invocation's cancel (types.ts Cancelable): one listener, the emulator's, and no EventTarget. */
class Cancel implements Cancelable {
  aborted = false;
  private listener: (() => void) | undefined;
  addEventListener(_type: 'abort', listener: () => void): void {
    this.listener = listener;
  }
  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.listener === listener) this.listener = undefined;
  }
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.listener?.();
    this.listener = undefined;
  }
}

export interface HostCoreOptions {
  /** Async retries wait this times SCF's one minute. */
  retryDelayScale?: number;
}

export class HostCore {
  private readonly running = new Map<string, Cancel>();
  private readonly queues = new Map<string, AsyncQueue>();
  /** Async request id -> the invocation waiting for it. */
  private readonly asyncOwners = new Map<string, string>();
  /** serverless.yml read once per change, not once per invoke. */
  private readonly specs = new SpecCache();

  constructor(
    private readonly emulator: Emulator,
    private readonly replies: HostReplies,
    private readonly options: HostCoreOptions = {},
  ) {}

  /** Runs one invocation; every ending, an error of ours included, is told to the replies. */
  invoke(req: InvokeMessage, interpolationEnv: Record<string, string>): void {
    this.run(req, interpolationEnv).catch((e: unknown) =>
      this.replies.error(req.id, { code: 'host.internal', message: `emulator host error: ${(e as Error)?.message ?? String(e)}` }),
    );
  }

  cancel(id: string): void {
    this.running.get(id)?.abort();
  }

  /** Restores the async queue beside a serverless.yml (events accepted before a restart) and runs it. */
  resume(id: string, target: string): void {
    try {
      this.resumeQueue(id, target);
    } catch (e) {
      this.replies.error(id, { code: 'host.internal', message: `emulator host error: ${(e as Error).message}` });
    }
  }

  /** Stops the async queues (what they hold stays in their journals) and ends every instance. */
  shutdown(): Promise<void> {
    for (const q of this.queues.values()) q.stop();
    return this.emulator.dispose();
  }

  private async run(req: InvokeMessage, env: Record<string, string>): Promise<void> {
    const picked = this.load(req.target, req.functionName, env, req.layerFolders);
    if (!picked.ok) return this.replies.error(req.id, picked.error);
    if (req.invocationType === 'Event') return this.enqueue(req, picked.value);
    const cancel = new Cancel();
    this.running.set(req.id, cancel);
    const call = this.replies.syncCall(req.id, cancel);
    try {
      const outcome = await this.emulator.invoke(
        { spec: picked.value, payload: req.payload, payloadMadeByStringify: req.payloadMadeByStringify, invocationType: req.invocationType, debug: req.debug, timeoutOverride: req.timeoutOverride, specJustChecked: true },
        call.options,
      );
      if (outcome.ok) call.finished(outcome.value);
      else this.replies.error(req.id, outcome.error);
    } finally {
      this.running.delete(req.id);
    }
  }

  private enqueue(req: InvokeMessage, spec: FunctionSpec): void {
    const prepared = this.emulator.prepare(spec);
    if (!prepared.ok) return this.replies.error(req.id, prepared.error);
    const accepted = this.queueFor(spec, req.layerFolders).enqueue(spec, req.payload);
    if (!accepted.ok) {
      return this.replies.result(req.id, {
        requestId: '',
        statusCode: accepted.statusCode,
        statusName: statusInfo(accepted.statusCode).name,
        result: null,
        errorMessage: accepted.errorMessage,
        durationMs: 0,
        billedDurationMs: 0,
        memorySize: spec.memorySize,
        maxMemoryUsedMB: 0,
        coldStart: false,
        invocationType: 'Event',
      });
    }
    this.asyncOwners.set(accepted.requestId, req.id);
    this.replies.accepted(req.id, accepted.requestId);
  }

  private resumeQueue(id: string, target: string): void {
    const picked = this.load(target, undefined, {});
    if (!picked.ok && picked.error.code !== 'host.functionNotFound') return this.replies.error(id, picked.error);
    const loaded = this.specs.load(target);
    const spec = picked.ok ? picked.value : loaded.ok ? loaded.value.functions[0] : undefined;
    if (!spec) return this.replies.error(id, { code: 'host.functionNotFound', message: `${target}: no function` });
    this.replies.resumed(id, this.queueFor(spec).pending());
  }

  private load(target: string, functionName: string | undefined, env: Record<string, string>, layerFolders?: Record<string, string>): Outcome<FunctionSpec> {
    const loaded = this.specs.load(target, { env, layerFolders });
    if (!loaded.ok) return loaded;
    const picked = this.specs.pickFrom(loaded.value, target, functionName);
    if (!picked.ok) return { ok: false, error: { ...picked.error, code: 'host.functionNotFound' } };
    return picked;
  }

  private queueFor(spec: FunctionSpec, layerFolders?: Record<string, string>): AsyncQueue {
    const dir = asyncStateDir(spec);
    let queue = this.queues.get(dir);
    if (!queue) {
      queue = new AsyncQueue({
        stateDir: dir,
        emulator: this.emulator,
        retryDelayScale: this.options.retryDelayScale,
        layerFolders,
        onLog: (line: LogLine) => this.replies.asyncLog(this.asyncOwners.get(line.requestId), line),
        // The end is journaled once its report cannot be lost (AsyncQueueOptions.onFinished).
        onFinished: (event: FinishedEvent) =>
          new Promise<void>((reported) => {
            const owner = this.asyncOwners.get(event.requestId);
            this.asyncOwners.delete(event.requestId);
            if (!owner) return this.replies.asyncFinished(event, reported);
            const result: InvokeResult = event.lastResult
              ? { ...event.lastResult, asyncOutcome: event.outcome, attempts: event.attempts }
              : { requestId: event.requestId, statusCode: 435, statusName: 'FunctionNotFound', result: null, durationMs: 0, billedDurationMs: 0, memorySize: spec.memorySize, maxMemoryUsedMB: 0, coldStart: false, invocationType: 'Event', asyncOutcome: event.outcome, attempts: event.attempts };
            this.replies.result(owner, result, reported);
          }),
      });
      this.queues.set(dir, queue);
      queue.start();
    }
    return queue;
  }
}
