/**
 * Raw deflate and inflate of many small inputs, one after another, each through one zlib context.
 *
 * `zlib.deflateRawSync` / `inflateRawSync` make a whole zlib stream per call (a Transform stream, a
 * native handle, the window and hash allocated and cleared, then freed) and for 5,000 files of about
 * 1 KB that costs as much again as the work itself, and is most of the garbage. Node has no public
 * synchronous API on a stream that stays open, so this calls the stream's native handle the way Node's
 * own `processChunkSync` does (`_handle.writeSync(flush, in, inOff, inLen, out, outOff, outLen)`, the
 * result in `_writeState`), then `reset()` (public: deflateReset / inflateReset, which keep the
 * allocations) before the next input. minizlib (node-tar, npm) keeps a context open across
 * synchronous writes through the same handle.
 *
 * The bytes are those of the public calls with their defaults (level 6, 32 KB window, memLevel 8): a
 * reset leaves nothing of the previous input behind. A probe checks that at the first use; where the
 * handle is not there or answers anything else (another Node, another runtime) every input goes
 * through the public call, with the same bytes, only slower. On an error Node destroys the stream and
 * closes its handle; it is never called again then.
 */
import zlib from 'node:zlib';

/** The part of Node's native zlib handle used here (lib/zlib.js, processChunkSync). */
interface NativeZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

interface ZlibInternals {
  _handle?: NativeZlibHandle | null;
  /** [avail_out, avail_in] after the last write. */
  _writeState?: Uint32Array;
}

/** What one write answers: how much room was left in `out`, and how much input was not consumed. */
interface Written {
  availOut: number;
  availIn: number;
}

/** One raw zlib stream whose native handle is written to synchronously and reset between inputs. */
class ReusedContext {
  private engine: zlib.DeflateRaw | zlib.InflateRaw | undefined;
  private handle: NativeZlibHandle | undefined;
  private state: Uint32Array | undefined;

  constructor(make: () => zlib.DeflateRaw | zlib.InflateRaw) {
    try {
      const engine = make();
      engine.on('error', () => undefined); // emitted on the next tick; `destroyed` says it at once
      const internals = engine as unknown as ZlibInternals;
      this.engine = engine;
      if (typeof internals._handle?.writeSync !== 'function' || !(internals._writeState instanceof Uint32Array) || internals._writeState.length < 2) {
        this.close();
        return;
      }
      this.handle = internals._handle;
      this.state = internals._writeState;
    } catch {
      this.close();
    }
  }

  get usable(): boolean {
    return this.handle !== undefined;
  }

  /** One Z_FINISH write of `input` into out[0, outLength), then a reset; undefined: zlib failed (the context is closed). */
  finish(input: Uint8Array, out: Uint8Array, outLength: number): Written | undefined {
    const written = this.write(zlib.constants.Z_FINISH, input, 0, input.length, out, outLength);
    if (written) this.reset();
    return written;
  }

  /** One write (the stream goes on until reset); undefined: zlib failed (the context is closed). */
  write(flush: number, input: Uint8Array, inOff: number, inLength: number, out: Uint8Array, outLength: number): Written | undefined {
    this.handle!.writeSync(flush, input, inOff, inLength, out, 0, outLength);
    if (this.engine!.destroyed) {
      this.close();
      return undefined;
    }
    return { availOut: this.state![0]!, availIn: this.state![1]! };
  }

  reset(): void {
    this.engine!.reset();
  }

  close(): void {
    this.handle = undefined;
    this.state = undefined;
    try {
      this.engine?.close();
    } catch {
      // already closed
    }
    this.engine = undefined;
  }
}

/** A probe input like the files packaged (text, repeated). */
function probeInput(): Buffer {
  return Buffer.from('exports.main_handler = async (event, context) => ({ event, context });\n'.repeat(20) + 'scf_bootstrap\n');
}

export class RawDeflater {
  private readonly context = new ReusedContext(() => zlib.createDeflateRaw({ chunkSize: zlib.constants.Z_MIN_CHUNK }));

  constructor() {
    if (this.context.usable && !this.probe()) this.context.close();
  }

  /** Whether the reused context is in use (false: every call goes through deflateRawSync). */
  get reused(): boolean {
    return this.context.usable;
  }

  /**
   * Deflates `input` (not empty) into `out` (at least input.length bytes) and answers the compressed
   * length, or -1 when deflate does not make it smaller (the caller stores it then).
   */
  deflate(input: Uint8Array, out: Buffer): number {
    // The native handle checks its bounds by aborting the process: never hand it less room.
    if (out.length < input.length) throw new RangeError(`deflate: ${out.length} bytes of room for ${input.length}`);
    if (this.context.usable) {
      // At most input.length bytes of output: deflate that does not finish within them is no smaller.
      const w = this.context.finish(input, out, input.length);
      // Room left means deflate returned Z_STREAM_END (with Z_FINISH it stops early only when full).
      if (w) return w.availOut > 0 ? input.length - w.availOut : -1;
    }
    const deflated = zlib.deflateRawSync(input);
    if (deflated.length >= input.length) return -1;
    deflated.copy(out);
    return deflated.length;
  }

  close(): void {
    this.context.close();
  }

  /** The reused context gives deflateRawSync's bytes, twice over (so reset() is seen to work). */
  private probe(): boolean {
    const input = probeInput();
    const out = Buffer.alloc(input.length);
    const expected = zlib.deflateRawSync(input);
    for (let i = 0; i < 2; i++) {
      const w = this.context.finish(input, out, input.length);
      if (!w || input.length - w.availOut !== expected.length || !out.subarray(0, expected.length).equals(expected)) return false;
    }
    return true;
  }
}

/** Compressed input taken per write by RawInflater.inflatePieces. */
const IN_PIECE = 256 * 1024;

/** Raw deflate data that does not inflate to the size its zip entry declares, or not at all. */
export class InflateError extends Error {}

export class RawInflater {
  private readonly context = new ReusedContext(() => zlib.createInflateRaw({ chunkSize: zlib.constants.Z_MIN_CHUNK }));

  constructor() {
    if (this.context.usable && !this.probe()) this.context.close();
  }

  /** Whether the reused context is in use (false: every call goes through inflateRawSync). */
  get reused(): boolean {
    return this.context.usable;
  }

  /**
   * Inflates `raw`, which must give exactly `size` bytes, into `out` (more than `size` bytes: the one
   * over tells a stream that would go on) and answers them, a view of `out`. InflateError otherwise:
   * corrupt or cut data, or more or fewer bytes than `size` (a zip that lies about its sizes).
   */
  inflate(raw: Uint8Array, size: number, out: Buffer): Buffer {
    if (out.length <= size) throw new RangeError(`inflate: ${out.length} bytes of room for ${size}`);
    if (this.context.usable) {
      const w = this.context.finish(raw, out, size + 1);
      if (!w) throw new InflateError('invalid deflate data (corrupt, or cut short)');
      if (w.availOut === 0) throw new InflateError(`inflates to too many bytes: more than the ${size} it declares`);
      const n = size + 1 - w.availOut;
      if (n !== size) throw new InflateError(`inflates to too few bytes: ${n}, not the ${size} it declares`);
      return out.subarray(0, n);
    }
    let data: Buffer;
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
    } catch (e) {
      if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateError(`inflates to too many bytes: more than the ${size} it declares`);
      throw new InflateError(`invalid deflate data: ${(e as Error).message}`);
    }
    if (data.length !== size) throw new InflateError(`inflates to too ${data.length > size ? 'many' : 'few'} bytes: ${data.length}, not the ${size} it declares`);
    data.copy(out);
    return out.subarray(0, size);
  }

  /**
   * Inflates an entry too large to hold whole: `compressedSize` bytes of raw deflate data that `read`
   * gives from `start` (views valid until the next read), handed to `write` as they come out (views of
   * `out`, valid during the call), `breathe` awaited between pieces; exactly `size` bytes must come
   * out (InflateError otherwise). Synchronous zlib work in pieces of IN_PIECE: a stream per entry
   * (yauzl's) left 16 KB buffers of garbage behind, 30 MB of it for a 20 MB file. Only when `reused`.
   */
  async inflatePieces(read: (position: number, length: number) => Buffer, start: number, compressedSize: number, size: number, out: Buffer, write: (piece: Buffer) => void, breathe: () => Promise<void>): Promise<void> {
    if (!this.context.usable) throw new Error('inflatePieces needs the reused context (see `reused`): stream the entry instead');
    try {
      await this.pieces(read, start, compressedSize, size, out, write, breathe);
    } catch (e) {
      this.context.close(); // stopped mid-stream: not to be reset and reused
      throw e;
    }
  }

  private async pieces(read: (position: number, length: number) => Buffer, start: number, compressedSize: number, size: number, out: Buffer, write: (piece: Buffer) => void, breathe: () => Promise<void>): Promise<void> {
    let consumed = 0;
    let produced = 0;
    for (;;) {
      const length = Math.min(IN_PIECE, compressedSize - consumed);
      const input = read(start + consumed, length);
      if (input.length !== length) throw new InflateError('the zip ends inside its data');
      consumed += length;
      const last = consumed === compressedSize;
      let inOff = 0;
      for (;;) {
        // Z_FINISH with the last piece: a stream that has not ended by then is cut short (an error).
        const w = this.context.write(last ? zlib.constants.Z_FINISH : zlib.constants.Z_NO_FLUSH, input, inOff, length - inOff, out, out.length);
        if (!w) throw new InflateError('invalid deflate data (corrupt, or cut short)');
        const n = out.length - w.availOut;
        produced += n;
        if (produced > size) throw new InflateError(`inflates to too many bytes: more than the ${size} it declares`);
        if (n > 0) write(out.subarray(0, n));
        inOff = length - w.availIn;
        if (w.availOut > 0) break; // all of this piece taken (or the stream ended)
      }
      if (last) break;
      await breathe();
    }
    this.context.reset();
    if (produced !== size) throw new InflateError(`inflates to too few bytes: ${produced}, not the ${size} it declares`);
  }

  close(): void {
    this.context.close();
  }

  /** The reused context gives inflateRawSync's bytes, twice over. */
  private probe(): boolean {
    const expected = probeInput();
    const raw = zlib.deflateRawSync(expected);
    const out = Buffer.alloc(expected.length + 1);
    for (let i = 0; i < 2; i++) {
      const w = this.context.finish(raw, out, out.length);
      if (!w || out.length - w.availOut !== expected.length || !out.subarray(0, expected.length).equals(expected)) return false;
    }
    return true;
  }
}
