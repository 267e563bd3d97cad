/**
 * The client side of the emulator host: starts dist/host.js (a separate Node process, so no user code
 * ever runs in the caller's process, e.g. VS Code's extension host) and speaks protocol.ts over a
 * channel of our own (lineChannel.ts, the host's fd 3). If the host dies, pending invocations end
 * with an error and the next invoke starts a new host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { LineChannel } from './lineChannel';
import type { InvokeOutcome } from './emulator';
import { ok, type Outcome, type Problem } from '../model/outcome';
import { hostEnvironment } from './environment';
import type { HostReply, HostRequest, InvocationLine, InvocationLines, InvokeMessage, KeyedReply, SyncResult } from './protocol';
import type { FinishedEvent } from './async';
import { endLine, reportLine, startLine } from './logFormat';
import { refusesEvent, statusInfo } from './statusCodes';
import type { InvokeResult, LogLine } from './types';

/** How many async events' ends a client remembers, to pass each on once (a journal's restart replays at most the events it held). */
const ASYNC_ENDS_KEPT = 10_000;

export interface EmulatorClientOptions {
  /** The bundled host script, dist/host.js. */
  hostScript: string;
  pythonPath?: string;
  /** Interpreters per runtime or family (the scf.runtimePaths setting). */
  runtimePaths?: Record<string, string>;
  /** The Node.js binary to run the host with (default: this process's). */
  execPath?: string;
  /** Async retries wait this times SCF's one minute (default 1/60). */
  retryDelayScale?: number;
  /** Log lines and endings of restored async events that no invocation of ours waits for. */
  onAsyncLog?: (line: LogLine) => void;
  onAsyncFinished?: (event: FinishedEvent) => void;
  /**
   * Let this process end while no invocation is running, even if dispose() was never called (the
   * programmatic API: a test file that forgets close() must not hang its runner). The host ends with
   * its channel.
   */
  unrefWhenIdle?: boolean;
}

/** What a caller gives for one invocation: the protocol's invoke message without its envelope. */
export type InvokeParams = Omit<InvokeMessage, 'type' | 'id' | 'sameInterpolationEnv'>;

export interface RunningInvocation {
  /** The SCF request id, once the event has been accepted (rejected if the event was refused first). */
  requestId: Promise<string>;
  outcome: Promise<InvokeOutcome>;
  cancel(): void;
}

/**
 * One invocation in flight: what the client calls as its replies come (onLog, accepted, done) and
 * what the caller holds (RunningInvocation), in one object. The request id's promise is made only for
 * a caller that asks for it (the API does not): until then what it would settle with is kept.
 */
class Running implements RunningInvocation {
  readonly outcome: Promise<InvokeOutcome>;
  /** The host it was sent to: only that host's exit ends it (failAll). */
  host: ChildProcess | undefined;
  /** Its START line has been given to onLog (then END and REPORT follow the result: protocol.ts). */
  started = false;
  private resolve!: (o: InvokeOutcome) => void;
  private settledId: { requestId: string } | { refused: Error } | undefined;
  private idPromise: { promise: Promise<string>; resolve: (requestId: string) => void; reject: (e: Error) => void } | undefined;

  constructor(
    readonly onLog: (line: LogLine) => void,
    readonly cancel: () => void,
  ) {
    this.outcome = new Promise<InvokeOutcome>((resolve) => (this.resolve = resolve));
  }

  accepted(requestId: string): void {
    if (this.settledId) return;
    this.settledId = { requestId };
    this.idPromise?.resolve(requestId);
  }

  private refused(e: Error): void {
    if (this.settledId) return;
    this.settledId = { refused: e };
    this.idPromise?.reject(e);
  }

  done(o: InvokeOutcome): void {
    if (!o.ok) this.refused(new Error(o.error.message));
    else if (refusesEvent(o.value.statusCode)) this.refused(new Error(o.value.errorMessage ?? 'refused'));
    this.resolve(o);
  }

  get requestId(): Promise<string> {
    if (!this.idPromise) {
      let resolve!: (requestId: string) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      this.idPromise = { promise, resolve, reject };
      const settled = this.settledId;
      if (settled && 'requestId' in settled) resolve(settled.requestId);
      else if (settled) reject(settled.refused);
    }
    return this.idPromise.promise;
  }
}

/** A promise's resolve, with the host whose answer it waits for. */
interface Waiter<T> {
  host: ChildProcess;
  resolve: (r: Outcome<T>) => void;
}

export class EmulatorClient {
  private host: ChildProcess | undefined;
  /** Each host's channel (lineChannel.ts). */
  private readonly channels = new WeakMap<ChildProcess, LineChannel>();
  /** Hosts that sent a line that is not a list of replies (hostBroke): stopped, and their exit fails nothing more. */
  private readonly broken = new WeakSet<ChildProcess>();
  private readonly pending = new Map<string, Running>();
  private readonly resumes = new Map<string, Waiter<number>>();
  private readyHost: ChildProcess | undefined;
  private readonly readyWaiters: Array<Waiter<number>> = [];
  /** The end of the host's stderr, for the message when it dies. */
  private stderrTail = '';
  /** Ids of this client's messages: unique per client, which is all the host needs. */
  private lastId = 0;
  /** The interpolationEnv the running host has last been sent (and its JSON): sent again only when it changes. */
  private refState: { host: ChildProcess; busy: boolean } | undefined;
  private sentEnv: { host: ChildProcess; env: Record<string, string>; json: string } | undefined;
  /**
   * The async events whose end this client has passed on, by requestId (the most recent
   * ASYNC_ENDS_KEPT). An event's end is journaled only once its report has left the host, so a host
   * killed between the two runs the event again after its restart and reports its end a second time
   * (at least once, as the run itself): the caller hears of each end once.
   */
  private readonly asyncEnds = new Set<string>();

  constructor(private readonly options: EmulatorClientOptions) {}

  private connected(host: ChildProcess): boolean {
    return this.channels.get(host)?.open === true;
  }

  private ensureHost(): ChildProcess {
    if (this.host && this.connected(this.host)) return this.host;
    // Nothing of the editor's environment (and any credentials in it) reaches the host.
    const env = hostEnvironment(process.env, {
      electron: !this.options.execPath && process.versions.electron !== undefined,
      extra: {
        SCF_TOOLKIT_PYTHON: this.options.pythonPath,
        SCF_TOOLKIT_RUNTIME_PATHS: this.options.runtimePaths && Object.keys(this.options.runtimePaths).length ? JSON.stringify(this.options.runtimePaths) : undefined,
        SCF_TOOLKIT_RETRY_DELAY_SCALE: this.options.retryDelayScale === undefined ? undefined : String(this.options.retryDelayScale),
      },
    });
    // Not the caller's own flags: a test runner's --test or --inspect, a loader such as tsx, are the
    // caller's; the host is a bundle that needs none of them. fd 3: the channel (lineChannel.ts).
    const host = spawn(this.options.execPath ?? process.execPath, [this.options.hostScript], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    this.stderrTail = '';
    host.stderr?.setEncoding('utf8');
    host.stderr?.on('data', (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-2000)));
    const channel = new LineChannel(
      host.stdio[3] as Socket,
      (line) => {
        if (this.broken.has(host)) return;
        let batch: unknown;
        try {
          batch = JSON.parse(line);
        } catch {
          batch = undefined;
        }
        // Only the host writes here, a list of replies per line: anything else is a bug of ours, and
        // what it was meant to say is lost, so the invocations waiting on this host end with an error
        // that says so (instead of a throw here, in the caller's process) and the host is stopped.
        if (!Array.isArray(batch)) return this.hostBroke(host, channel, line);
        for (const m of batch as HostReply[]) {
          if (Array.isArray(m)) {
            if (!this.onCompact(m)) return this.hostBroke(host, channel, line);
            continue;
          }
          if (m === null || typeof m !== 'object' || typeof m.type !== 'string') return this.hostBroke(host, channel, line);
          if (m.type === 'ready') this.onReady(host, m.pid);
          else this.onReply(m);
        }
      },
      () => undefined, // (the host's exit ends what waits on it: below)
    );
    host.on('error', () => undefined); // e.g. execPath not found: reported by 'exit' below
    host.on('exit', (code, signal) => {
      if (this.host === host) this.host = undefined;
      if (this.readyHost === host) this.readyHost = undefined;
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const said = this.stderrTail.trim() ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' ')}` : '';
      const error = { code: 'host.exited', message: `the emulator host ${why}${said}; invoke again to start a new one` };
      // (a host that broke its protocol has failed what waited on it already; what waits now is another host's)
      if (this.broken.has(host)) return;
      const failWaiting = () => this.failAll(host, error);
      // What the host wrote before it died may still be unread in the channel (an async event's end,
      // which its journal already calls done): read to the channel's end before failing the rest.
      // (The host's fd 3 is close-on-exec, so no runtime it started holds the channel open.)
      if (channel.open) channel.socket.once('close', failWaiting);
      else failWaiting();
    });
    this.host = host;
    this.channels.set(host, channel);
    this.updateRef();
    return host;
  }

  /**
   * The host sent a line that is not a list of replies (a bug of ours): every invocation, resume and
   * start waiting on it ends with a Problem that says so, the host is stopped (its channel closed
   * first, so the next invoke starts another) and nothing more is read from it.
   */
  private hostBroke(host: ChildProcess, channel: LineChannel, line: string): void {
    const shown = line.length > 120 ? `${line.slice(0, 120)}...` : line;
    const error = {
      code: 'host.protocol',
      message: `the emulator host sent a line that is not a list of replies (${shown}): a bug in SCF Toolkit; the invocations waiting on it have ended, and the next invoke starts a new host`,
    };
    if (this.host === host) this.host = undefined;
    if (this.readyHost === host) this.readyHost = undefined;
    this.broken.add(host);
    this.failAll(host, error);
    channel.socket.destroy();
    host.kill('SIGKILL');
  }

  /**
   * Ends everything that waits on `host` (it has gone, or broken) with `error`. Only that host's: its
   * exit can come after a newer host has taken invocations (its channel closed first, and the next
   * invoke started another), and those are the newer host's to answer.
   */
  private failAll(host: ChildProcess, error: Problem): void {
    const failed = { ok: false, error } as const;
    for (let i = this.readyWaiters.length - 1; i >= 0; i--) {
      const w = this.readyWaiters[i]!;
      if (w.host !== host) continue;
      this.readyWaiters.splice(i, 1);
      w.resolve(failed);
    }
    for (const [id, p] of this.pending) {
      if (p.host !== host) continue;
      this.pending.delete(id);
      p.done(failed);
    }
    for (const [id, r] of this.resumes) {
      if (r.host !== host) continue;
      this.resumes.delete(id);
      r.resolve(failed);
    }
    this.updateRef();
  }

  private onReady(host: ChildProcess, pid: number): void {
    this.readyHost = host;
    for (let i = this.readyWaiters.length - 1; i >= 0; i--) {
      const w = this.readyWaiters[i]!;
      if (w.host !== host) continue;
      this.readyWaiters.splice(i, 1);
      w.resolve(ok(pid));
    }
    this.updateRef();
  }

  /** Starts the host if it is not running and resolves once it is ready for invocations. */
  /** The host's pid once it is ready. */
  ready(): Promise<Outcome<number>> {
    const host = this.ensureHost();
    if (this.readyHost === host && host.pid !== undefined) return Promise.resolve(ok(host.pid));
    return new Promise((resolve) => {
      this.readyWaiters.push({ host, resolve });
      this.updateRef();
    });
  }

  /** With unrefWhenIdle: the host keeps this process alive only while something waits for it. */
  private updateRef(): void {
    const host = this.host;
    if (!this.options.unrefWhenIdle || !host) return;
    const busy = this.pending.size > 0 || this.resumes.size > 0 || this.readyWaiters.length > 0;
    // (each ref or unref is a call into the runtime's C++ side: only when the state changes)
    const state = this.refState;
    if (state?.host === host && state.busy === busy) return;
    if (state) {
      state.host = host;
      state.busy = busy;
    } else this.refState = { host, busy };
    refHandle(host, busy);
    refHandle(host.stdio[3], busy);
    refHandle(host.stderr, busy);
  }

  /** Notes an async event's end; false when this client has passed it on already. */
  private firstAsyncEnd(requestId: string): boolean {
    if (this.asyncEnds.has(requestId)) return false;
    this.asyncEnds.add(requestId);
    if (this.asyncEnds.size > ASYNC_ENDS_KEPT) this.asyncEnds.delete(this.asyncEnds.values().next().value as string);
    return true;
  }

  private onReply(m: KeyedReply): void {
    if (m.type === 'ready') return;
    if (m.type === 'asyncLog') return this.options.onAsyncLog?.(m.line);
    if (m.type === 'asyncFinished') {
      if (this.firstAsyncEnd(m.event.requestId)) this.options.onAsyncFinished?.(m.event);
      return;
    }
    if (m.type === 'resumed') {
      this.resumes.get(m.id)?.resolve(ok(m.pending));
      this.resumes.delete(m.id);
      this.updateRef();
      return;
    }
    if (m.type === 'error' && this.resumes.has(m.id)) {
      this.resumes.get(m.id)!.resolve({ ok: false, error: m.error });
      this.resumes.delete(m.id);
      this.updateRef();
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'accepted':
        p.accepted(m.requestId);
        break;
      case 'log':
        p.onLog(m.line);
        break;
      case 'result':
        this.pending.delete(m.id);
        this.updateRef();
        if (m.result.asyncOutcome) this.firstAsyncEnd(m.result.requestId);
        p.accepted(m.result.requestId);
        p.done(ok(m.result));
        break;
      case 'error':
        this.pending.delete(m.id);
        this.updateRef();
        p.done({ ok: false, error: m.error });
        break;
    }
  }

  /** A sync invocation's lines or result (protocol.ts); false when it is not one (the host broke the protocol). */
  private onCompact(m: InvocationLines | SyncResult | unknown[]): boolean {
    const kind = m[0];
    if ((kind !== 'L' && kind !== 'R') || typeof m[1] !== 'string' || typeof m[2] !== 'string') return false;
    const p = this.pending.get(m[1]);
    if (kind === 'L') {
      const lines = m[3];
      if (!Array.isArray(lines)) return false;
      if (p) giveLines(p, m[2], lines as InvocationLine[]);
      return true;
    }
    if (m.length !== 15) return false;
    if (!p) return true;
    const r = m as SyncResult;
    this.pending.delete(r[1]);
    this.updateRef();
    const result = syncResult(r);
    p.accepted(result.requestId);
    if (r[11]) giveLines(p, result.requestId, r[11]);
    if (p.started) {
      p.onLog({ requestId: result.requestId, stream: 'platform', text: endLine(result.requestId), time: r[10] });
      p.onLog({ requestId: result.requestId, stream: 'platform', text: reportLine(result), time: r[10] });
    }
    p.done(ok(result));
    return true;
  }

  invoke(params: InvokeParams, onLog: (line: LogLine) => void): RunningInvocation {
    const id = String(++this.lastId);
    const running = new Running(onLog, () => {
      const to = running.host;
      if (this.pending.has(id) && to && this.connected(to)) this.send(to, { type: 'cancel', id });
    });
    this.pending.set(id, running);
    const host = this.ensureHost();
    running.host = host;
    const sameEnv = this.hostHasEnv(host, params.interpolationEnv);
    // Every field by name (the compiler checks that none is missing): no copy of the caller's object.
    const message = {
      type: 'invoke',
      id,
      target: params.target,
      functionName: params.functionName,
      payload: params.payload,
      payloadMadeByStringify: params.payloadMadeByStringify,
      invocationType: params.invocationType,
      interpolationEnv: sameEnv ? undefined : params.interpolationEnv, // (JSON leaves it out)
      sameInterpolationEnv: sameEnv ? true : undefined,
      debug: params.debug,
      timeoutOverride: params.timeoutOverride,
      layerFolders: params.layerFolders,
    } satisfies Record<keyof Required<InvokeMessage>, unknown> & InvokeMessage;
    this.send(host, message);
    this.updateRef();
    return running;
  }

  /**
   * Messages go out once the code running now is done (a tick): callers that invoke together (their
   * previous results came in one message, and each invokes again) cost the host one read and one
   * wake-up, not one each. Order is kept: the batch is one message, in the order sent.
   */
  private send(host: ChildProcess, message: HostRequest): void {
    if (this.outbox && this.outbox.host !== host) this.flushOutbox();
    if (this.outbox) {
      this.outbox.messages.push(message);
      return;
    }
    this.outbox = { host, messages: [message] };
    process.nextTick(this.flushOutbox);
  }

  private outbox: { host: ChildProcess; messages: HostRequest[] } | undefined;

  private readonly flushOutbox = (): void => {
    const outbox = this.outbox;
    this.outbox = undefined;
    if (!outbox || !this.connected(outbox.host)) return;
    this.channels.get(outbox.host)!.send(JSON.stringify(outbox.messages.length === 1 ? outbox.messages[0] : outbox.messages));
  };

  /** Whether the host already has this interpolationEnv (then the message leaves it out); remembers it if not. */
  private hostHasEnv(host: ChildProcess, env: Record<string, string> | undefined): boolean {
    if (!env) return false;
    const sent = this.sentEnv;
    if (sent?.host === host && (sent.env === env || sent.json === JSON.stringify(env))) return true;
    this.sentEnv = { host, env, json: JSON.stringify(env) };
    return false;
  }

  /** Restores the async queue beside a serverless.yml (events accepted before a restart) and runs it. */
  /** How many async events of `target`'s journal are pending again. */
  resume(target: string): Promise<Outcome<number>> {
    const id = String(++this.lastId);
    return new Promise((resolve) => {
      const host = this.ensureHost();
      this.resumes.set(id, { host, resolve });
      this.send(host, { type: 'resume', id, target });
      this.updateRef();
    });
  }

  /** The host's pid, while one runs. */
  hostPid(): number | undefined {
    return this.host?.pid;
  }

  /** Stops the host and with it every runtime instance. */
  async dispose(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    if (!host || host.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        host.kill('SIGKILL');
        resolve();
      }, 2000);
      host.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.outbox?.host === host) this.flushOutbox();
      const channel = this.channels.get(host);
      if (channel?.open) channel.send(JSON.stringify({ type: 'shutdown' } satisfies HostRequest));
      else host.kill();
    });
  }
}

/** An invocation's lines from the host: its own, and its START (a number: its time) rendered here. */
function giveLines(p: Running, requestId: string, lines: InvocationLine[]): void {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (typeof l === 'number') {
      p.accepted(requestId);
      p.started = true;
      p.onLog({ requestId, stream: 'platform', text: startLine(requestId), time: l });
    } else p.onLog({ requestId, stream: l[0], text: l[1], time: l[2] });
  }
}

/**
 * A sync invocation's InvokeResult from its compact reply, with the keys the emulator's has, in its
 * order (emulator.ts finish), and none it left undefined.
 */
function syncResult(r: SyncResult): InvokeResult {
  const out: InvokeResult = {
    requestId: r[2],
    memorySize: r[6],
    invocationType: 'RequestResponse',
    coldStart: r[8] === 1,
    durationMs: r[4],
    billedDurationMs: r[5],
    maxMemoryUsedMB: r[7],
    statusCode: r[3],
    result: r[14],
  } as InvokeResult;
  if (r[12] !== null) out.errorMessage = r[12];
  if (r[13] !== null) out.errorStack = r[13];
  if (r[9] !== null) out.initDurationMs = r[9];
  out.statusName = statusInfo(r[3]).name;
  return out;
}

/** ref() or unref() one of the host's handles (a socket the host has closed has no handle: its unref() would wait for a 'connect' that never comes). */
function refHandle(h: { ref?(): unknown; unref?(): unknown; destroyed?: boolean } | null | undefined, busy: boolean): void {
  if (!h || h.destroyed) return;
  if (busy) h.ref?.();
  else h.unref?.();
}
