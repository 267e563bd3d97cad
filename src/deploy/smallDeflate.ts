/**
 * Raw deflate of many small inputs, one after another, through one zlib context.
 *
 * `zlib.deflateRawSync` makes a whole zlib stream per call (a Transform stream, a native handle,
 * deflateInit2's window and hash allocated and cleared, deflateEnd) and for 5,000 files of about 1 KB
 * that costs as much again as the deflate itself. Node has no public synchronous API on a stream that
 * stays open, so this calls the stream's native handle the way Node's own `processChunkSync` does
 * (`_handle.writeSync(flush, in, inOff, inLen, out, outOff, outLen)`, the result in `_writeState`),
 * then `reset()` (public: deflateReset, which keeps the allocations) before the next input. minizlib
 * (node-tar, npm) keeps a context open across synchronous writes through the same handle.
 *
 * The bytes are those of `zlib.deflateRawSync(input)` with its defaults (level 6, 32 KB window,
 * memLevel 8): deflateReset leaves nothing of the previous input behind. A probe checks that at the
 * first use, and if the handle is not there or answers anything else (another Node, another runtime)
 * every input goes through `deflateRawSync`, with the same bytes, only slower.
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

export class SmallDeflater {
  private engine: zlib.DeflateRaw | undefined;
  private handle: NativeZlibHandle | undefined;
  private state: Uint32Array | undefined;
  private error: Error | undefined;

  constructor() {
    try {
      // chunkSize: the stream's own output buffer, never used here.
      const engine = zlib.createDeflateRaw({ chunkSize: zlib.constants.Z_MIN_CHUNK });
      engine.on('error', (e: Error) => (this.error = e));
      const internals = engine as unknown as ZlibInternals;
      if (typeof internals._handle?.writeSync !== 'function' || !(internals._writeState instanceof Uint32Array) || internals._writeState.length < 2) {
        engine.close();
        return;
      }
      this.engine = engine;
      this.handle = internals._handle;
      this.state = internals._writeState;
      if (!this.probe()) this.close();
    } catch {
      this.close();
    }
  }

  /** Whether the reused context is in use (false: every call goes through deflateRawSync). */
  get reused(): boolean {
    return this.handle !== undefined;
  }

  /**
   * Deflates `input` (not empty) into `out` (at least input.length bytes) and answers the compressed
   * length, or -1 when deflate does not make it smaller (the caller stores it then).
   */
  deflate(input: Uint8Array, out: Buffer): number {
    if (this.handle) {
      const n = this.deflateReused(input, out);
      if (n !== undefined) return n;
    }
    const deflated = zlib.deflateRawSync(input);
    if (deflated.length >= input.length) return -1;
    deflated.copy(out);
    return deflated.length;
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

  /** undefined: the context failed (closed now; the caller falls back). */
  private deflateReused(input: Uint8Array, out: Buffer): number | undefined {
    // At most input.length bytes of output: deflate that does not finish within them is no smaller.
    this.handle!.writeSync(zlib.constants.Z_FINISH, input, 0, input.length, out, 0, input.length);
    if (this.error) {
      // Node closes the handle on an error: never call it again.
      this.handle = undefined;
      this.close();
      return undefined;
    }
    const availOut = this.state![0]!;
    this.engine!.reset();
    // avail_out left means deflate returned Z_STREAM_END (with Z_FINISH it stops early only when full).
    return availOut > 0 ? input.length - availOut : -1;
  }

  /** The reused context gives deflateRawSync's bytes, twice over (so reset() is seen to work). */
  private probe(): boolean {
    const input = Buffer.from('exports.main_handler = async (event, context) => ({ event, context });\n'.repeat(20) + 'scf_bootstrap\n');
    const out = Buffer.alloc(input.length);
    const expected = zlib.deflateRawSync(input);
    for (let i = 0; i < 2; i++) {
      const n = this.deflateReused(input, out);
      if (n === undefined || n !== expected.length || !out.subarray(0, n).equals(expected)) return false;
    }
    return true;
  }
}
