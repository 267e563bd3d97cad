/**
 * A runtime process as the emulator sees it, whatever runs inside: started in its sandbox (sandbox.ts:
 * everything it starts ends with it and counts against its memory) with a clean environment, its stdout
 * and stderr split into log lines as they come, its exit tracked, its memory measured.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { now } from './clock';
import { LineSplitter } from './frames';
import type { RunMeasure } from './instanceTypes';
import type { Cancelable } from './types';
import { SandboxedProcess, type SandboxOptions } from './sandbox';

export interface LogSink {
  (stream: 'stdout' | 'stderr', text: string): void;
  /**
   * While whoever reads the log is behind (the CLI's stdout, the host's channel to the editor): a
   * promise that settles once it has caught up. The runtime's output is not read meanwhile, so a
   * flood waits in the pipe and then in the handler's own (blocking) write, never in our memory.
   */
  pace?: () => Promise<void> | undefined;
}

export type DrainEnd = 'closed' | 'quiet' | 'cut';

/** How long to wait for the last output once the process has gone. */
const DRAIN_MS = 300;
/**
 * Output already in the pipes arrives within a turn or two of the event loop; the pipes themselves
 * close only once every process holding them has died, which for a thousand processes takes the
 * kernel a while. So the wait also ends once the pipes have been quiet this long.
 */
const QUIET_MS = 30;
/**
 * Once halt() has been taken (every process stopped: SandboxedProcess.haltTaken) nothing of the
 * instance writes any more: what is left is in the pipes, read within a turn or two of the event loop.
 * Quiet is also only believed when seen twice, with a poll of the pipes between (a host that was not
 * scheduled for a while runs its timers before it reads).
 */
const HALTED_QUIET_MS = 10;
/** How often memory is sampled while a request runs; the kernel's peak is also read at the end. */
export const MEMORY_POLL_MS = 25;

export class RuntimeProcess {
  readonly child: ChildProcess;
  readonly sandbox: SandboxedProcess;
  private sink: LogSink;
  private exitDescription: string | undefined;
  /** Called once when the process has gone; each request subscribes and unsubscribes (no growth per request). */
  private readonly exitListeners = new Set<() => void>();
  private streamsOpen = 2;
  private drainWaiter: (() => void) | undefined;
  private marks = 0;
  private markWaiter: (() => void) | undefined;
  private readonly splitters: LineSplitter[] = [];
  spawnError: string | undefined;

  constructor(
    command: string,
    args: string[],
    options: { cwd: string; env: Record<string, string>; extraPipes: number; endMark?: string; sandbox?: SandboxOptions },
    sink: LogSink,
  ) {
    this.sink = sink;
    const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...Array.from({ length: options.extraPipes }, () => 'pipe' as const)];
    this.sandbox = new SandboxedProcess(command, args, { cwd: options.cwd, env: options.env, stdio }, options.sandbox);
    this.child = this.sandbox.child;
    this.child.on('error', (e) => {
      this.spawnError = e.message;
      this.markExited(`could not start ${command}: ${e.message}`);
    });
    this.child.on('exit', (code, signal) => this.markExited(this.sandbox.describeExit(code, signal)));
    this.pipeLog(this.child.stdout!, 'stdout', options.endMark);
    this.pipeLog(this.child.stderr!, 'stderr', options.endMark);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get dead(): boolean {
    return this.exitDescription !== undefined;
  }

  get reachedTaskLimit(): boolean {
    return this.sandbox.reachedTaskLimit();
  }

  get exitReason(): string {
    return this.exitDescription ?? 'running';
  }

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  private pipeLog(stream: Readable, name: 'stdout' | 'stderr', endMark: string | undefined): void {
    stream.setEncoding('utf8');
    const splitter = new LineSplitter(
      endMark ?? '\u0000\u0000never\u0000\u0000',
      (line) => this.sink(name, line),
      () => {
        this.marks++;
        if (this.marks >= 2 && this.markWaiter) this.markWaiter();
      },
    );
    this.splitters.push(splitter);
    let paused = false;
    stream.on('data', (chunk: string) => {
      this.lastOutputAt = now();
      splitter.push(chunk);
      const behind = paused ? undefined : this.sink.pace?.();
      if (!behind) return;
      paused = true;
      this.pausedStreams++;
      stream.pause();
      void behind.then(() => {
        paused = false;
        this.pausedStreams--;
        stream.resume();
        for (const w of this.resumeWaiters.splice(0)) w();
      });
    });
    stream.on('close', () => {
      splitter.flush();
      this.streamsOpen--;
      if (this.streamsOpen === 0 && this.drainWaiter) this.drainWaiter();
    });
  }

  private markExited(description: string): void {
    if (this.exitDescription !== undefined) return;
    this.exitDescription = description;
    for (const listener of [...this.exitListeners]) listener();
    this.exitListeners.clear();
    if (this.markWaiter) this.markWaiter();
  }

  exited(): Promise<void> {
    if (this.exitDescription !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.onExit(resolve));
  }

  /**
   * `listener` runs once the process has gone (at once if it has); the returned function unsubscribes.
   * A warm instance serves many requests: waiting for its exit per request must not pile up waiters.
   */
  onExit(listener: () => void): () => void {
    if (this.exitDescription !== undefined) {
      listener();
      return () => undefined;
    }
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /**
   * After the process has gone: waits (briefly) until stdout and stderr have been read to the end. A
   * process that escaped the instance may still hold them open: past DRAIN_MS they are closed on our
   * side, so nothing of the instance keeps the host (or the CLI) from ending.
   */
  drained(): Promise<void> {
    if (this.streamsOpen === 0) {
      this.lastDrain = 'closed';
      return Promise.resolve();
    }
    const started = now();
    const quietMs = this.halted ? HALTED_QUIET_MS : QUIET_MS;
    let quietOnce = false;
    // After halt(), quiet counts only once every process has taken its SIGSTOP (see haltTaken).
    let stopped = !this.halted;
    return new Promise((resolve) => {
      const quiet = setInterval(() => {
        const at = now();
        const isQuiet = at - started >= quietMs && at - this.lastOutputAt >= quietMs && (stopped ||= this.sandbox.haltTaken());
        if (isQuiet && quietOnce) finish('quiet');
        quietOnce = isQuiet;
      }, quietMs / 3);
      const timer = setTimeout(() => {
        this.closePipes();
        finish('cut');
      }, DRAIN_MS);
      const finish = (how: DrainEnd) => {
        clearTimeout(timer);
        clearInterval(quiet);
        this.drainWaiter = undefined;
        this.lastDrain = how;
        resolve();
      };
      this.drainWaiter = () => finish('closed');
    });
  }

  /**
   * How the last drained() ended: the pipes closed (every holder gone), went quiet for QUIET_MS, or
   * were cut on our side at DRAIN_MS (a holder outlived the instance: never once it was killed).
   */
  lastDrain: DrainEnd | undefined;

  /** Emits lines still waiting for their newline (for runtimes with no end marks, after a request). */
  flushLines(): void {
    for (const s of this.splitters) s.flush();
  }

  private closePipes(): void {
    for (const s of this.child.stdio) s?.destroy();
  }

  /** Starts counting end marks for a new request. */
  resetMarks(): void {
    this.marks = 0;
  }

  /** Waits until both end marks (stdout and stderr) arrived, or the process is gone. */
  marksArrived(): Promise<void> {
    if (this.marks >= 2 || this.dead) return Promise.resolve();
    return new Promise((resolve) => this.onMarks(resolve));
  }

  /** marksArrived() as a callback: `done` runs once both end marks arrived or the process is gone (at once if so). */
  onMarks(done: () => void): void {
    if (this.marks >= 2 || this.dead) return done();
    this.markWaiter = () => {
      this.markWaiter = undefined;
      done();
    };
  }

  /**
   * For an answer the runtime wrote after everything the request printed (blocking writes: the output
   * was in the stdout and stderr pipes before the answer was in its own): resolves once that output
   * has been read, with no end marks to wait for. The kernel had those pipes ready before the answer's,
   * so the event loop's next poll reads them; two turns, as readiness that came in while the loop was
   * collecting the answer's is reported by the poll after. A stream paused for a slow log reader
   * (pace) is waited for, then two turns again.
   */
  outputRead(): Promise<void> {
    return new Promise((resolve) => this.onOutputRead(resolve));
  }

  /** outputRead() as a callback: `read` runs once that output has been read. */
  onOutputRead(read: () => void): void {
    const done = () => {
      if (this.pausedStreams > 0 && !this.dead) {
        this.resumeWaiters.push(() => afterTwoTurns(done));
        return;
      }
      // A last line without its newline ends with the request, as the end mark ended it.
      this.flushLines();
      read();
    };
    afterTwoTurns(done);
  }

  private pausedStreams = 0;
  private readonly resumeWaiters: Array<() => void> = [];

  /**
   * Starts a request's peak, before the request is sent. A new instance's memory is also read here
   * once: its limits start from the last reading (RequestWatch), and a runtime that exits as soon as
   * it reads the request (439) could be gone when awaitAnswer read it after the send (0 MB, seen
   * under load, statusCodes.test.ts).
   */
  resetPeakMemory(): void {
    this.sandbox.resetPeakMemory();
    if (this.sandbox.lastMemoryKb() === undefined) this.sandbox.memoryKb();
  }

  currentMemoryKb(): number {
    return this.sandbox.memoryKb();
  }

  /** The instance's memory as last read (undefined before the first reading), without reading it again. */
  lastMemoryKb(): number | undefined {
    return this.sandbox.lastMemoryKb();
  }

  peakMemoryKb(): number {
    return this.sandbox.peakMemoryKb();
  }

  /**
   * Stops the instance's processes while it is idle (SCF freezes idle instances); thaw() before use.
   * An idle instance does not keep this Node process alive either: a script or test that forgets
   * dispose() still exits, and the instance ends with it (Emulator's exit hook, the namespace).
   */
  freeze(): void {
    if (!this.dead) this.sandbox.freeze();
    this.keepAlive(false);
    this.parked = true;
  }

  /** (a no-op unless freeze() ran since the last thaw: a warm request back to back found it running and held) */
  thaw(): void {
    if (!this.parked) return;
    this.parked = false;
    this.keepAlive(true);
    this.sandbox.thaw();
  }

  /** Frozen and let go by freeze(), not thawed since. */
  private parked = false;

  /** Whether the runtime process and its pipes hold this Node process's event loop open. */
  private keepAlive(on: boolean): void {
    for (const h of [this.child, ...this.child.stdio] as Array<{ ref?(): unknown; unref?(): unknown } | null>) (on ? h?.ref : h?.unref)?.call(h);
  }

  /**
   * Stops every process of the instance where it stands (SIGSTOP to its process group and to every
   * process known to it), at a limit: nothing of it runs or writes from here on, so its last output is
   * in the pipes and the answer need not wait for the kernel to end a thousand processes. false where
   * processes cannot be stopped (Windows): then kill() first.
   */
  halt(): boolean {
    if (this.dead || !this.sandbox.halt()) return false;
    this.halted = true;
    return true;
  }

  private halted = false;

  /**
   * Ends the instance and everything it started, also after the runtime itself has exited (its
   * detached children may not have); pipes still open DRAIN_MS later are closed on our side.
   */
  kill(): void {
    this.sandbox.kill();
    if (!this.pipesClosing) {
      this.pipesClosing = true;
      setTimeout(() => this.closePipes(), DRAIN_MS).unref();
    }
  }

  private pipesClosing = false;
  private lastOutputAt = 0;
}

/**
 * Callbacks to run two turns of the event loop from now (RuntimeProcess.outputRead), shared: the
 * requests whose answers came in the same poll finish in the same callback, so their results leave
 * the host together (hostMain.ts sends what one turn produced as one message).
 */
let turnOne: Array<() => void> = [];
let turnTwo: Array<() => void> = [];
let turnsScheduled = false;
function afterTwoTurns(callback: () => void): void {
  turnOne.push(callback);
  if (turnsScheduled) return;
  turnsScheduled = true;
  setImmediate(turn);
}
/** One turn: what waited two runs now; what waited one moves up (a poll of the pipes comes between). */
function turn(): void {
  const ready = turnTwo;
  turnTwo = turnOne;
  turnOne = [];
  if (turnTwo.length > 0) setImmediate(turn);
  else turnsScheduled = false;
  for (const callback of ready) callback();
}

/**
 * A running request's limits, watched by the shared timers below (addLimitWatch): `stop` is called
 * with the first limit reached, and may be called again (the watch ignores what comes after its first).
 */
interface LimitWatch {
  readonly proc: RuntimeProcess;
  /** now() at which the request times out (Infinity: no limit). */
  readonly deadline: number;
  readonly limitKb: number;
  /** The highest memory sampled during the request (kB). */
  sampledKb: number;
  stop(s: LimitStop): void;
}

/**
 * Every running request's limits share two timers, not two of their own per request: one interval
 * samples the memory of every running instance every MEMORY_POLL_MS, one timeout is set for the
 * earliest deadline. Both hold the process open only while a request runs; the interval ends when it
 * finds none running, and the timeout is re-armed only when a request's deadline comes before it (a
 * warm request of a few ms touches neither).
 */
const watches = new Set<LimitWatch>();
let memoryPoll: NodeJS.Timeout | undefined;
let deadlineTimer: NodeJS.Timeout | undefined;
let deadlineAt = Infinity;
/** A timer fires by the event loop's clock, which can be a little behind now(). */
const DEADLINE_SLACK_MS = 1;

function pollMemory(): void {
  if (watches.size === 0) {
    clearInterval(memoryPoll);
    memoryPoll = undefined;
    return;
  }
  for (const w of watches) {
    const kb = w.proc.currentMemoryKb();
    if (kb > w.sampledKb) w.sampledKb = kb;
    if (kb > w.limitKb) w.stop({ kind: 'memory', usedKb: kb });
  }
}

function armDeadline(at: number): void {
  if (deadlineTimer) clearTimeout(deadlineTimer);
  deadlineAt = at;
  deadlineTimer = setTimeout(onDeadline, Math.max(0, at - now()));
}

function onDeadline(): void {
  deadlineTimer = undefined;
  deadlineAt = Infinity;
  const t = now() + DEADLINE_SLACK_MS;
  let next = Infinity;
  for (const w of watches) {
    if (w.deadline <= t) w.stop({ kind: 'timeout' });
    else if (w.deadline < next) next = w.deadline;
  }
  if (next < Infinity) armDeadline(next);
}

/** Whether the shared timers hold the process open: while a request runs, as a timer of its own did. */
function holdOpen(on: boolean): void {
  if (on) {
    memoryPoll?.ref();
    deadlineTimer?.ref();
  } else {
    memoryPoll?.unref();
    deadlineTimer?.unref();
  }
}

/** A request's deadline on the now() clock (Infinity: no limit). */
function deadlineOf(timeoutMs: number): number {
  return timeoutMs === Infinity ? Infinity : now() + timeoutMs;
}

/** Starts watching a request's limits with the shared timers. */
function addLimitWatch(watch: LimitWatch): void {
  if (watches.size === 0) holdOpen(true);
  watches.add(watch);
  memoryPoll ??= setInterval(pollMemory, MEMORY_POLL_MS);
  if (watch.deadline < deadlineAt) armDeadline(watch.deadline);
}

/** Ends a watch: its stop is not called after this. */
function removeLimitWatch(watch: LimitWatch): void {
  watches.delete(watch);
  if (watches.size === 0) holdOpen(false);
}

export type LimitStop = { kind: 'timeout' } | { kind: 'memory'; usedKb: number } | { kind: 'canceled' };

/**
 * A running request, settled once by the first of: its answer (the caller's: `claim()` then the
 * answer's measure), a limit (the shared timers call `stop`; the instance is stopped at once, its last
 * output read, then killed), the caller's abort, or the runtime's exit (`exited`, 439). Whatever comes
 * after the first counts for nothing. `end` gets a limit's or the exit's measure; `release` runs when
 * it settles (an exit listener of the caller's to remove).
 */
export class RequestWatch implements LimitWatch {
  readonly deadline: number;
  readonly limitKb: number;
  /**
   * The highest memory sampled during the request (kB). The memory at the start counts too: a runtime
   * that exits before the first poll (439) has nothing left to read afterwards, and reported 0 MB. The
   * instance's last reading (the end of its previous request, or resetPeakMemory()'s before the
   * request was sent) stands for it; read now if none.
   */
  sampledKb: number;
  release: (() => unknown) | undefined;
  private settled = false;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    readonly proc: RuntimeProcess,
    timeoutMs: number,
    memoryLimitMb: number,
    private readonly signal: Cancelable | undefined,
    private readonly kill: () => void,
    private readonly end: (m: RunMeasure) => void,
  ) {
    this.deadline = deadlineOf(timeoutMs);
    this.limitKb = memoryLimitMb * 1024;
    this.sampledKb = proc.lastMemoryKb() ?? proc.currentMemoryKb();
    addLimitWatch(this);
    if (signal) {
      const onAbort = (): void => this.stop({ kind: 'canceled' });
      // (canceled already: reported once the caller has the promise)
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        this.onAbort = onAbort;
        signal.addEventListener('abort', onAbort, { once: true });
      }
    }
  }

  /** Whether this is the first word on the request (then the limits and the abort listener end). */
  claim(): boolean {
    if (this.settled) return false;
    this.settled = true;
    removeLimitWatch(this);
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
    this.release?.();
    return true;
  }

  stop(o: LimitStop): void {
    if (!this.claim()) return;
    const peakKb = Math.max(this.sampledKb, o.kind === 'memory' ? o.usedKb : 0);
    // The answer first, the cleanup after: its processes end (a fork bomb's thousand: a while, on a
    // busy machine) after the answer has gone, not before it.
    const halted = this.proc.halt();
    if (!halted) this.kill();
    void this.proc.drained().then(() => {
      if (halted) this.kill();
      this.end({ outcome: o, peakKb });
    });
  }

  exited(): void {
    if (!this.claim()) return;
    const sampledKb = this.sampledKb;
    void this.proc.drained().then(() => this.end({ outcome: { kind: 'exit', description: this.proc.exitReason }, peakKb: sampledKb }));
  }
}

type Answered<T> = { ok: true; answer: T; sampledKb: number } | { ok: false; measure: RunMeasure };

/**
 * Waits for a request's answer while the limits run; a limit reached (the instance is killed) or the
 * process gone first ends the request with that outcome instead (RequestWatch). The answer comes
 * through its promise's reaction, the exit and the limits from their own callbacks: an answer whose
 * promise was resolved in an earlier callback (its reaction ran then) is there before an exit
 * reported after it.
 */
export function awaitAnswer<T>(
  proc: RuntimeProcess,
  answer: Promise<T>,
  limitsOf: { timeoutMs: number; memoryLimitMb: number; signal?: Cancelable },
  kill: () => void,
): Promise<Answered<T>> {
  return new Promise<Answered<T>>((resolve) => {
    const watch = new RequestWatch(proc, limitsOf.timeoutMs, limitsOf.memoryLimitMb, limitsOf.signal, kill, (measure) => resolve({ ok: false, measure }));
    // (called at once if the process has gone already)
    const unsubscribe = proc.onExit(() => watch.exited());
    watch.release = unsubscribe;
    answer.then((a) => {
      if (watch.claim()) resolve({ ok: true, answer: a, sampledKb: watch.sampledKb });
    });
  });
}

/**
 * Waits for a runtime's first word (ready, or its init error) within the init timeout (Infinity: no
 * limit, as while debugging). Past the timeout the instance is killed; either way the process's last
 * output has been read when this returns without an answer.
 */
export async function awaitInit<T>(
  proc: RuntimeProcess,
  answer: Promise<T>,
  initTimeoutMs: number,
  kill: () => void,
): Promise<{ kind: 'answer'; answer: T; initMs: number } | { kind: 'timeout'; initMs: number } | { kind: 'exit'; initMs: number }> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    if (Number.isFinite(initTimeoutMs)) timer = setTimeout(() => resolve('timeout'), initTimeoutMs);
  });
  let unsubscribe = () => undefined as unknown;
  const exited = new Promise<void>((resolve) => (unsubscribe = proc.onExit(resolve)));
  const first = await Promise.race([answer.then((a) => ({ a })), exited.then(() => 'exit' as const), timeout]);
  unsubscribe();
  clearTimeout(timer);
  const initMs = now() - started;
  if (first === 'timeout') {
    kill();
    await proc.drained();
    return { kind: 'timeout', initMs };
  }
  if (first === 'exit') {
    await proc.drained();
    return { kind: 'exit', initMs };
  }
  return { kind: 'answer', answer: first.a, initMs };
}
