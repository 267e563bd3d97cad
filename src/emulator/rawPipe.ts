/**
 * The pipes of a runtime started ahead of time (rawSpawn.ts), once adopted, read and written straight
 * through Node's own pipe handles rather than through `net.Socket`s: a cold `scf-toolkit invoke`
 * adopts its runtime just as it sends the go-ahead, and then waits for the runtime's ready. Loading
 * `node:net` (with the stream classes, ~18 modules) and making a socket per pipe was ~7-9 ms of the
 * CLI's CPU right there, longer than a Python runtime takes to load its handler and be ready, so the
 * runtime waited for the CLI. A RawPipe is the part of a socket the emulator uses on a runtime's pipe
 * (runtimeProcess.ts, instance.ts): 'data' (strings after setEncoding), 'end', 'close', 'error',
 * pause/resume, destroy, ref/unref, write/end with writableLength, and `_handle.fd` for the direct
 * writes of small frames. Built on the handles' stream protocol as net.Socket uses it
 * (lib/internal/stream_base_commons.js: `onread` with the read's size in `streamBaseState`,
 * WriteWrap and ShutdownWrap requests), from `process.binding('stream_wrap')`; where that is not as
 * expected, rawPipesSupported() is false and the caller makes sockets as before (nodeBinding.ts).
 */
import { EventEmitter } from 'node:events';
import type { StringDecoder } from 'node:string_decoder';
import { nodeBinding } from './nodeBinding';

/** The part of Node's stream handle (LibuvStreamWrap, a pipe here) used here. */
export interface StreamHandle {
  readonly fd?: number;
  onread: (arrayBuffer: ArrayBuffer | undefined) => void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: Request, data: Buffer): number;
  shutdown(req: Request): number;
  close(callback?: () => void): void;
  ref(): void;
  unref(): void;
}
interface Request {
  handle?: StreamHandle;
  oncomplete?: (status: number) => void;
}
interface StreamBinding {
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kBytesWritten: number;
  kLastWriteWasAsync: number;
  WriteWrap: new () => Request;
  ShutdownWrap: new () => Request;
}

let binding: { stream: StreamBinding; eof: number } | null | undefined;

function load(): { stream: StreamBinding; eof: number } | null {
  if (binding !== undefined) return binding;
  binding = null;
  const stream = nodeBinding('stream_wrap') as Partial<StreamBinding> | undefined;
  const uv = nodeBinding('uv') as { UV_EOF?: unknown } | undefined;
  if (!stream || !uv) return null;
  const indices = [stream.kReadBytesOrError, stream.kArrayBufferOffset, stream.kBytesWritten, stream.kLastWriteWasAsync];
  if (!(stream.streamBaseState instanceof Int32Array) || !indices.every((i) => typeof i === 'number' && i >= 0 && i < stream.streamBaseState!.length)) return null;
  if (typeof stream.WriteWrap !== 'function' || typeof stream.ShutdownWrap !== 'function' || typeof uv.UV_EOF !== 'number') return null;
  binding = { stream: stream as StreamBinding, eof: uv.UV_EOF };
  return binding;
}

/** Whether RawPipes can be made here (else the caller wraps the handles in net.Sockets). */
export function rawPipesSupported(): boolean {
  return load() !== null;
}

function errnoError(status: number, syscall: string): Error {
  const { getSystemErrorName } = require('node:util') as typeof import('node:util');
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  return Object.assign(new Error(`${syscall} ${code}`), { errno: status, code, syscall });
}

const ignoreRead = (): void => undefined;

type Chunk = Buffer | null; // null: the end of the stream

/** What a pipe nobody reads yet holds before it stops reading (a Readable's highWaterMark). */
const HOLD_MAX = 16 * 1024;

/**
 * One pipe to a runtime's descriptor, as the emulator uses a net.Socket on it. `readable`: read it
 * (the runtime's stdout, stderr and its channel's descriptors; not its stdin).
 */
export class RawPipe extends EventEmitter {
  /** The handle while it is open (writeFrame writes small frames to its fd directly). */
  _handle: StreamHandle | null;
  readable: boolean;
  destroyed = false;
  /** Bytes given to write() that the handle has not written yet. */
  writableLength = 0;
  private decoder: StringDecoder | undefined;
  /** As a Readable's: null until a 'data' listener or resume() (then true), false once paused. */
  private flowing: boolean | null = null;
  private readonly held: Chunk[] = [];
  private heldBytes = 0;
  private flushing = false;
  private ended = false;
  private reading = false;

  constructor(handle: StreamHandle, readable: boolean) {
    super();
    this._handle = handle;
    this.readable = readable;
    if (readable) {
      handle.onread = (arrayBuffer) => this.onRead(arrayBuffer);
      this.startReading();
    }
    // as a Readable: a 'data' listener starts the flow, and gets what came before it was added
    this.on('newListener', (event: string) => {
      if (event !== 'data' || this.flowing === false) return;
      this.flowing = true;
      if (this.held.length > 0) process.nextTick(() => this.flush());
    });
  }

  setEncoding(encoding: BufferEncoding): this {
    // (loaded here: nothing else has loaded it before the CLI's start ahead)
    this.decoder = new (require('node:string_decoder') as typeof import('node:string_decoder')).StringDecoder(encoding);
    return this;
  }

  pause(): this {
    this.flowing = false;
    this.stopReading();
    return this;
  }

  resume(): this {
    this.flowing = true;
    if (this.held.length > 0) process.nextTick(() => this.flush());
    else if (this.readable && !this.ended) this.startReading();
    return this;
  }

  ref(): this {
    this._handle?.ref();
    return this;
  }

  unref(): this {
    this._handle?.unref();
    return this;
  }

  write(data: string | Buffer | Uint8Array, callback?: (error?: Error | null) => void): boolean {
    const handle = this._handle;
    if (this.destroyed || !handle) {
      const error = Object.assign(new Error('write after the pipe was closed'), { code: 'ERR_STREAM_DESTROYED' });
      process.nextTick(() => (callback ? callback(error) : undefined));
      return false;
    }
    const { stream } = load()!;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const req = new stream.WriteWrap();
    req.handle = handle;
    const done = (status: number) => {
      this.writableLength -= bytes.length;
      if (status < 0) {
        const error = errnoError(status, 'write');
        if (callback) callback(error);
        else this.destroy(error);
        return;
      }
      callback?.(null);
    };
    req.oncomplete = done;
    this.writableLength += bytes.length;
    const status = handle.writeBuffer(req, bytes);
    // (a write the handle finished at once calls no oncomplete: as net.Socket, answer now)
    if (status !== 0 || !stream.streamBaseState[stream.kLastWriteWasAsync]) process.nextTick(() => done(status));
    return this.writableLength === 0;
  }

  /** Writes `data` (if given), then shuts the pipe's writing side once everything written has gone. */
  end(data?: string | Buffer | Uint8Array, callback?: () => void): this {
    if (data !== undefined) this.write(data);
    const handle = this._handle;
    if (!handle || this.destroyed) return this;
    const req = new (load()!.stream.ShutdownWrap)();
    req.handle = handle;
    req.oncomplete = () => callback?.();
    if (handle.shutdown(req) !== 0) process.nextTick(() => callback?.());
    return this;
  }

  /** Closes the pipe on this side: nothing more is read or written; 'error' (if given) then 'close'. */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.readable = false;
    this.held.length = 0;
    this.close(error);
    return this;
  }

  private startReading(): void {
    if (this.reading || !this._handle) return;
    this.reading = true;
    const status = this._handle.readStart();
    if (status !== 0) {
      this.reading = false;
      this.destroy(errnoError(status, 'read'));
    }
  }

  private stopReading(): void {
    if (!this.reading || !this._handle) return;
    this.reading = false;
    this._handle.readStop();
  }

  private onRead(arrayBuffer: ArrayBuffer | undefined): void {
    const { stream, eof } = load()!;
    const n = stream.streamBaseState[stream.kReadBytesOrError]!;
    if (n === 0 || this.destroyed) return;
    if (n > 0) {
      this.held.push(Buffer.from(arrayBuffer!, stream.streamBaseState[stream.kArrayBufferOffset]!, n));
      this.heldBytes += n;
    } else if (n === eof) {
      this.stopReading();
      this.held.push(null);
    } else {
      this.destroy(errnoError(n, 'read'));
      return;
    }
    this.flush();
  }

  /**
   * Emits what is held, in order, while flowing; the end once everything before it has gone (as a
   * Readable, also when nothing reads it). Not flowing, it reads no more than HOLD_MAX ahead.
   */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.held.length > 0 && !this.destroyed && (this.flowing === true || this.held[0] === null)) {
        const chunk = this.held.shift()!;
        if (chunk === null) {
          this.finish();
          return;
        }
        this.heldBytes -= chunk.length;
        const text = this.decoder ? this.decoder.write(chunk) : chunk;
        if (text.length > 0) this.emit('data', text);
      }
      if (this.flowing === false || (this.flowing === null && this.heldBytes >= HOLD_MAX)) this.stopReading();
      else if (this.readable && !this.ended) this.startReading();
    } finally {
      this.flushing = false;
    }
  }

  /** The runtime closed its end: what the decoder still holds, 'end', then the pipe closes ('close'). */
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    const rest = this.decoder?.end();
    if (rest) this.emit('data', rest);
    this.readable = false;
    this.emit('end');
    this.destroyed = true;
    this.close(undefined);
  }

  private close(error: Error | undefined): void {
    const handle = this._handle;
    this._handle = null;
    this.reading = false;
    const closed = () => {
      if (error) this.emit('error', error);
      this.emit('close', error !== undefined);
    };
    if (!handle) return void process.nextTick(closed);
    handle.onread = ignoreRead; // (the handle takes only a function)
    handle.close(closed);
  }
}
