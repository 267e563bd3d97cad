/**
 * A Node.js or Python instance: a process running one of our bootstraps (runtimes/assets), which has
 * loaded the user's handler and serves requests over a framed channel (fd 3 in, fd 4 out), kept warm
 * between requests like an SCF instance.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CodeWatch } from './codeWatch';
import { writeDirect } from './directWrite';
import { ContextSender, type ScfContext } from './context';
import { encodeFrame, FrameReader } from './frames';
import type { InitOutcome, RunMeasure, RuntimeInstance } from './instanceTypes';
import type { Cancelable } from './types';
import { now } from './clock';
import { awaitInit, RequestWatch, RuntimeProcess, type LogSink } from './runtimeProcess';
import type { LocalRuntime } from './runtimes';
import type { Speculatable } from './speculation';

/** Written by the bootstraps to stdout and stderr after each request. */
export const END_MARK = '\u0000SCF_END\u0000\n';

interface ReadyMessage {
  t: 'ready';
  files: string[];
  /** How long the bootstrap waited for the init frame (ms): not part of the init. */
  waited?: number;
  esm?: boolean;
  /** A pattern of file names under the code folder to watch as well (e.g. Java's jars and classes). */
  scan?: string;
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
  /** The code files loaded so far; left out when unchanged since the last message that had them. */
  files?: string[];
  /** Set here, not by the runtime: the size of the result's JSON as the frame carried it. */
  resultBytes?: number;
  /** Set here, not by the runtime: the result's JSON text as the frame carried it, when read apart (splitResult). */
  resultText?: string;
  /**
   * No END_MARK follows: the bootstrap wrote everything the request printed before this message
   * (blocking writes), so it is in the pipes already (RuntimeProcess.outputRead). Without it, the
   * marks follow what the runtime still had queued.
   */
  noMarks?: true;
}
/** Set here, not by the runtime: a frame that is not JSON (a bootstrap's bug; the instance is ended). */
interface UnreadableMessage {
  t: 'unreadable';
  detail: string;
}
type ChildMessage = ReadyMessage | InitErrorMessage | ResultMessage | UnreadableMessage;

/** The go-ahead: the first frame on the channel of a runtime whose bootstrap waits to load the handler. */
const INIT_FRAME = encodeFrame('{"t":"init"}');

/** What Python imports at start from its path, before any script: a user's file of one of these names runs then. */
const PYTHON_START_HOOKS = ['sitecustomize.py', 'sitecustomize.pyc', 'sitecustomize', 'usercustomize.py', 'usercustomize.pyc', 'usercustomize'];

/**
 * Whether this runtime's start, up to the go-ahead to load the handler, runs none of the user's code,
 * so that it may be started ahead of time (speculation.ts): our bootstraps wait for the init frame, but
 * NODE_OPTIONS (--require, --import) makes Node.js load code at start, and Python imports a
 * sitecustomize or usercustomize found on PYTHONPATH (the code folder is on it). The paths that must
 * stay absent are checked again before each start ahead.
 */
function startRunsNoUserCode(runtime: LocalRuntime, env: Record<string, string>): Speculatable | undefined {
  if (!runtime.initFrame) return undefined;
  if (runtime.family === 'nodejs') return env.NODE_OPTIONS ? undefined : { absent: [] };
  if (runtime.family !== 'python') return undefined;
  const absent = (env.PYTHONPATH ?? '').split(':').filter((d) => d !== '').flatMap((d) => PYTHON_START_HOOKS.map((f) => join(d, f)));
  return absent.some((p) => existsSync(p)) ? undefined : { absent };
}


export class Instance implements RuntimeInstance {
  private readonly proc: RuntimeProcess;
  private readonly reader = new FrameReader();
  private readonly waiters: Array<(m: ChildMessage) => void> = [];
  private readonly queued: ChildMessage[] = [];
  private readonly watched = new CodeWatch();
  private readonly contexts = new ContextSender();
  busy = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    runtime: LocalRuntime,
    private readonly codeDir: string,
    handler: string,
    env: Record<string, string>,
    sink: LogSink,
    profile: { functionGraph?: boolean; initializer?: string; debugPort?: number; memorySize?: number } = {},
  ) {
    // FunctionGraph runs code from RUNTIME_CODE_ROOT with the working directory one level above it.
    const cwd = profile.functionGraph ? dirname(codeDir) : codeDir;
    const extra = profile.functionGraph ? ['--functiongraph', ...(profile.initializer ? ['--initializer', profile.initializer] : [])] : [];
    const speculatable = profile.debugPort === undefined ? startRunsNoUserCode(runtime, env) : undefined;
    if (speculatable && runtime.initFrame) speculatable.goAhead = INIT_FRAME;
    this.proc = new RuntimeProcess(runtime.command, runtime.args(codeDir, handler, extra, profile.debugPort, profile.memorySize), { cwd, env, extraPipes: 2, endMark: END_MARK, sandbox: speculatable ? { speculatable } : undefined }, sink);
    const replies = this.proc.child.stdio[4] as Readable;
    replies.on('data', (chunk: Buffer) => {
      for (const body of this.reader.push(chunk)) {
        this.deliver(parseReply(body));
      }
    });
    replies.on('error', () => undefined);
    // (one listener for the instance's life: the request running when the process goes ends with it)
    this.proc.onExit(() => this.current?.exited());
    (this.proc.child.stdio[3] as Writable).on('error', () => undefined);
    // The go-ahead to load the handler (runtimes whose bootstrap waits for it): at once, as the
    // instance is wanted now (a start made ahead of time is only wanted once adopted, speculation.ts,
    // which writes it itself at the adoption, before the rest of this set-up).
    if (runtime.initFrame && !this.proc.sandbox.goAheadSent) writeFrame(this.proc.child.stdio[3] as Writable, INIT_FRAME);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get dead(): boolean {
    return this.proc.dead || this.killed;
  }

  get reachedTaskLimit(): boolean {
    return this.proc.reachedTaskLimit;
  }

  private killed = false;

  setSink(sink: LogSink): void {
    this.proc.setSink(sink);
  }

  /** The request waiting for its answer (run()): the next message is its. */
  private current: Run | undefined;

  private deliver(message: ChildMessage): void {
    const run = this.current;
    if (run) {
      this.current = undefined;
      run.answered(message);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(message);
    else this.queued.push(message);
  }

  private nextMessage(): Promise<ChildMessage> {
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async waitReady(initTimeoutMs: number): Promise<InitOutcome> {
    const waited = await awaitInit(this.proc, this.nextMessage(), initTimeoutMs, () => this.kill());
    const initMs = waited.initMs;
    if (waited.kind === 'timeout') return { kind: 'initTimeout', initMs };
    if (waited.kind === 'exit') {
      if (this.proc.spawnError) return { kind: 'spawnError', message: this.proc.spawnError };
      return { kind: 'exit', description: this.proc.exitReason };
    }
    const first = waited.answer;
    if (first.t === 'initError') {
      await this.proc.marksArrived();
      this.kill();
      return { kind: 'initError', code: first.code, message: first.message, stack: first.stack };
    }
    if (first.t !== 'ready') {
      this.kill();
      return { kind: 'exit', description: `runtime protocol error: expected ready, got ${first.t}` };
    }
    this.watch(first.files, first.esm === true);
    if (first.scan) this.watched.addScan(this.codeDir, new RegExp(first.scan));
    // The init is the runtime's start and the handler's load: from the spawn (which, for a start made
    // ahead of time, came before this instance was asked for) to ready, less the time the bootstrap
    // sat waiting for the go-ahead.
    if (typeof first.waited === 'number') return { kind: 'ready', initMs: Math.max(0, now() - this.proc.sandbox.spawnedAt - first.waited) };
    return { kind: 'ready', initMs };
  }

  /** Sends a request and settles with its outcome: one Run object (below) and one promise. */
  run(payload: string, context: ScfContext, timeoutMs: number, memoryLimitMb: number, signal?: Cancelable): Promise<RunMeasure> {
    this.proc.resetMarks();
    this.proc.resetPeakMemory();
    writeFrame(this.proc.child.stdio[3] as Writable, encodeFrame(`{"t":"invoke",${this.contexts.field(context)},"event":${payload}}`));
    return new Promise((resolve) => {
      const run = new Run(this, this.proc, timeoutMs, memoryLimitMb, signal, resolve);
      // (the process gone already: an exit, as a listener subscribed now would be told at once)
      if (this.proc.dead) return run.exited();
      const queued = this.queued.shift();
      // (a message that came with no request waiting is this one's answer, after an abort already made)
      if (queued) queueMicrotask(() => run.answered(queued));
      else this.current = run;
    });
  }

  /** What a request's answer comes to, once its output has been read (Run.outputIn). */
  measureAnswer(m: ResultMessage, sampledKb: number, memoryLimitMb: number): RunMeasure {
    const peakKb = Math.max(sampledKb, this.proc.peakMemoryKb());
    if (m.files) this.watch(m.files, false);
    if (peakKb > memoryLimitMb * 1024) {
      this.kill();
      return { outcome: { kind: 'memory', usedKb: peakKb }, peakKb };
    }
    if (!m.ok) {
      return { outcome: { kind: 'error', code: m.code ?? 430, message: m.message ?? 'error', stack: m.stack ?? '', recycle: m.recycle === true }, peakKb };
    }
    const resultBytes = m.resultBytes ?? Buffer.byteLength(JSON.stringify(m.result ?? null));
    return { outcome: { kind: 'result', value: m.result ?? null, resultBytes, text: m.resultText }, peakKb };
  }

  /** Remembers the files the handler loaded; a change to any of them retires the instance. */
  private watch(files: string[], esm: boolean): void {
    this.watched.add(files);
    // ES modules do not show in require.cache: watch the code folder's sources instead.
    if (esm) this.watched.addScan(this.codeDir, /\.(m?js|cjs|json)$/);
  }

  reusable(): boolean {
    return !this.dead && this.watched.unchanged();
  }

  freeze(): void {
    this.proc.freeze();
  }

  thaw(): void {
    this.proc.thaw();
  }

  kill(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.proc.kill();
    this.killed = true;
  }
}

/**
 * A request on its way through an instance (Instance.run): a RequestWatch (its limits, its abort, the
 * instance's one exit listener calling `exited`) that the instance also hands its answer as the frame
 * is read; the first of them settles it, and an answer read before the exit was reported wins.
 */
class Run extends RequestWatch {
  private answer: ResultMessage | undefined;
  private answerKb = 0;

  constructor(
    private readonly instance: Instance,
    proc: RuntimeProcess,
    timeoutMs: number,
    private readonly memoryLimitMb: number,
    signal: Cancelable | undefined,
    private readonly resolve: (m: RunMeasure) => void,
  ) {
    super(proc, timeoutMs, memoryLimitMb, signal, () => instance.kill(), resolve);
  }

  answered(m: ChildMessage): void {
    if (!this.claim()) return;
    if (m.t === 'unreadable') {
      this.instance.kill();
      return this.resolve({ outcome: { kind: 'error', code: 500, message: `the runtime's reply is not JSON (${m.detail}); the instance is recycled`, stack: '', recycle: true }, peakKb: this.sampledKb });
    }
    if (m.t !== 'result') {
      this.instance.kill();
      return this.resolve({ outcome: { kind: 'exit', description: `runtime protocol error: expected result, got ${m.t}` }, peakKb: this.sampledKb });
    }
    this.answer = m;
    this.answerKb = this.sampledKb;
    if (m.noMarks) this.proc.onOutputRead(this.outputIn);
    else this.proc.onMarks(this.outputIn);
  }

  /** The request's output has been read: its measure. */
  private readonly outputIn = (): void => {
    this.resolve(this.instance.measureAnswer(this.answer!, this.answerKb, this.memoryLimitMb));
  };
}

function parseReply(body: string): ChildMessage {
  const split = splitResult(body);
  if (split) return split;
  let message: ChildMessage;
  try {
    message = JSON.parse(body) as ChildMessage;
  } catch (e) {
    return { t: 'unreadable', detail: e instanceof Error ? e.message : String(e) };
  }
  if (message.t === 'result' && message.ok) message.resultBytes = rawResultBytes(body);
  return message;
}

/**
 * A successful answer read in its two parts, the frame's head and the handler's JSON text, which the
 * Node.js and Python bootstraps put last, after `,"result":` (rawResultBytes): each part is parsed on
 * its own (the same work as the whole), and the text is kept, so that the emulator host forwards it
 * as it came instead of serialising the value again. Both parts parsing is what makes the text the
 * frame's `result`: the head with a closing brace added is a whole object only if the first
 * `,"result":` is at the frame's top level (not inside a value of an earlier key: one brace closes
 * one level), and what follows it, less the frame's closing brace, is then one JSON value, the last
 * key's (a repeated key: the last one counts, as JSON.parse of the whole counts it). Anything else
 * (another shape, either part not JSON, not an ok result) is undefined: the whole frame is parsed as
 * before, with its error as before. A text with a newline (JSON's whitespace, never JSON.stringify's)
 * is not kept: the host's channel is one message per line.
 */
function splitResult(body: string): ResultMessage | undefined {
  const at = body.indexOf(',"result":');
  if (at < 0 || body.charCodeAt(body.length - 1) !== 125) return undefined;
  const text = body.slice(at + 10, -1);
  let head: ResultMessage;
  let value: unknown;
  try {
    head = JSON.parse(`${body.slice(0, at)}}`) as ResultMessage;
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (head === null || typeof head !== 'object' || head.t !== 'result' || head.ok !== true) return undefined;
  head.result = value;
  head.resultBytes = Buffer.byteLength(text);
  head.resultText = text.indexOf('\n') < 0 ? text : undefined;
  return head;
}

/** Frames up to this size are written to the runtime's pipe directly (it holds 64 KB; the runtime has read the last one). */
const DIRECT_WRITE_MAX = 16 * 1024;

/**
 * Writes a frame to the runtime's channel: a small one straight to the pipe's descriptor when the
 * stream holds nothing queued, else through the stream (directWrite.ts).
 */
function writeFrame(stream: Writable, frame: string): void {
  writeDirect(stream, frame, undefined, DIRECT_WRITE_MAX);
}

/**
 * The byte size of a result's JSON as the runtime sent it: the Node.js and Python bootstraps put the
 * handler's JSON text (compact, as JSON.stringify writes it) last in the frame, after `,"result":`
 * (the frame's other keys come first, and inside their strings a quote is escaped), so its size is
 * the frame's less that prefix and the closing brace, without serialising the parsed value again (a
 * 5 MB result took tens of ms). undefined when the frame has another shape: the value is measured.
 */
function rawResultBytes(body: string): number | undefined {
  const at = body.indexOf(',"result":');
  if (at < 0 || body.charCodeAt(body.length - 1) !== 125) return undefined;
  return Buffer.byteLength(body) - Buffer.byteLength(body.slice(0, at + 10)) - 1;
}
