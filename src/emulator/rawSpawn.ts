/**
 * A process started from Node's own process and pipe handles, without loading `node:child_process`,
 * for the CLI's start of a runtime ahead of time (speculation.ts), which is the first thing
 * `scf-toolkit invoke` does. `require('node:child_process')` loads `net`, the stream classes and
 * their helpers (~5-7 ms of CPU here), and its spawn() makes a `net.Socket` for each pipe (another ~4
 * ms, most of it compiling their functions on first use): all of it before the runtime could start,
 * on the cold invoke's critical path. Here the runtime starts ~1 ms into the CLI's JavaScript; the
 * sockets are made later, when the emulator adopts the start (asChildProcess), by which time it has
 * loaded child_process and net anyway.
 *
 * Built on `process.binding('process_wrap')` and `('pipe_wrap')`, the handles child_process itself
 * spawns with (documented as deprecated, DEP0111, but kept in Node's list of allowed bindings). Used
 * only where they are there as expected, and never where they would print a warning (Node's
 * `--pending-deprecation` wraps process.binding to warn): otherwise rawSpawnSupported() is false and
 * the caller uses child_process as before. asChildProcess() gives a ChildProcess that behaves as
 * child_process's own after its spawn() (its kill, ref, unref; 'exit' then 'close'; the pipes as
 * sockets): the same object as spawn() makes, minus its `spawn` event, which the emulator does not use.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { nodeBinding } from './nodeBinding';
import { RawPipe, rawPipesSupported, type StreamHandle } from './rawPipe';

/** The part of Node's ProcessWrap used here (src/process_wrap.cc). */
interface ProcessHandle {
  pid: number;
  onexit: (exitCode: number, signalCode: string) => void;
  spawn(options: object): number;
  kill(signal: number): number;
  close(): void;
  ref(): void;
  unref(): void;
}
interface PipeHandle {
  close(): void;
}
interface Bindings {
  Process: new () => ProcessHandle;
  Pipe: new (type: number) => PipeHandle;
  pipeSocket: number;
}

export interface RawLine {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** 'ignore' or 'pipe' per descriptor (other kinds are not made here). */
  stdio: readonly unknown[];
  detached: boolean;
}

/** A process started here, until asChildProcess() hands it over. */
export interface RawProcess {
  readonly pid: number;
  readonly line: RawLine;
  /** Set once the process has ended: its exit code, or the signal that ended it. */
  exit?: { code: number | null; signal: string | null };
  /** Called once when it ends (before asChildProcess). */
  onExit?: () => void;
  handle: ProcessHandle;
  pipes: Array<PipeHandle | null>;
  adopted: boolean;
}

let bindings: Bindings | null | undefined;

function load(): Bindings | null {
  if (bindings !== undefined) return bindings;
  bindings = null;
  const wrap = nodeBinding('process_wrap') as { Process?: unknown } | undefined;
  const pipe = nodeBinding('pipe_wrap') as { Pipe?: unknown; constants?: { SOCKET?: unknown } } | undefined;
  if (!wrap || !pipe) return null;
  if (typeof wrap.Process !== 'function' || typeof pipe.Pipe !== 'function' || typeof pipe.constants?.SOCKET !== 'number') return null;
  bindings = { Process: wrap.Process as Bindings['Process'], Pipe: pipe.Pipe as Bindings['Pipe'], pipeSocket: pipe.constants.SOCKET };
  return bindings;
}

/** Whether rawSpawn() can start a process here (Linux, Node's handles as expected, no deprecation warning). */
export function rawSpawnSupported(): boolean {
  return process.platform === 'linux' && load() !== null;
}

/**
 * Starts `line` as child_process.spawn(command, args, { cwd, env, stdio, detached }) would (argv[0] the
 * command, the environment as given), or gives undefined when it cannot be made here; throws when the
 * start fails (as spawn() throws or emits 'error').
 */
export function rawSpawn(line: RawLine): RawProcess | undefined {
  const b = rawSpawnSupported() ? load() : null;
  if (!b) return undefined;
  if (!line.stdio.every((s) => s === 'ignore' || s === 'pipe')) return undefined;
  const envPairs: string[] = [];
  for (const [k, v] of Object.entries(line.env)) {
    if (k.includes('\0') || v.includes('\0')) return undefined; // (child_process refuses these with its own error)
    envPairs.push(`${k}=${v}`);
  }
  if ([line.command, line.cwd, ...line.args].some((a) => a.includes('\0'))) return undefined;
  const pipes = line.stdio.map((s) => (s === 'pipe' ? new b.Pipe(b.pipeSocket) : null));
  const handle = new b.Process();
  const err = handle.spawn({
    file: line.command,
    args: [line.command, ...line.args],
    cwd: line.cwd,
    envPairs,
    stdio: pipes.map((p) => (p ? { type: 'pipe', handle: p } : { type: 'ignore' })),
    detached: line.detached,
    windowsHide: true,
  });
  if (err !== 0) {
    for (const p of pipes) p?.close();
    handle.close();
    throw new Error(`spawn ${line.command}: error ${err}`);
  }
  const raw: RawProcess = { pid: handle.pid, line, handle, pipes, adopted: false };
  handle.onexit = (exitCode, signalCode) => {
    raw.exit = signalCode ? { code: null, signal: signalCode } : { code: exitCode, signal: null };
    handle.close();
    raw.onExit?.();
  };
  return raw;
}

/** Sends SIGKILL unless it has ended; closes its pipes on this side. Only before asChildProcess(). */
export function killRaw(raw: RawProcess): void {
  if (raw.adopted) return;
  if (!raw.exit) raw.handle.kill(9);
  for (const p of raw.pipes.splice(0)) p?.close();
}

interface ChildInternals {
  _closesNeeded: number;
  _closesGot: number;
  _handle: ProcessHandle | null;
  connected: boolean;
  signalCode: string | null;
  exitCode: number | null;
  killed: boolean;
  spawnfile: string;
  spawnargs: string[];
  pid: number;
  stdin: unknown;
  stdout: unknown;
  stderr: unknown;
  stdio: unknown[];
}

/**
 * A ChildProcess's own part, for a process adopted with RawPipes (no child_process, whose load brings
 * net): its fields, kill, ref and unref as ChildProcess.prototype has them (internal/child_process.js).
 */
class AdoptedProcess extends EventEmitter {
  _handle: ProcessHandle | null = null;

  /** Sends `signal` (a name or a number, SIGTERM by default); false when the process has already gone. */
  kill(signal?: NodeJS.Signals | number): boolean {
    const number = signal === 0 ? 0 : typeof signal === 'number' ? signal : (constants.signals as Record<string, number | undefined>)[signal ?? 'SIGTERM'];
    if (number === undefined) throw Object.assign(new TypeError(`Unknown signal: ${String(signal)}`), { code: 'ERR_UNKNOWN_SIGNAL' });
    if (!this._handle) return false;
    const err = this._handle.kill(number);
    if (err === 0) {
      (this as unknown as ChildInternals).killed = true;
      return true;
    }
    if (err !== ESRCH) this.emit('error', Object.assign(new Error(`kill errno ${err}`), { errno: err, syscall: 'kill' }));
    return false;
  }

  ref(): void {
    this._handle?.ref();
  }

  unref(): void {
    this._handle?.unref();
  }
}

/** libuv's ESRCH: the process is gone (ChildProcess.prototype.kill returns false for it). */
const ESRCH = -3;

/**
 * The running process as the ChildProcess child_process.spawn() returns (internal/child_process.js,
 * ChildProcess.prototype.spawn: its fields, its pipes, 'exit' when the process ends and 'close' once it
 * has and every pipe has closed), from here on. Only for a process that has not ended. The pipes are
 * RawPipes (rawPipe.ts) where those can be made, else net.Sockets; `sockets` asks for the latter.
 */
export function asChildProcess(raw: RawProcess, options: { sockets?: boolean } = {}): ChildProcess {
  const light = !options.sockets && rawPipesSupported();
  raw.adopted = true;
  // Made as ChildProcess's constructor makes it, without the Process handle it would make for its own spawn.
  let child: ChildProcess;
  if (light) child = new AdoptedProcess() as unknown as ChildProcess;
  else {
    const { ChildProcess: ChildProcessClass } = require('node:child_process') as typeof import('node:child_process');
    child = Object.create(ChildProcessClass.prototype) as ChildProcess;
    EventEmitter.call(child);
  }
  const c = child as unknown as ChildInternals;
  Object.assign(c, { _closesNeeded: 1, _closesGot: 0, connected: false, signalCode: null, exitCode: null, killed: false, spawnfile: raw.line.command, spawnargs: [raw.line.command, ...raw.line.args], _handle: raw.handle, pid: raw.pid });
  const maybeClose = () => {
    c._closesGot++;
    if (c._closesGot === c._closesNeeded) child.emit('close', c.exitCode, c.signalCode);
  };
  const Socket = light ? undefined : (require('node:net') as typeof import('node:net')).Socket;
  const stdio = raw.pipes.map((pipe, i) => {
    if (!pipe) return null;
    const socket = Socket ? new Socket({ handle: pipe, readable: i > 0 } as ConstructorParameters<typeof Socket>[0]) : new RawPipe(pipe as unknown as StreamHandle, i > 0);
    if (i > 0) {
      c._closesNeeded++;
      socket.on('close', maybeClose);
    }
    return socket;
  });
  Object.assign(c, { stdin: stdio[0] ?? null, stdout: stdio[1] ?? null, stderr: stdio[2] ?? null, stdio });
  raw.handle.onexit = (exitCode, signalCode) => {
    if (signalCode) c.signalCode = signalCode;
    else c.exitCode = exitCode;
    (stdio[0] ?? undefined)?.destroy();
    raw.handle.close();
    c._handle = null;
    child.emit('exit', c.exitCode, c.signalCode);
    // (as child_process: a pipe nobody reads is drained so that it ends and 'close' comes)
    process.nextTick(() => {
      for (const s of stdio) if (s?.readable) s.resume();
    });
    maybeClose();
  };
  return child;
}
