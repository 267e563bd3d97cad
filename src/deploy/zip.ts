/**
 * Deterministic zips, written to a file as they are made (no library: adm-zip's toBuffer() holds every
 * file, its compressed data and the whole zip at once, and yazl deflates every entry in a zlib stream
 * of its own; docs/performance.md has the figures). The same files give the same bytes, so the same
 * CodeSha256, and an unchanged package need not be uploaded again:
 *   - the central directory lists the entries in the order given (collect.ts sorts them by path), which
 *     is what readers list; the entries' data lies in the file small files first, then the large ones
 *     (each order fixed), so that the large ones can be deflated while the small ones are written;
 *   - one fixed time, 1980-01-01 00:00 (the DOS epoch), whatever the files' mtimes;
 *   - "version made by" Unix, and the file's permission bits (S_IFREG | mode) in the external
 *     attributes, so readers keep scf_bootstrap executable;
 *   - deflate (zlib's default level), or stored when deflate does not make the file smaller, as `zip -r`
 *     does (empty and incompressible files);
 *   - no data descriptors, no extra fields, no ZIP64 (a package is at most 50 MB, 65,535 entries).
 *
 * How it is fast: small files are read and deflated synchronously, many per turn of the event loop (an
 * async call per entry costs more than its deflate), all through one zlib context that is reset between
 * files (rawZlib.ts: a context per file, as deflateRawSync makes, was half of their time). Files
 * over LARGE_FILE_BYTES are deflated in zlib's thread pool, in pieces of PIECE_BYTES (each primed with
 * the 32 KB before it, as pigz does: one deflate stream, however it was cut), PIECES_IN_FLIGHT at once,
 * so that they compress on the other core while the main thread writes the small ones; their bytes
 * wait in a spool file beside the zip until their turn. The thread yields every SLICE_MS, so the
 * editor's thread is never held for long. Memory: a few MB of buffers whatever the package's size.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import zlib from 'node:zlib';
import type { CollectedFile } from './collect';
import { RawDeflater } from './rawZlib';
import { now } from '../emulator/clock';

/** Files above this size are deflated in zlib's thread pool, in pieces. */
export const LARGE_FILE_BYTES = 1024 * 1024;
/**
 * A large file is deflated in pieces of this size, each a job of zlib's thread pool: one turn of the
 * event loop per MB (a stream's 16-512 KB chunks each waited for the main thread between the small
 * files, and the deflate thread sat idle). Part of the format: another size gives other bytes.
 */
export const PIECE_BYTES = 1024 * 1024;
/** Pieces deflated at once (2 cores here; each holds its input and output, ~2 MB). */
const PIECES_IN_FLIGHT = 2;
/** Deflate's window: each piece is primed with this much of the file before it. */
const WINDOW_BYTES = 32 * 1024;
/** The longest stretch of synchronous work before the event loop gets a turn. */
const SLICE_MS = 4;
/** Output is written in pieces of about this size. */
const WRITE_CHUNK = 1024 * 1024;

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** Version made by: 2.0, host system 3 (Unix), so readers honour the mode bits. */
const MADE_BY_UNIX = (3 << 8) | 20;
/** 1980-01-01 00:00:00 in DOS date/time fields (day 1, month 1, year 0; time 0). */
const DOS_DATE = (1 << 5) | 1;
const DOS_TIME = 0;
const S_IFREG = 0o100000;
const UTF8_NAMES = 0x0800;
const STORED = 0;
const DEFLATED = 8;
/** Without ZIP64 (not needed for SCF's 50 MB packages). */
const MAX_ENTRIES = 0xffff;
const MAX_32 = 0xffffffff;

/** zlib.crc32 is in Node 20.15+ and 22; VS Code 1.91's extension host runs Node 20.9, so a table one there. */
const crc32: (data: Uint8Array, value?: number) => number = typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Table;

let table: Uint32Array | undefined;
export function crc32Table(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface ZipWritten {
  /** Size of the zip. */
  bytes: number;
  /** Hex SHA-256 of the zip. */
  sha256: string;
}

export interface WriteZipOptions {
  /** Stop with ZipTooLargeError as soon as the zip grows past this many bytes. */
  maxBytes?: number;
}

/** The zip grew past WriteZipOptions.maxBytes: `bytes` written after `filesWritten` files. */
export class ZipTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly filesWritten: number,
  ) {
    super(`the zip grew past ${bytes} bytes after ${filesWritten} files`);
  }
}

interface Entry {
  /** The path inside the zip, and its length in UTF-8 (written straight into the output, twice). */
  name: string;
  nameLength: number;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  mode: number;
}

/** Appends to a file in order through one reused buffer, hashing what it writes. */
class Output {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  readonly buffer = Buffer.allocUnsafe(WRITE_CHUNK);
  private used = 0;
  offset = 0;

  constructor(
    path: string,
    private readonly maxBytes: number,
    private readonly filesWritten: () => number,
  ) {
    this.fd = openSync(path, 'w', 0o644);
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.offset += chunk.length;
    if (this.offset > this.maxBytes) throw new ZipTooLargeError(this.offset, this.filesWritten());
    if (this.used + chunk.length > this.buffer.length) this.flush();
    if (chunk.length >= this.buffer.length) this.writeOut(chunk);
    else this.used += chunk.copy(this.buffer, this.used);
  }

  /**
   * Room for a header of `length` bytes (less than WRITE_CHUNK), zeroed, in `buffer`: answers where it
   * starts there; the caller fills it in before the next call.
   */
  reserve(length: number): number {
    this.offset += length;
    if (this.offset > this.maxBytes) throw new ZipTooLargeError(this.offset, this.filesWritten());
    if (this.used + length > this.buffer.length) this.flush();
    const at = this.used;
    this.buffer.fill(0, at, at + length);
    this.used += length;
    return at;
  }

  flush(): void {
    this.writeOut(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private writeOut(data: Buffer): void {
    this.hash.update(data);
    for (let at = 0; at < data.length; ) at += writeSync(this.fd, data, at, data.length - at);
  }

  finish(): ZipWritten {
    this.flush();
    closeSync(this.fd);
    return { bytes: this.offset, sha256: this.hash.digest('hex') };
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** A large file deflated ahead of its turn: its CRC and either its compressed bytes (spooled) or "store it". */
interface Prepared {
  crc: number;
  size: number;
  /** The file holding its deflated bytes; undefined: deflate did not make it smaller, store it. */
  spool?: string;
  compressedSize: number;
}

/**
 * Writes the zip of `files` (in their order) to `path` and answers its size and SHA-256. On an error
 * (a file unreadable or changed meanwhile, ZipTooLargeError) the file at `path` is incomplete: the
 * caller removes it.
 */
export async function writeZip(files: readonly CollectedFile[], path: string, options: WriteZipOptions = {}): Promise<ZipWritten> {
  if (files.length > MAX_ENTRIES) throw new Error(`${files.length} files: a zip without ZIP64 holds at most ${MAX_ENTRIES}`);
  const entries: Array<Entry | undefined> = new Array<Entry | undefined>(files.length);
  let written = 0;
  const out = new Output(path, options.maxBytes ?? Infinity, () => written);
  const large = files.map((f, i) => (isLarge(f) ? i : -1)).filter((i) => i >= 0);
  const spool = (i: number) => `${path}.part${i}`;
  // The large files, one after another, in the thread pool while the small ones are written here.
  let stopped = false;
  const preparing = (async () => {
    const done: Prepared[] = [];
    for (const i of large) {
      if (stopped) break;
      done.push(await prepareLarge(files[i]!, spool(i), () => stopped));
    }
    return done;
  })();
  preparing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const deflater = new RawDeflater();
  let sliceStart = now();
  try {
    const scratch = Buffer.allocUnsafe(LARGE_FILE_BYTES);
    const deflated = Buffer.allocUnsafe(LARGE_FILE_BYTES);
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      if (isLarge(f)) continue;
      entries[i] = writeSmall(out, f, readSmall(f, scratch), deflater, deflated);
      written++;
      if (now() - sliceStart > SLICE_MS) {
        await nextTurn();
        sliceStart = now();
      }
    }
    const prepared = await preparing;
    for (let k = 0; k < large.length; k++) {
      const i = large[k]!;
      entries[i] = writeLarge(out, files[i]!, prepared[k]!, scratch);
      written++;
    }
    writeCentralDirectory(out, entries as Entry[]);
    return out.finish();
  } catch (e) {
    stopped = true;
    await preparing.catch(() => undefined);
    out.close();
    throw e;
  } finally {
    deflater.close();
    for (const i of large) rmSync(spool(i), { force: true });
  }
}

function isLarge(f: CollectedFile): boolean {
  return !f.content && f.size > LARGE_FILE_BYTES;
}

function entryOf(f: CollectedFile, method: number, crc: number, compressedSize: number, size: number, offset: number): Entry {
  const nameLength = Buffer.byteLength(f.path, 'utf8');
  return { name: f.path, nameLength, flags: nameLength === f.path.length ? 0 : UTF8_NAMES, method, crc, compressedSize, size, offset, mode: f.mode };
}

/** The file's bytes, in `scratch` (reused for every small file: less garbage for the collector). */
function readSmall(f: CollectedFile, scratch: Buffer): Buffer {
  if (f.content) return f.content;
  const fd = openSync(f.source, 'r');
  try {
    // f.size is from collect's stat (one system call less per file); a file grown since is cut there.
    const size = Math.min(f.size, scratch.length);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, scratch, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return scratch.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

function writeSmall(out: Output, f: CollectedFile, data: Buffer, deflater: RawDeflater, deflated: Buffer): Entry {
  // Room for as many bytes as the input (a generated file may be larger than the shared buffer).
  const room = data.length <= deflated.length ? deflated : Buffer.allocUnsafe(data.length);
  const n = data.length > 0 ? deflater.deflate(data, room) : -1;
  const body = n >= 0 ? room.subarray(0, n) : data;
  const entry = entryOf(f, n >= 0 ? DEFLATED : STORED, crc32(data), body.length, data.length, out.offset);
  localHeader(out, entry);
  out.write(body);
  return entry;
}

/** A piece's deflated bytes, or why it failed. */
type PieceResult = { ok: true; data: Buffer } | { ok: false; error: Error };

/**
 * Deflates a large file into `spool` (not memory: it may wait there while the small files are
 * written), PIECE_BYTES at a time, as one raw deflate stream:
 *   - a piece that deflate can shrink is a job of zlib's thread pool (PIECES_IN_FLIGHT at once),
 *     primed with the WINDOW_BYTES before it (deflate's whole window, so matches reach back as far as
 *     in one stream) and ended with a sync flush (byte-aligned), the last one with Z_FINISH: pigz's
 *     way of cutting one stream into jobs;
 *   - a piece that it cannot shrink (compressed media, archives, random data: see sampleRatio()) is
 *     written here as stored blocks: level 6 spends most of its time on such data, and makes it larger.
 */
async function prepareLarge(f: CollectedFile, spool: string, stopped: () => boolean): Promise<Prepared> {
  const fd = openSync(f.source, 'r');
  let spoolFd: number | undefined = openSync(spool, 'w', 0o600);
  const stopSpooling = () => {
    if (spoolFd !== undefined) closeSync(spoolFd);
    spoolFd = undefined;
  };
  let crc = 0;
  let size = 0;
  let compressedSize = 0;
  const spoolWrite = (data: Buffer) => {
    compressedSize += data.length;
    if (compressedSize >= f.size) stopSpooling(); // already no smaller: it will be stored
    if (spoolFd !== undefined) for (let at = 0; at < data.length; ) at += writeSync(spoolFd, data, at, data.length - at);
  };
  // Pieces are numbered as sent; their results land here as they come back and are spooled in order.
  const results = new Map<number, PieceResult>();
  let sent = 0;
  let spooled = 0;
  let wake: (() => void) | undefined;
  const landed = () => new Promise<void>((resolve) => (wake = resolve));
  const spoolReady = () => {
    for (let r = results.get(spooled); r !== undefined; r = results.get(spooled)) {
      if (!r.ok) throw r.error;
      results.delete(spooled++);
      spoolWrite(r.data);
    }
  };
  const spoolAll = async () => {
    for (spoolReady(); spooled < sent; spoolReady()) await landed();
  };
  // Input buffers in turn: one is reused once its job and the next piece's dictionary are done with it
  // (at most PIECES_IN_FLIGHT jobs are out; a job copies its dictionary when it starts).
  const ring: Buffer[] = new Array<Buffer>(PIECES_IN_FLIGHT + 2);
  let stored: Buffer | undefined;
  let previous: Buffer | undefined;
  try {
    for (;;) {
      if (stopped()) throw new Error('stopped');
      spoolReady();
      if (sent - spooled >= PIECES_IN_FLIGHT) {
        await landed();
        continue;
      }
      const piece = (ring[sent % ring.length] ??= Buffer.allocUnsafe(PIECE_BYTES));
      const want = Math.min(PIECE_BYTES, f.size - size);
      let n = 0;
      while (n < want) {
        const r = readSync(fd, piece, n, want - n, size + n);
        if (r === 0) break;
        n += r;
      }
      if (n === 0) break; // shorter than collect's stat said: reported below
      const input = piece.subarray(0, n);
      crc = crc32(input, crc);
      size += n;
      const last = size >= f.size;
      if (spoolFd === undefined) {
        if (last) break;
        await nextTurn(); // to be stored: read on for the CRC only, a turn of the loop per piece
        continue;
      }
      const ratio = sampleRatio(input);
      if (ratio > 1 - SAMPLE_SAVING) {
        await spoolAll(); // the pieces before it come first in the stream
        sent++;
        spooled++;
        spoolWrite(storedBlocks(input, last, (stored ??= Buffer.allocUnsafe(storedBound(PIECE_BYTES)))));
        if (!last) await nextTurn(); // written here: a turn of the loop per piece
      } else {
        const options: zlib.ZlibOptions = {
          finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
          // Output room from the samples' ratio (a buffer per job: less garbage than the largest
          // possible); zlib allocates more if it runs out, one more turn of the loop.
          chunkSize: Math.min(n + (n >> 3) + 1024, Math.max(64 * 1024, Math.ceil(n * ratio * 1.5) + 4096)),
        };
        if (previous) options.dictionary = previous.subarray(previous.length - WINDOW_BYTES);
        const index = sent++;
        zlib.deflateRaw(input, options, (error, data) => {
          results.set(index, error ? { ok: false, error } : { ok: true, data });
          wake?.();
          wake = undefined;
        });
      }
      previous = input; // PIECE_BYTES long: only the last piece is shorter
      if (last) break;
    }
    await spoolAll();
    // A file that grew since collect's stat: not what was measured.
    if (size !== f.size || readSync(fd, Buffer.alloc(1), 0, 1, size) !== 0) throw new Error(`${f.source} changed while it was packaged (${f.size} bytes, then more); package again`);
    const deflatedSmaller = spoolFd !== undefined && compressedSize < size;
    return { crc, size, compressedSize, spool: deflatedSmaller ? spool : undefined };
  } finally {
    // Jobs still out (an error or a stop): let them land before their buffers are dropped.
    while (sent - spooled - results.size > 0) await landed();
    stopSpooling();
    closeSync(fd);
  }
}

/** Samples of a piece tried at level 1 (start, middle, end), and what they must save for the piece to be deflated. */
const SAMPLE_BYTES = 16 * 1024;
const SAMPLE_SAVING = 0.02;

/**
 * The largest compressed/original ratio of three samples of a piece at level 1 (about 0.3 ms in all).
 * A piece is stored when none of them saves SAMPLE_SAVING: judged wrongly it is only stored, never
 * wrong, and the judgement depends on the bytes alone, so the zip stays the same for the same files.
 */
function sampleRatio(piece: Buffer): number {
  const starts = piece.length < 3 * SAMPLE_BYTES ? [0] : [0, (piece.length - SAMPLE_BYTES) >> 1, piece.length - SAMPLE_BYTES];
  let worst = 0;
  for (const start of starts) {
    const sample = piece.subarray(start, Math.min(piece.length, start + SAMPLE_BYTES));
    worst = Math.max(worst, zlib.deflateRawSync(sample, { level: 1 }).length / sample.length);
  }
  return worst;
}

/** Deflate's stored blocks hold at most this much each (RFC 1951, 3.2.4). */
const STORED_BLOCK = 0xffff;

function storedBound(n: number): number {
  return n + 5 * Math.max(1, Math.ceil(n / STORED_BLOCK));
}

/**
 * `data` (not empty) as deflate stored blocks in `out` (storedBound(data.length) bytes at least):
 * each a header byte (BFINAL, BTYPE 00; a piece starts on a byte boundary, so nothing pads it), LEN
 * and its complement, then the bytes. The last block is final when `final`.
 */
function storedBlocks(data: Buffer, final: boolean, out: Buffer): Buffer {
  let o = 0;
  for (let at = 0; at < data.length; ) {
    const len = Math.min(STORED_BLOCK, data.length - at);
    out[o] = final && at + len === data.length ? 1 : 0;
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    data.copy(out, o + 5, at, at + len);
    o += 5 + len;
    at += len;
  }
  return out.subarray(0, o);
}

function writeLarge(out: Output, f: CollectedFile, p: Prepared, piece: Buffer): Entry {
  if (p.size > MAX_32) throw new Error(`${f.source} is over 4 GB, more than a zip without ZIP64 holds`);
  const stored = p.spool === undefined;
  const entry = entryOf(f, stored ? STORED : DEFLATED, p.crc, stored ? p.size : p.compressedSize, p.size, out.offset);
  localHeader(out, entry);
  // The spool, or the file itself when it is stored (from the page cache, as a rule), checked again.
  const fd = openSync(p.spool ?? f.source, 'r');
  let crc = 0;
  let size = 0;
  try {
    for (let n; (n = readSync(fd, piece, 0, piece.length, null)) > 0; ) {
      const chunk = piece.subarray(0, n);
      if (stored) crc = crc32(chunk, crc);
      size += n;
      out.write(chunk);
    }
  } finally {
    closeSync(fd);
  }
  if (stored && (crc !== p.crc || size !== p.size)) throw new Error(`${f.source} changed while it was packaged; package again`);
  if (!stored && size !== p.compressedSize) throw new Error(`${p.spool}: the spooled deflate of ${f.source} is ${size} bytes, ${p.compressedSize} were written; package again`);
  return entry;
}

/** The fields local and central headers share, in the same order: version needed to extract ... name length. */
function sharedFields(h: Buffer, at: number, e: Entry): void {
  h.writeUInt16LE(e.method === DEFLATED ? 20 : 10, at);
  h.writeUInt16LE(e.flags, at + 2);
  h.writeUInt16LE(e.method, at + 4);
  h.writeUInt16LE(DOS_TIME, at + 6);
  h.writeUInt16LE(DOS_DATE, at + 8);
  h.writeUInt32LE(e.crc >>> 0, at + 10);
  h.writeUInt32LE(e.compressedSize, at + 14);
  h.writeUInt32LE(e.size, at + 18);
  h.writeUInt16LE(e.nameLength, at + 22);
}

function localHeader(out: Output, e: Entry): void {
  const h = out.buffer;
  const at = out.reserve(30 + e.nameLength);
  h.writeUInt32LE(LOCAL_HEADER, at);
  sharedFields(h, at + 4, e);
  // extra field length: 0
  h.write(e.name, at + 30, e.nameLength, 'utf8');
}

function writeCentralDirectory(out: Output, entries: readonly Entry[]): void {
  const start = out.offset;
  const h = out.buffer;
  for (const e of entries) {
    if (e.offset > MAX_32) throw new Error('the zip is over 4 GB, more than a zip without ZIP64 holds');
    const at = out.reserve(46 + e.nameLength);
    h.writeUInt32LE(CENTRAL_HEADER, at);
    h.writeUInt16LE(MADE_BY_UNIX, at + 4);
    sharedFields(h, at + 6, e);
    // extra, comment, disk number start, internal attributes: 0
    h.writeUInt32LE(((S_IFREG | (e.mode & 0o7777)) << 16) >>> 0, at + 38);
    h.writeUInt32LE(e.offset, at + 42);
    h.write(e.name, at + 46, e.nameLength, 'utf8');
  }
  const size = out.offset - start;
  const at = out.reserve(22);
  h.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, at);
  h.writeUInt16LE(entries.length, at + 8);
  h.writeUInt16LE(entries.length, at + 10);
  h.writeUInt32LE(size, at + 12);
  h.writeUInt32LE(start, at + 16);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
