/**
 * One runtime instance: a process running a bootstrap that has loaded the user's handler, kept warm
 * between requests like an SCF instance. It owns the process, the channel to the bootstrap, the log
 * streams and the per-request limits (time, memory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { encodeFrame, FrameReader, LineSplitter } from './frames';
import { killTree, peakRssKb, resetPeakRss, treeRssKb } from './limits';
import type { LocalRuntime } from './runtimes';

/** Written by the bootstraps to stdout and stderr after each request. */
export const END_MARK = '\u0000SCF_END\u0000\n';

export type LogSink = (stream: 'stdout' | 'stderr', text: string) => void;

interface ReadyMessage {
  t: 'ready';
  files: string[];
  esm?: boolean;
  entry?: string;
}
interface InitErrorMessage {
  t: 'initError';
  code: number;
  message: string;
  stack: string;
}
interface ResultMessage {
  t: 'result';
  ok: boolean;
  result?: unknown;
  code?: number;
  message?: string;
  stack?: string;
  recycle?: boolean;
  files: string[];
}
type ChildMessage = ReadyMessage | InitErrorMessage | ResultMessage;

export type InitOutcome =
  | { kind: 'ready'; initMs: number }
  | { kind: 'initError'; code: number; message: string; stack: string }
  | { kind: 'initTimeout'; initMs: number }
  | { kind: 'exit'; description: string }
  | { kind: 'spawnError'; message: string };

export type RunOutcome =
  | { kind: 'result'; value: unknown; resultBytes: number }
  | { kind: 'error'; code: number; message: string; stack: string; recycle: boolean }
  | { kind: 'timeout' }
  | { kind: 'memory'; usedKb: number }
  | { kind: 'exit'; description: string }
  | { kind: 'canceled' };

export interface RunMeasure {
  outcome: RunOutcome;
  peakKb: number;
}

/** How often memory is sampled while a request runs; the peak is also read from the kernel at the end. */
const MEMORY_POLL_MS = 25;
/** How long to wait for the last output once the process has gone. */
const DRAIN_MS = 300;
const MAX_WATCHED_FILES = 2000;

let nextInstanceId = 1;

export class Instance {
  readonly id = nextInstanceId++;
  readonly child: ChildProcess;
  private readonly reader = new FrameReader();
  private readonly waiters: Array<(m: ChildMessage) => void> = [];
  private readonly queued: ChildMessage[] = [];
  private readonly exitWaiters: Array<() => void> = [];
  private exitDescription: string | undefined;
  private marks = 0;
  private markWaiter: (() => void) | undefined;
  private streamsOpen = 2;
  private drainWaiter: (() => void) | undefined;
  private watched = new Map<string, string>();
  private sink: LogSink;
  spawnError: string | undefined;
  busy = false;
  dead = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly runtime: LocalRuntime,
    readonly codeDir: string,
    handler: string,
    env: Record<string, string>,
    sink: LogSink,
  ) {
    this.sink = sink;
    this.child = spawn(runtime.command, runtime.args(codeDir, handler), {
      cwd: codeDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout kills everything it started
    });
    this.child.on('error', (e) => {
      this.spawnError = e.message;
      this.markExited(`could not start ${runtime.command}: ${e.message}`);
    });
    this.child.on('exit', (code, signal) => {
      this.markExited(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
    const replies = this.child.stdio[4] as Readable;
    replies.on('data', (chunk: Buffer) => {
      for (const body of this.reader.push(chunk)) this.deliver(JSON.parse(body) as ChildMessage);
    });
    replies.on('error', () => undefined);
    (this.child.stdio[3] as Writable).on('error', () => undefined);
    this.pipeLog(this.child.stdout!, 'stdout');
    this.pipeLog(this.child.stderr!, 'stderr');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  private pipeLog(stream: Readable, name: 'stdout' | 'stderr'): void {
    stream.setEncoding('utf8');
    const splitter = new LineSplitter(
      END_MARK,
      (line) => this.sink(name, line),
      () => {
        this.marks++;
        if (this.marks >= 2 && this.markWaiter) this.markWaiter();
      },
    );
    stream.on('data', (chunk: string) => splitter.push(chunk));
    stream.on('close', () => {
      splitter.flush();
      this.streamsOpen--;
      if (this.streamsOpen === 0 && this.drainWaiter) this.drainWaiter();
    });
  }

  private deliver(message: ChildMessage): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(message);
    else this.queued.push(message);
  }

  private markExited(description: string): void {
    if (this.exitDescription !== undefined) return;
    this.exitDescription = description;
    this.dead = true;
    for (const w of this.exitWaiters.splice(0)) w();
    if (this.markWaiter) this.markWaiter();
  }

  private nextMessage(): Promise<ChildMessage> {
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private exited(): Promise<void> {
    if (this.exitDescription !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Waits until the output printed so far has arrived (both end marks), or the process is gone. */
  private marksArrived(): Promise<void> {
    if (this.marks >= 2 || this.dead) return Promise.resolve();
    return new Promise((resolve) => {
      this.markWaiter = () => {
        this.markWaiter = undefined;
        resolve();
      };
    });
  }

  /** After the process has gone: waits (briefly) until stdout and stderr have been read to the end. */
  private drained(): Promise<void> {
    if (this.streamsOpen === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, DRAIN_MS);
      this.drainWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async waitReady(initTimeoutMs: number): Promise<InitOutcome> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), initTimeoutMs);
    });
    const first = await Promise.race([this.nextMessage(), this.exited().then(() => 'exit' as const), timeout]);
    clearTimeout(timer);
    const initMs = performance.now() - started;
    if (first === 'timeout') {
      this.kill();
      await this.drained();
      return { kind: 'initTimeout', initMs };
    }
    if (first === 'exit') {
      await this.drained();
      if (this.spawnError) return { kind: 'spawnError', message: this.spawnError };
      return { kind: 'exit', description: this.exitDescription ?? 'exited' };
    }
    if (first.t === 'initError') {
      await this.marksArrived();
      this.kill();
      return { kind: 'initError', code: first.code, message: first.message, stack: first.stack };
    }
    if (first.t !== 'ready') {
      this.kill();
      return { kind: 'exit', description: `runtime protocol error: expected ready, got ${first.t}` };
    }
    this.watch(first.files, first.esm === true);
    return { kind: 'ready', initMs };
  }

  /** Runs one request. The payload is spliced in as the caller's JSON text. */
  async run(payload: string, context: object, timeoutMs: number, memoryLimitMb: number, signal?: AbortSignal): Promise<RunMeasure> {
    const pid = this.child.pid!;
    this.marks = 0;
    resetPeakRss(pid);
    let sampledKb = 0;
    const limitKb = memoryLimitMb * 1024;
    const body = `{"t":"invoke","context":${JSON.stringify(context)},"event":${payload}}`;
    (this.child.stdio[3] as Writable).write(encodeFrame(body));

    let stop: (o: RunOutcome) => void = () => undefined;
    const stopped = new Promise<RunOutcome>((resolve) => {
      stop = resolve;
    });
    const timer = setTimeout(() => stop({ kind: 'timeout' }), timeoutMs);
    const poll = setInterval(() => {
      const kb = treeRssKb(pid);
      if (kb > sampledKb) sampledKb = kb;
      if (kb > limitKb) stop({ kind: 'memory', usedKb: kb });
    }, MEMORY_POLL_MS);
    const onAbort = () => stop({ kind: 'canceled' });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();

    const raced = await Promise.race([
      this.nextMessage().then((m) => ({ m })),
      this.exited().then(() => ({ exit: true as const })),
      stopped.then((o) => ({ o })),
    ]);
    clearTimeout(timer);
    clearInterval(poll);
    signal?.removeEventListener('abort', onAbort);

    if ('o' in raced) {
      this.kill();
      await this.drained();
      return { outcome: raced.o, peakKb: Math.max(sampledKb, raced.o.kind === 'memory' ? raced.o.usedKb : 0) };
    }
    if ('exit' in raced) {
      await this.drained();
      return { outcome: { kind: 'exit', description: this.exitDescription ?? 'exited' }, peakKb: sampledKb };
    }
    const m = raced.m;
    if (m.t !== 'result') {
      this.kill();
      return { outcome: { kind: 'exit', description: `runtime protocol error: expected result, got ${m.t}` }, peakKb: sampledKb };
    }
    await this.marksArrived();
    const peakKb = Math.max(sampledKb, peakRssKb(pid));
    this.watch(m.files, false);
    if (peakKb > limitKb) {
      this.kill();
      return { outcome: { kind: 'memory', usedKb: peakKb }, peakKb };
    }
    if (!m.ok) {
      return {
        outcome: { kind: 'error', code: m.code ?? 430, message: m.message ?? 'error', stack: m.stack ?? '', recycle: m.recycle === true },
        peakKb,
      };
    }
    const resultBytes = Buffer.byteLength(JSON.stringify(m.result ?? null));
    return { outcome: { kind: 'result', value: m.result ?? null, resultBytes }, peakKb };
  }

  /** Remembers the files the handler loaded; a change to any of them retires the instance. */
  private watch(files: string[], esm: boolean): void {
    const all = esm ? [...files, ...scanCode(this.codeDir)] : files;
    for (const f of all) if (!this.watched.has(f)) this.watched.set(f, fileStamp(f));
  }

  /** False when the process has gone or a file it loaded has changed since. */
  reusable(): boolean {
    if (this.dead) return false;
    for (const [file, stamp] of this.watched) if (fileStamp(file) !== stamp) return false;
    return true;
  }

  kill(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.child.pid !== undefined && this.exitDescription === undefined) killTree(this.child.pid);
    this.dead = true;
  }
}

function fileStamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'absent';
  }
}

/** ES modules do not show in require.cache: watch the code folder's sources instead. */
function scanCode(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_WATCHED_FILES) return;
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(m?js|cjs|json)$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}
