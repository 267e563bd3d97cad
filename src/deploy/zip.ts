/**
 * Deterministic zips, written to a file as they are made (no library: adm-zip's toBuffer() holds every
 * file, its compressed data and the whole zip at once, and yazl deflates every entry in a zlib stream
 * of its own; docs/performance.md has the figures). The same files give the same bytes, so the same
 * CodeSha256, and an unchanged package need not be uploaded again:
 *   - entries in the order given (collect.ts sorts them by path), files only, as before;
 *   - one fixed time, 1980-01-01 00:00 (the DOS epoch), whatever the files' mtimes;
 *   - "version made by" Unix, and the file's permission bits (S_IFREG | mode) in the external
 *     attributes, so readers keep scf_bootstrap executable;
 *   - deflate (zlib's default level), or stored when deflate does not make the file smaller, as `zip -r`
 *     does (empty and incompressible files);
 *   - no data descriptors, no extra fields, no ZIP64 (a package is at most 50 MB, 65,535 entries).
 *
 * How it is fast: small files are read and deflated synchronously, many per turn of the event loop (an
 * async call per entry costs more than its deflate), each with a zlib window and hash sized to the file
 * (a fresh full-size context per entry was most of adm-zip's time). Files over LARGE_FILE_BYTES go
 * through one deflate stream each, in zlib's thread pool, started ahead of their turn so that they
 * compress on the other core while the main thread deflates the small ones (at most PREFETCH_LARGE at
 * once); their compressed bytes wait in a spool file beside the zip until their turn, and the small
 * files after a large one that is not done yet are deflated ahead (up to LOOKAHEAD_BYTES). The thread
 * yields every SLICE_MS, so the editor's thread is never held for long. Memory: a few MB of buffers
 * whatever the package's size.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import zlib from 'node:zlib';
import type { CollectedFile } from './collect';

/** Files above this size are streamed through a deflate stream of their own. */
export const LARGE_FILE_BYTES = 1024 * 1024;
/** Large files deflated ahead of their turn at once (each holds its compressed bytes until written). */
const PREFETCH_LARGE = 2;
/** The longest stretch of synchronous work before the event loop gets a turn. */
const SLICE_MS = 4;
/** Compressed bytes of small files held while a large file ahead of them is still being deflated. */
const LOOKAHEAD_BYTES = 4 * 1024 * 1024;
/** Read and deflate-output piece for large files (fewer, larger pieces: each waits for a turn of the loop). */
const LARGE_CHUNK = 512 * 1024;
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
  name: Buffer;
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
  private readonly buffer = Buffer.allocUnsafe(WRITE_CHUNK);
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

  /** Writes a header of `length` bytes (less than WRITE_CHUNK) in place: `fill` gets the buffer and where to start. */
  header(length: number, fill: (b: Buffer, at: number) => void): void {
    this.offset += length;
    if (this.offset > this.maxBytes) throw new ZipTooLargeError(this.offset, this.filesWritten());
    if (this.used + length > this.buffer.length) this.flush();
    this.buffer.fill(0, this.used, this.used + length);
    fill(this.buffer, this.used);
    this.used += length;
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
  const entries: Entry[] = [];
  const out = new Output(path, options.maxBytes ?? Infinity, () => entries.length);
  const large = files.map((f, i) => (isLarge(f) ? i : -1)).filter((i) => i >= 0);
  const prepared = new Map<number, Promise<Prepared>>();
  let nextLarge = 0;
  const prefetch = () => {
    while (nextLarge < large.length && prepared.size < PREFETCH_LARGE) {
      const i = large[nextLarge++]!;
      const p = prepareLarge(files[i]!, `${path}.part${i}`);
      p.catch(() => undefined); // awaited in its turn; not an unhandled rejection meanwhile
      prepared.set(i, p);
    }
  };
  // Small files deflated ahead while a large one is still being deflated (its turn came first).
  const ahead = new Map<number, Compressed>();
  let aheadBytes = 0;
  let nextAhead = 0;
  let sliceStart = performance.now();
  const breathe = async () => {
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  };
  try {
    prefetch();
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      if (isLarge(f)) {
        const job = prepared.get(i)!;
        let done = false;
        job.then(() => (done = true), () => (done = true));
        for (nextAhead = Math.max(nextAhead, i + 1); !done; ) {
          const next = files[nextAhead];
          if (!next || isLarge(next) || aheadBytes > LOOKAHEAD_BYTES) break;
          const c = compressSmall(next);
          ahead.set(nextAhead++, c);
          aheadBytes += c.body.length;
          await breathe();
        }
        const p = await job;
        prepared.delete(i);
        prefetch();
        await writeLarge(out, entries, f, p);
        continue;
      }
      let c = ahead.get(i);
      if (c) {
        ahead.delete(i);
        aheadBytes -= c.body.length;
      } else c = compressSmall(f);
      writeEntry(out, entries, c);
      await breathe();
    }
    writeCentralDirectory(out, entries);
    return out.finish();
  } catch (e) {
    out.close();
    throw e;
  } finally {
    for (const i of large) rmSync(`${path}.part${i}`, { force: true });
  }
}

function isLarge(f: CollectedFile): boolean {
  return !f.content && f.size > LARGE_FILE_BYTES;
}

function nameOf(f: CollectedFile): { name: Buffer; flags: number } {
  const name = Buffer.from(f.path, 'utf8');
  return { name, flags: name.length === f.path.length ? 0 : UTF8_NAMES };
}

/** One buffer the small files are read into in turn (less garbage for the collector than one each). */
let scratch: Buffer | undefined;

/** The file's bytes, in the shared scratch buffer: valid until the next call. */
function readSmall(f: CollectedFile): Buffer {
  if (f.content) return f.content;
  scratch ??= Buffer.allocUnsafe(LARGE_FILE_BYTES);
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

/**
 * zlib options for a small input: a window and hash table no larger than the input needs (zlib
 * allocates and clears them per call; at full size that was most of the time for small files). The
 * window only bounds match distances, which cannot exceed the input anyway.
 */
function deflateOptions(size: number): zlib.ZlibOptions {
  const bits = Math.ceil(Math.log2(size + 262));
  // chunkSize: the output buffer, 16 KB by default whatever the input: 5,000 of them were 80 MB of
  // garbage the collector left for later (it counts them as external memory, lightly).
  return { windowBits: Math.max(9, Math.min(15, bits)), memLevel: Math.max(1, Math.min(8, bits - 7)), chunkSize: Math.max(64, size + (size >> 6) + 64) };
}

/** A small file's entry (without its offset) and the bytes that follow its local header. */
interface Compressed {
  entry: Omit<Entry, 'offset'>;
  body: Buffer;
}

function compressSmall(f: CollectedFile): Compressed {
  const data = readSmall(f);
  const crc = crc32(data);
  const deflated = data.length ? zlib.deflateRawSync(data, deflateOptions(data.length)) : undefined;
  const useDeflate = deflated !== undefined && deflated.length < data.length;
  const body = useDeflate ? deflated : Buffer.from(data); // a copy: the scratch buffer is read into again
  return { entry: { ...nameOf(f), method: useDeflate ? DEFLATED : STORED, crc, compressedSize: body.length, size: data.length, mode: f.mode }, body };
}

function writeEntry(out: Output, entries: Entry[], c: Compressed): void {
  const entry: Entry = { ...c.entry, offset: out.offset };
  localHeader(out, entry);
  out.write(c.body);
  entries.push(entry);
}

/**
 * Deflates a large file through one stream in zlib's thread pool, spooling the output to `spool` (not
 * memory: it may wait there while the files before it are written).
 */
async function prepareLarge(f: CollectedFile, spool: string): Promise<Prepared> {
  let crc = 0;
  let size = 0;
  let compressedSize = 0;
  let spoolFd: number | undefined = openSync(spool, 'w', 0o600);
  const stopSpooling = () => {
    if (spoolFd !== undefined) closeSync(spoolFd);
    spoolFd = undefined;
  };
  try {
    const deflate = zlib.createDeflateRaw({ chunkSize: LARGE_CHUNK });
    const deflated = new Promise<void>((resolve, reject) => {
      deflate.on('data', (c: Buffer) => {
        compressedSize += c.length;
        if (compressedSize >= f.size) stopSpooling(); // already no smaller: it will be stored
        if (spoolFd !== undefined) for (let at = 0; at < c.length; ) at += writeSync(spoolFd, c, at, c.length - at);
      });
      deflate.once('end', resolve);
      deflate.once('error', reject);
    });
    // Two buffers read into in turn, each reused once zlib has taken its previous content.
    const buffers = [Buffer.allocUnsafe(LARGE_CHUNK), Buffer.allocUnsafe(LARGE_CHUNK)];
    const taken: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
    const file = await open(f.source, 'r');
    try {
      for (let k = 0; ; k ^= 1) {
        await taken[k];
        const { bytesRead } = await file.read(buffers[k]!, 0, LARGE_CHUNK, null);
        if (bytesRead === 0) break;
        const chunk = buffers[k]!.subarray(0, bytesRead);
        crc = crc32(chunk, crc);
        size += bytesRead;
        if (spoolFd !== undefined) taken[k] = new Promise<void>((resolve, reject) => deflate.write(chunk, (e) => (e ? reject(e) : resolve())));
      }
      await Promise.all(taken);
    } finally {
      await file.close();
    }
    deflate.end();
    await deflated;
    if (size !== f.size) throw new Error(`${f.source} changed while it was packaged (${f.size} bytes, then ${size}); package again`);
    const deflatedSmaller = spoolFd !== undefined && compressedSize < size;
    return { crc, size, compressedSize, spool: deflatedSmaller ? spool : undefined };
  } finally {
    stopSpooling();
  }
}

async function writeLarge(out: Output, entries: Entry[], f: CollectedFile, p: Prepared): Promise<void> {
  if (p.size > MAX_32) throw new Error(`${f.source} is over 4 GB, more than a zip without ZIP64 holds`);
  const stored = p.spool === undefined;
  const entry: Entry = { ...nameOf(f), method: stored ? STORED : DEFLATED, crc: p.crc, compressedSize: stored ? p.size : p.compressedSize, size: p.size, offset: out.offset, mode: f.mode };
  localHeader(out, entry);
  if (p.spool !== undefined) {
    const fd = openSync(p.spool, 'r');
    try {
      const piece = Buffer.allocUnsafe(LARGE_CHUNK);
      for (let n; (n = readSync(fd, piece, 0, piece.length, null)) > 0; ) out.write(piece.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    rmSync(p.spool, { force: true });
  } else {
    // Stored: read it again (from the page cache, as a rule) and check it is what was measured.
    let crc = 0;
    let size = 0;
    for await (const chunk of createReadStream(f.source, { highWaterMark: LARGE_CHUNK }) as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      out.write(chunk);
    }
    if (crc !== p.crc || size !== p.size) throw new Error(`${f.source} changed while it was packaged; package again`);
  }
  entries.push(entry);
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
  h.writeUInt16LE(e.name.length, at + 22);
}

function localHeader(out: Output, e: Entry): void {
  out.header(30 + e.name.length, (h, at) => {
    h.writeUInt32LE(LOCAL_HEADER, at);
    sharedFields(h, at + 4, e);
    // extra field length: 0
    e.name.copy(h, at + 30);
  });
}

function writeCentralDirectory(out: Output, entries: readonly Entry[]): void {
  const start = out.offset;
  for (const e of entries) {
    if (e.offset > MAX_32) throw new Error('the zip is over 4 GB, more than a zip without ZIP64 holds');
    out.header(46 + e.name.length, (h, at) => {
      h.writeUInt32LE(CENTRAL_HEADER, at);
      h.writeUInt16LE(MADE_BY_UNIX, at + 4);
      sharedFields(h, at + 6, e);
      // extra, comment, disk number start, internal attributes: 0
      h.writeUInt32LE(((S_IFREG | (e.mode & 0o7777)) << 16) >>> 0, at + 38);
      h.writeUInt32LE(e.offset, at + 42);
      e.name.copy(h, at + 46);
    });
  }
  const size = out.offset - start;
  out.header(22, (h, at) => {
    h.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, at);
    h.writeUInt16LE(entries.length, at + 8);
    h.writeUInt16LE(entries.length, at + 10);
    h.writeUInt32LE(size, at + 12);
    h.writeUInt32LE(start, at + 16);
  });
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
