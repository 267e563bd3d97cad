/**
 * The emulator host: a separate Node process (never the extension host) that owns the runtime
 * instances and the async queues. A client spawns it and talks over a channel of their own (protocol.ts, lineChannel.ts).
 * Whatever a handler does, this process survives it: handlers run in their own processes, and every
 * message handler here turns failures into replies.
 */
import { Socket } from 'node:net';
import type { FunctionSpec, Outcome } from '../model';
import { AsyncQueue, asyncStateDir, type FinishedEvent } from './async';
import { Emulator } from './emulator';
import { LineChannel } from './lineChannel';
import type { HostRequest, InvocationLine, InvokeMessage, KeyedReply } from './protocol';
import { statusInfo } from './statusCodes';
import { SpecCache } from './specCache';
import { enableStampWatch } from './stampWatch';
import type { Cancelable, InvokeResult, LogLine } from './types';

const emulator = new Emulator({
  pythonPath: process.env.SCF_TOOLKIT_PYTHON || undefined,
  runtimePaths: process.env.SCF_TOOLKIT_RUNTIME_PATHS ? (JSON.parse(process.env.SCF_TOOLKIT_RUNTIME_PATHS) as Record<string, string>) : undefined,
});
const running = new Map<string, Cancel>();
const queues = new Map<string, AsyncQueue>();
/** Async request id -> the client invocation waiting for it. */
const asyncOwners = new Map<string, string>();
const retryDelayScale = process.env.SCF_TOOLKIT_RETRY_DELAY_SCALE ? Number(process.env.SCF_TOOLKIT_RETRY_DELAY_SCALE) : undefined;

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

/** serverless.yml read once per change, not once per invoke. */
const specs = new SpecCache();

/** The client's channel (lineChannel.ts): fd 3, a socket the client made with a 'pipe' stdio entry. */
const channel = new LineChannel(new Socket({ fd: 3, readable: true, writable: true }), onLine, clientGone);

// Replies go out in batches (protocol.ts). A runtime's output lines wait at most LOG_BATCH_MS for
// company; the platform's own lines and a sync invocation's acceptance (START, a [WARN]) wait at most
// PLATFORM_HOLD_MS, unless output or a result comes first and takes them along; anything else (a
// result, an error, an async event's acceptance, which the journal already holds) goes out at once,
// with the lines queued before it. So a warm invocation's lines, from START to its result, travel in
// one message even when its runtime takes more than LOG_BATCH_MS to answer (a loaded machine: under
// strace at 4 callers a fifth of the batches did, each one more write to the client and one more
// wake-up of it: docs/performance.md), a long one's logs still stream as they come, and nothing final
// is held back where a crash of this process could lose it.
const LOG_BATCH_MS = 2;
const PLATFORM_HOLD_MS = 20;

/**
 * A sync invocation in this host: what it has to say waits here until the batch leaves, and goes as
 * one compact reply (protocol.ts InvocationLines, SyncResult), its log lines and its result together.
 */
class Call {
  requestId = '';
  /** Lines since the last batch (a number: the START line's time, rendered by the client). */
  lines: InvocationLine[] | undefined;
  result: InvokeResult | undefined;
  /** When the result was made (END and REPORT's time). */
  endedAt = 0;
  /** In the outbox now. */
  queued = false;
  /** The result's JSON text as the runtime sent it (InvokeOptions.resultText), when known: sent as it is. */
  text: string | undefined = undefined;
  constructor(readonly id: string) {}

  /** Its reply in the batch leaving now. */
  encode(): string {
    const lines = this.lines ? JSON.stringify(this.lines) : '0';
    this.lines = undefined;
    this.queued = false;
    const r = this.result;
    if (!r) return `["L",${JSON.stringify(this.id)},${JSON.stringify(this.requestId)},${lines}]`;
    // (the message's fields in SyncResult's order; numbers as JSON writes them, strings through it)
    return `["R",${JSON.stringify(this.id)},${JSON.stringify(r.requestId)},${num(r.statusCode)},${num(r.durationMs)},${num(r.billedDurationMs)},${num(r.memorySize)},${num(r.maxMemoryUsedMB)},${r.coldStart ? 1 : 0},${num(r.initDurationMs)},${this.endedAt},${lines},${text(r.errorMessage)},${text(r.errorStack)},${this.text ?? JSON.stringify(r.result ?? null)}]`;
  }
}
const num = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? String(n) : 'null');
const text = (s: string | undefined): string => (s === undefined ? 'null' : JSON.stringify(s));

let outbox: Array<KeyedReply | Call> = [];
/** Called once the operating system has taken the batch that holds their reply (see `reply`'s onSent). */
let onOutboxSent: Array<() => void> = [];
/**
 * The hold's timer. It is left armed when a batch leaves before it fires (a warm invocation's result
 * takes its START along), and when it fires it sends what is due or waits for the earliest hold
 * still running: one timer per PLATFORM_HOLD_MS at most, not a set and a clear per batch.
 */
let flushTimer: NodeJS.Timeout | undefined;
/** When flushTimer fires (Date.now() ms). */
let timerAt = Infinity;
/** When the first of the outbox's holds ends (Date.now() ms; Infinity: none waits). */
let outboxDue = Infinity;

function hold(ms: number): void {
  const due = Date.now() + ms;
  if (due >= outboxDue) return;
  outboxDue = due;
  if (timerAt <= due) return;
  if (flushTimer) clearTimeout(flushTimer);
  timerAt = due;
  flushTimer = setTimeout(onHoldTimer, ms);
}

function onHoldTimer(): void {
  flushTimer = undefined;
  timerAt = Infinity;
  if (outboxDue === Infinity) return;
  const wait = outboxDue - Date.now();
  if (wait > 0) {
    timerAt = outboxDue;
    flushTimer = setTimeout(onHoldTimer, wait);
    return;
  }
  flush();
}

/**
 * `how`: 'batch' waits as above, 'now' goes at once. `onSent` runs once the reply is in the channel's kernel
 * buffer, where the client reads it even if this process is killed the next moment; never if it
 * cannot be sent (the client has gone).
 */
function reply(message: KeyedReply, how: 'batch' | 'now' = 'batch', onSent?: () => void): void {
  if (!channel.open) return;
  outbox.push(message);
  if (onSent) onOutboxSent.push(onSent);
  const ms = how === 'batch' && (message.type === 'log' || message.type === 'asyncLog') ? (message.line.stream === 'platform' ? PLATFORM_HOLD_MS : LOG_BATCH_MS) : 0;
  if (ms > 0) hold(ms);
  else flush();
}

/** A sync invocation's log line (or its START: a number, its time), held as its kind of line is. */
function callLine(call: Call, line: InvocationLine, ms: number): void {
  if (!channel.open) return;
  (call.lines ??= []).push(line);
  if (!call.queued) {
    call.queued = true;
    outbox.push(call);
  }
  hold(ms);
}

/**
 * A sync invocation's result goes out once the code running now is done (a tick, no timer): the
 * results of requests whose answers came in together (runtimeProcess.ts finishes them in one
 * callback) go in one message, one write and one wake-up of the client for several invocations.
 */
function callResult(call: Call, result: InvokeResult): void {
  if (!channel.open) return;
  call.result = result;
  call.endedAt = Date.now();
  if (!call.queued) {
    call.queued = true;
    outbox.push(call);
  }
  flushSoon();
}

/**
 * What the async journal backs (an event's acceptance, an async result, an asyncFinished) goes at
 * once. An async end is journaled only once the channel has taken its report (onSent): handed to
 * channel.send is not enough, as a client that reads slower than a handler's log flood leaves it
 * queued in this process, where a kill lost it while the journal called the event done (the
 * 1,000-events test's "every accepted event finished" failure; async.test.ts shows it).
 */
let flushQueued = false;
function flushSoon(): void {
  if (flushQueued) return;
  flushQueued = true;
  process.nextTick(flush);
}

function flush(): void {
  flushQueued = false;
  outboxDue = Infinity;
  const batch = outbox;
  outbox = [];
  const sent = onOutboxSent;
  onOutboxSent = [];
  if (!batch.length || !channel.open) return;
  let line = '[';
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i]!;
    if (i > 0) line += ',';
    line += m instanceof Call ? m.encode() : JSON.stringify(m);
  }
  channel.send(`${line}]`, sent.length ? () => { for (const onSent of sent) onSent(); } : undefined);
}

/** Back-pressure for a handler's log: the editor reads our channel slower than a flood fills it. */
function logPace(): Promise<void> | undefined {
  return channel.behind();
}

function load(target: string, functionName: string | undefined, env: Record<string, string>, layerFolders?: Record<string, string>): Outcome<FunctionSpec> {
  const loaded = specs.load(target, { env, layerFolders });
  if (!loaded.ok) return loaded;
  const picked = specs.pickFrom(loaded.value, target, functionName);
  if (!picked.ok) return { ok: false, error: { ...picked.error, code: 'host.functionNotFound' } };
  return picked;
}

function queueFor(spec: FunctionSpec, layerFolders?: Record<string, string>): AsyncQueue {
  const dir = asyncStateDir(spec);
  let queue = queues.get(dir);
  if (!queue) {
    queue = new AsyncQueue({
      stateDir: dir,
      emulator,
      retryDelayScale,
      layerFolders,
      onLog: (line: LogLine) => {
        const owner = asyncOwners.get(line.requestId);
        reply(owner ? { type: 'log', id: owner, line } : { type: 'asyncLog', line });
      },
      // The end is journaled once the channel has taken its report (AsyncQueueOptions.onFinished).
      onFinished: (event: FinishedEvent) =>
        new Promise<void>((reported) => {
          const owner = asyncOwners.get(event.requestId);
          asyncOwners.delete(event.requestId);
          if (!owner) return reply({ type: 'asyncFinished', event }, 'now', reported);
          const result: InvokeResult = event.lastResult
            ? { ...event.lastResult, asyncOutcome: event.outcome, attempts: event.attempts }
            : { requestId: event.requestId, statusCode: 435, statusName: 'FunctionNotFound', result: null, durationMs: 0, billedDurationMs: 0, memorySize: spec.memorySize, maxMemoryUsedMB: 0, coldStart: false, invocationType: 'Event', asyncOutcome: event.outcome, attempts: event.attempts };
          reply({ type: 'result', id: owner, result }, 'now', reported);
        }),
    });
    queues.set(dir, queue);
    queue.start();
  }
  return queue;
}

/** The client's interpolationEnv, which it sends only when it changes (protocol.ts). */
let interpolationEnv: Record<string, string> = {};

async function invoke(req: InvokeMessage): Promise<void> {
  if (req.interpolationEnv) interpolationEnv = Object.freeze(req.interpolationEnv);
  const env = req.sameInterpolationEnv ? interpolationEnv : (req.interpolationEnv ?? {});
  const picked = load(req.target, req.functionName, env, req.layerFolders);
  if (!picked.ok) return reply({ type: 'error', id: req.id, error: picked.error });
  if (req.invocationType === 'Event') {
    const prepared = emulator.prepare(picked.value);
    if (!prepared.ok) return reply({ type: 'error', id: req.id, error: prepared.error });
    const queue = queueFor(picked.value, req.layerFolders);
    const accepted = queue.enqueue(picked.value, req.payload);
    if (!accepted.ok) {
      return reply({
        type: 'result',
        id: req.id,
        result: { requestId: '', statusCode: accepted.statusCode, statusName: statusInfo(accepted.statusCode).name, result: null, errorMessage: accepted.errorMessage, durationMs: 0, billedDurationMs: 0, memorySize: picked.value.memorySize, maxMemoryUsedMB: 0, coldStart: false, invocationType: 'Event' },
      });
    }
    asyncOwners.set(accepted.requestId, req.id);
    return reply({ type: 'accepted', id: req.id, requestId: accepted.requestId }, 'now');
  }
  const cancel = new Cancel();
  running.set(req.id, cancel);
  const call = new Call(req.id);
  try {
    const outcome = await emulator.invoke(
      { spec: picked.value, payload: req.payload, payloadMadeByStringify: req.payloadMadeByStringify, invocationType: req.invocationType, debug: req.debug, timeoutOverride: req.timeoutOverride, specJustChecked: true },
      {
        signal: cancel,
        onLog: (line) => {
          call.requestId = line.requestId;
          callLine(call, [line.stream, line.text, line.time], line.stream === 'platform' ? PLATFORM_HOLD_MS : LOG_BATCH_MS);
        },
        logPace,
        onAccepted: (requestId) => {
          call.requestId = requestId;
          callLine(call, Date.now(), PLATFORM_HOLD_MS);
        },
        // (START at onAccepted, END and REPORT from the result: the client renders them, protocol.ts)
        platformLinesFromResult: true,
        // (a 200's JSON text, forwarded as the runtime wrote it: no parse's value serialised again)
        resultText: call,
      },
    );
    if (outcome.ok) callResult(call, outcome.value);
    else reply({ type: 'error', id: req.id, error: outcome.error });
  } finally {
    running.delete(req.id);
  }
}

function resume(req: Extract<HostRequest, { type: 'resume' }>): void {
  const picked = load(req.target, undefined, {});
  if (!picked.ok && picked.error.code !== 'host.functionNotFound') return reply({ type: 'error', id: req.id, error: picked.error });
  const loaded = specs.load(req.target);
  const spec = picked.ok ? picked.value : loaded.ok ? loaded.value.functions[0] : undefined;
  if (!spec) return reply({ type: 'error', id: req.id, error: { code: 'host.functionNotFound', message: `${req.target}: no function` } });
  const queue = queueFor(spec);
  reply({ type: 'resumed', id: req.id, pending: queue.pending() });
}

// A client sends what one tick of its own produced as one message (client.ts): several invocations
// that arrive together are one read and one wake-up here. The stamps this process keeps between
// invokes (stampWatch.ts) need every file-change event queued before a request was sent to be
// delivered before that request is handled. A request is read by a read() made after the poll that
// reported the channel ready; a change and a request made between that poll and the read would be
// in the read, with the change's event not yet reported. So the requests read in one loop turn are
// sealed in its check phase and handled in the next one: in between, a poll (non-blocking, as an
// immediate is pending) made after their read delivers every inotify event queued before it.
enableStampWatch();
let reading: HostRequest[] = [];
function onLine(line: string): void {
  let message: HostRequest | HostRequest[];
  try {
    message = JSON.parse(line) as HostRequest | HostRequest[];
  } catch {
    return; // (not from our client: the channel is ours alone)
  }
  if (reading.length === 0) setImmediate(sealReading);
  if (Array.isArray(message)) reading.push(...message);
  else reading.push(message);
}

function sealReading(): void {
  const requests = reading;
  reading = [];
  setImmediate(handleRequests, requests);
}

function handleRequests(requests: HostRequest[]): void {
  for (const m of requests) onRequest(m);
}

function onRequest(message: HostRequest): void {
  switch (message.type) {
    case 'invoke':
      invoke(message).catch((e: unknown) =>
        reply({ type: 'error', id: message.id, error: { code: 'host.internal', message: `emulator host error: ${(e as Error)?.message ?? String(e)}` } }),
      );
      break;
    case 'resume':
      try {
        resume(message);
      } catch (e) {
        reply({ type: 'error', id: message.id, error: { code: 'host.internal', message: `emulator host error: ${(e as Error).message}` } });
      }
      break;
    case 'cancel':
      running.get(message.id)?.abort();
      break;
    case 'shutdown':
      flush();
      for (const q of queues.values()) q.stop();
      void emulator.dispose().then(() => process.exit(0));
      break;
  }
}

// The client went away (editor closed or crashed): end every instance with us. Queued async events
// stay in their journals and run again after the next resume.
function clientGone(): void {
  for (const q of queues.values()) q.stop();
  void emulator.dispose().then(() => process.exit(0));
}

// Stopped by a signal: the runtime processes are in their own process groups, so end them first.
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const q of queues.values()) q.stop();
    void emulator.dispose().then(() => process.exit(143));
  });
}

reply({ type: 'ready', pid: process.pid });
