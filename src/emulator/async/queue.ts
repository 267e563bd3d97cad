/**
 * Async invocation (InvocationType Event): an event is checked (128 KB, a JSON object), written to the
 * journal and accepted at once with a request id; workers then run it in the emulator, retry it by SCF's
 * policy and, when it keeps failing, hand it to the dead-letter file or drop it with a log line.
 * The journal survives a restart of the host: no accepted event is lost.
 */
import { loadServerlessFile, pickFunction, type FunctionSpec } from '../../model';
import { newRequestId } from '../clock';
import { checkEvent, type Emulator } from '../emulator';
import { DEFAULT_IDENTITY, type LocalIdentity } from '../environment';
import type { InvokeResult, LogLine } from '../types';
import { deadLetterFile, deadLetteredIds, writeDeadLetter } from './deadLetter';
import { Journal, type QueuedEvent } from './journal';
import { decide, DEFAULT_MSG_TTL_S, DEFAULT_RETRY_NUMBER, PLATFORM_RETRY_DELAY_MS } from './policy';

export interface AsyncQueueOptions {
  /** Where the journal lives (e.g. `.scf/async` beside serverless.yml, or the workspace's). */
  stateDir: string;
  emulator: Emulator;
  /**
   * SCF waits a minute between retries; locally that is scaled down (default 1/60: one second).
   * `scf.async.retryDelayScale` in VS Code, `--retry-delay-scale` on the CLI.
   */
  retryDelayScale?: number;
  /** Events run at once (default 4). */
  concurrency?: number;
  identity?: LocalIdentity;
  onLog?: (line: LogLine) => void;
  /**
   * Each event's end: done (200), dead-lettered, or dropped. A promise when the end is reported on a
   * channel that a crash can cut (the emulator host's to its client): the journal records the end once
   * it settles, so an end written to the journal but never heard of (the host killed with the report
   * still queued in its process) cannot happen; the event runs again after a restart instead.
   */
  onFinished?: (event: FinishedEvent) => void | Promise<void>;
  /** Where the functions' layers are (`--layer`, the scf.layers setting), as the invoke had them. */
  layerFolders?: Record<string, string>;
}

export interface FinishedEvent {
  requestId: string;
  functionName: string;
  outcome: 'succeeded' | 'deadLettered' | 'dropped';
  attempts: number;
  lastResult?: InvokeResult;
  deadLetterFile?: string;
}

export type EnqueueOutcome = { ok: true; requestId: string } | { ok: false; statusCode: number; errorMessage: string };

export class AsyncQueue {
  private readonly journal: Journal;
  private readonly events = new Map<string, QueuedEvent>();
  private readonly running = new Set<string>();
  private readonly waiters = new Map<string, Array<(e: FinishedEvent) => void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly concurrency: number;
  private readonly retryDelayMs: number;
  private readonly identity: LocalIdentity;
  /** Events restored from the journal: one of them may have been dead-lettered just before a crash. */
  private readonly restored = new Set<string>();
  /** Dead-letter file -> the request ids in it, read once, for restored events only. */
  private readonly deadLettered = new Map<string, Set<string>>();

  constructor(private readonly options: AsyncQueueOptions) {
    this.journal = new Journal(options.stateDir);
    this.concurrency = options.concurrency ?? 4;
    this.retryDelayMs = Math.max(0, Math.round(PLATFORM_RETRY_DELAY_MS * (options.retryDelayScale ?? 1 / 60)));
    this.identity = options.identity ?? DEFAULT_IDENTITY;
    for (const e of this.journal.load()) {
      this.events.set(e.requestId, e);
      this.restored.add(e.requestId);
    }
  }

  /** Events accepted and not yet finished (including those restored from the journal). */
  pending(): number {
    return this.events.size;
  }

  enqueue(spec: FunctionSpec, payload: string, requestId: string = newRequestId()): EnqueueOutcome {
    const refused = checkEvent(payload, 'Event');
    if (refused) return { ok: false, ...refused };
    const now = Date.now();
    const event: QueuedEvent = { requestId, file: spec.file, functionName: spec.name, payload, enqueuedAt: now, retries: 0, attempts: 0, nextAt: now };
    this.journal.put(event); // on disk before it is acknowledged
    this.events.set(requestId, event);
    setImmediate(() => this.pump()); // the caller hears "accepted" before the first attempt's log
    return { ok: true, requestId };
  }

  /** Starts working (restored events first). */
  start(): void {
    this.stopped = false;
    this.pump();
  }

  /** Resolves when the event has finished (succeeded, dead-lettered or dropped). */
  whenFinished(requestId: string): Promise<FinishedEvent> {
    return new Promise((resolve) => {
      const list = this.waiters.get(requestId) ?? [];
      list.push(resolve);
      this.waiters.set(requestId, list);
    });
  }

  /** Resolves when no event is left. */
  whenIdle(): Promise<void> {
    if (this.events.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking new work; events still in the journal wait for the next start. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    let soonest = Infinity;
    for (const e of this.events.values()) {
      if (this.running.size >= this.concurrency) break;
      if (this.running.has(e.requestId)) continue;
      if (e.nextAt <= now) void this.attempt(e);
      else soonest = Math.min(soonest, e.nextAt);
    }
    if (soonest !== Infinity && this.running.size < this.concurrency) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, soonest - Date.now()));
    }
  }

  /** Whether a restored event's dead letter is in its file already (see deadLetteredIds). */
  private alreadyDeadLettered(spec: FunctionSpec, requestId: string): boolean {
    if (!this.restored.has(requestId)) return false;
    const file = deadLetterFile(spec);
    let ids = this.deadLettered.get(file);
    if (!ids) this.deadLettered.set(file, (ids = deadLetteredIds(file)));
    return ids.has(requestId);
  }

  private log(requestId: string, text: string): void {
    this.options.onLog?.({ requestId, stream: 'platform', text, time: Date.now() });
  }

  private async attempt(e: QueuedEvent): Promise<void> {
    this.running.add(e.requestId);
    try {
      const loaded = loadServerlessFile(e.file, { env: {}, layerFolders: this.options.layerFolders });
      const picked = loaded.ok ? pickFunction(loaded.value.functions, e.functionName, loaded.value) : undefined;
      let statusCode: number;
      let errorMessage: string | undefined;
      let result: InvokeResult | undefined;
      let spec: FunctionSpec | undefined;
      if (!loaded.ok) {
        statusCode = 435;
        errorMessage = loaded.error.message;
      } else if (!picked?.ok) {
        statusCode = 435;
        errorMessage = picked?.error.message ?? 'function not found';
      } else {
        spec = picked.value;
        const attemptLabel = e.attempts === 0 ? 'first attempt' : `retry ${e.retries}`;
        this.log(e.requestId, `Async event ${e.requestId} for ${spec.name}: ${attemptLabel}`);
        const outcome = await this.options.emulator.invoke(
          { spec, payload: e.payload, invocationType: 'Event', requestId: e.requestId },
          { onLog: this.options.onLog },
        );
        if (outcome.ok) {
          result = outcome.value;
          statusCode = result.statusCode;
          errorMessage = result.errorMessage;
        } else {
          statusCode = 435;
          errorMessage = outcome.error.message;
        }
      }
      if (this.stopped) return; // the journal still holds it: it runs again after the restart
      e.attempts += 1;
      e.lastStatusCode = statusCode;
      e.lastError = errorMessage;
      const decision = decide(
        statusCode,
        e,
        { retryNumber: spec?.retryNumber ?? DEFAULT_RETRY_NUMBER, msgTtlMs: (spec?.msgTTL ?? DEFAULT_MSG_TTL_S) * 1000, retryDelayMs: this.retryDelayMs },
        Date.now(),
      );
      if (decision.kind === 'retry') {
        if (statusCode !== 200 && !(statusCode === 429 || statusCode === 432 || statusCode === 449 || statusCode >= 500)) e.retries += 1;
        e.nextAt = decision.at;
        this.journal.put(e);
        this.log(e.requestId, `Async event ${e.requestId} failed with ${statusCode}; retrying in ${decision.at - Date.now()} ms`);
        return;
      }
      let finished: FinishedEvent;
      if (decision.kind === 'done') {
        finished = { requestId: e.requestId, functionName: e.functionName, outcome: 'succeeded', attempts: e.attempts, lastResult: result };
      } else if (spec?.deadLetter && this.alreadyDeadLettered(spec, e.requestId)) {
        const file = deadLetterFile(spec);
        this.log(e.requestId, `[WARN] Async event ${e.requestId} ${decision.why}: its dead letter was written before the host stopped (${file}); not written again`);
        finished = { requestId: e.requestId, functionName: e.functionName, outcome: 'deadLettered', attempts: e.attempts, lastResult: result, deadLetterFile: file };
      } else if (spec?.deadLetter) {
        const file = writeDeadLetter(spec, e, this.identity, spec.msgTTL ?? DEFAULT_MSG_TTL_S);
        this.deadLettered.get(file)?.add(e.requestId);
        this.log(e.requestId, `[WARN] Async event ${e.requestId} ${decision.why}: sent to the dead-letter queue ${spec.deadLetter.type}/${spec.deadLetter.name} (${file})`);
        finished = { requestId: e.requestId, functionName: e.functionName, outcome: 'deadLettered', attempts: e.attempts, lastResult: result, deadLetterFile: file };
      } else {
        this.log(e.requestId, `[WARN] Async event ${e.requestId} ${decision.why}: dropped, as no dead-letter queue is configured (inputs.deadLetter)`);
        finished = { requestId: e.requestId, functionName: e.functionName, outcome: 'dropped', attempts: e.attempts, lastResult: result };
      }
      this.events.delete(e.requestId);
      this.restored.delete(e.requestId);
      const reported = this.options.onFinished?.(finished);
      if (reported) void reported.then(() => this.journal.done(e.requestId));
      else this.journal.done(e.requestId);
      for (const w of this.waiters.get(e.requestId) ?? []) w(finished);
      this.waiters.delete(e.requestId);
      if (this.events.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    } finally {
      this.running.delete(e.requestId);
      this.pump();
    }
  }
}
