/**
 * The emulator host: a separate Node process (never the extension host) that owns the runtime
 * instances and the async queues. A client spawns it and talks over a channel of their own (protocol.ts, lineChannel.ts).
 * Whatever a handler does, this process survives it: handlers run in their own processes, and every
 * message handler here turns failures into replies. What it does per request is hostCore.ts's (shared
 * with the API's in-process mode); here are its channel, its batches and their encoding.
 */
import { Socket } from 'node:net';
import type { FinishedEvent } from './async';
import { Emulator } from './emulator';
import { HostCore, type HostReplies } from './hostCore';
import { LineChannel } from './lineChannel';
import type { HostRequest, InvocationLine, KeyedReply } from './protocol';
import { enableStampWatch } from './stampWatch';
import type { Cancelable, InvokeResult, LogLine } from './types';

const emulator = new Emulator({
  pythonPath: process.env.SCF_TOOLKIT_PYTHON || undefined,
  runtimePaths: process.env.SCF_TOOLKIT_RUNTIME_PATHS ? (JSON.parse(process.env.SCF_TOOLKIT_RUNTIME_PATHS) as Record<string, string>) : undefined,
});
const retryDelayScale = process.env.SCF_TOOLKIT_RETRY_DELAY_SCALE ? Number(process.env.SCF_TOOLKIT_RETRY_DELAY_SCALE) : undefined;

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

/** The core's answers, as replies on the channel. */
const replies: HostReplies = {
  error: (id, error) => reply({ type: 'error', id, error }),
  accepted: (id, requestId) => reply({ type: 'accepted', id, requestId }, 'now'),
  result: (id, result, reported) => reply({ type: 'result', id, result }, 'now', reported),
  asyncLog: (id, line) => reply(id ? { type: 'log', id, line } : { type: 'asyncLog', line }),
  asyncFinished: (event: FinishedEvent, reported) => reply({ type: 'asyncFinished', event }, 'now', reported),
  resumed: (id, pending) => reply({ type: 'resumed', id, pending }),
  syncCall: (id: string, signal: Cancelable) => {
    const call = new Call(id);
    return {
      options: {
        signal,
        onLog: (line: LogLine) => {
          call.requestId = line.requestId;
          callLine(call, [line.stream, line.text, line.time], line.stream === 'platform' ? PLATFORM_HOLD_MS : LOG_BATCH_MS);
        },
        logPace,
        onAccepted: (requestId: string) => {
          call.requestId = requestId;
          callLine(call, Date.now(), PLATFORM_HOLD_MS);
        },
        // (START at onAccepted, END and REPORT from the result: the client renders them, protocol.ts)
        platformLinesFromResult: true,
        // (a 200's JSON text, forwarded as the runtime wrote it: no parse's value serialised again)
        resultText: call,
      },
      finished: (result: InvokeResult) => callResult(call, result),
    };
  },
};
const core = new HostCore(emulator, replies, { retryDelayScale });

/** The client's interpolationEnv, which it sends only when it changes (protocol.ts). */
let interpolationEnv: Record<string, string> = {};

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
    case 'invoke': {
      if (message.interpolationEnv) interpolationEnv = Object.freeze(message.interpolationEnv);
      core.invoke(message, message.sameInterpolationEnv ? interpolationEnv : (message.interpolationEnv ?? {}));
      break;
    }
    case 'resume':
      core.resume(message.id, message.target);
      break;
    case 'cancel':
      core.cancel(message.id);
      break;
    case 'shutdown':
      flush();
      void core.shutdown().then(() => process.exit(0));
      break;
  }
}

// The client went away (editor closed or crashed): end every instance with us. Queued async events
// stay in their journals and run again after the next resume.
function clientGone(): void {
  void core.shutdown().then(() => process.exit(0));
}

// Stopped by a signal: the runtime processes are in their own process groups, so end them first.
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
  process.once(signal, () => {
    void core.shutdown().then(() => process.exit(143));
  });
}

reply({ type: 'ready', pid: process.pid });
