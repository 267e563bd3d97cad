/**
 * Unpacking an uploaded code package at the local endpoint, as a stream: entries are inflated by zlib
 * off the main loop's critical path and written as they come, so other requests are answered meanwhile
 * (adm-zip's synchronous extraction held every request for 40 s on a 4 GB bomb) and only a chunk of each
 * entry is in memory at a time.
 *
 * Bounds, checked before anything is written (the sizes the zip declares) and again while writing (the
 * bytes that actually come out, since a zip can lie about its sizes):
 *   - MAX_UNPACKED_BYTES: SCF's limit on a function's code before compression (500 MB, including
 *     layers: "Maximum code size (including bound layers) per function (version) before compression").
 *   - MAX_ENTRIES: files and folders in one package. SCF states none; FunctionGraph allows 30,000 files.
 *     We take 65,535 (the most a zip without ZIP64 holds), so a package of a million empty files is refused.
 */
import { closeSync, createWriteStream, mkdirSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { fail, ok, type Outcome } from '../../model/outcome';
import { InflateError, RawInflater } from '../rawZlib';
import { now } from '../../emulator/clock';

export const MAX_UNPACKED_BYTES = 500 * 1024 * 1024;
export const MAX_ENTRIES = 65_535;

export interface UnzipLimits {
  maxBytes: number;
  maxEntries: number;
}

export const UNZIP_LIMITS: Readonly<UnzipLimits> = { maxBytes: MAX_UNPACKED_BYTES, maxEntries: MAX_ENTRIES };

export interface Unpacked {
  files: number;
  bytes: number;
}

const MB = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** A zip opened by yauzl, its entries to be read one at a time; or why it is not a zip we take. */
async function openZip(zip: string | Buffer, limits: UnzipLimits): Promise<Outcome<ZipFile>> {
  let zipfile: ZipFile;
  try {
    const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false };
    zipfile = await new Promise<ZipFile>((resolve, reject) => {
      const done = (e: Error | null, z?: ZipFile) => (e || !z ? reject(e ?? new Error('no zip')) : resolve(z));
      if (typeof zip === 'string') yauzl.open(zip, options, done);
      else yauzl.fromBuffer(zip, options, done);
    });
  } catch (e) {
    return fail('zip.invalid', `ZipFile is not a valid zip: ${(e as Error).message}`);
  }
  if (zipfile.entryCount > limits.maxEntries) {
    zipfile.close();
    return fail('zip.tooManyEntries', `The code package holds ${zipfile.entryCount} entries, over the ${limits.maxEntries} the local endpoint unpacks.`);
  }
  return ok(zipfile);
}

/** What a zip's central directory declares. */
export interface ZipSummary {
  entries: number;
  /** The sum of the entries' uncompressed sizes. */
  declared: number;
}

/**
 * Reads an open zip's central directory entry by entry, none kept (5,000 entries kept at once made V8
 * grow its young generation to the full 32 MB for a deploy), refusing a name outside the code folder
 * and a declared total over limits.maxBytes; `each` runs on every entry before the next is read (a
 * throw stops the walk with that error).
 */
function walkEntries(zipfile: ZipFile, limits: UnzipLimits, each?: (entry: Entry) => Promise<void> | void): Promise<Outcome<ZipSummary>> {
  let entries = 0;
  let declared = 0;
  return new Promise<Outcome<ZipSummary>>((resolve, reject) => {
    zipfile.on('entry', (entry: Entry) => {
      const bad = outside(entry.fileName);
      if (bad) return resolve(fail('zip.outside', `The zip entry "${entry.fileName}" points outside the code folder.`));
      declared += entry.uncompressedSize;
      if (declared > limits.maxBytes) return resolve(fail('zip.tooLarge', `The code package unpacks to more than ${MB(limits.maxBytes)} (its entries declare ${MB(declared)} so far): SCF's limit for code before compression.`));
      entries++;
      if (!each) return zipfile.readEntry();
      Promise.resolve()
        .then(() => each(entry))
        .then(() => zipfile.readEntry(), reject);
    });
    zipfile.once('end', () => resolve(ok({ entries, declared })));
    zipfile.once('error', (e: Error) => resolve(fail('zip.invalid', `ZipFile is not a valid zip: ${e.message}`)));
    zipfile.readEntry();
  });
}

/**
 * What a zip (a file, read where needed, or a Buffer) declares, checked against `limits`: its central
 * directory only, nothing is inflated; or why it is not a zip we take.
 */
export async function checkEntries(zip: string | Buffer, limits: UnzipLimits = UNZIP_LIMITS): Promise<Outcome<ZipSummary>> {
  const opened = await openZip(zip, limits);
  if (!opened.ok) return opened;
  try {
    return await walkEntries(opened.value, limits);
  } finally {
    opened.value.close();
  }
}

/**
 * Unpacks `zip` (a file or a Buffer) into `dest` (which must exist), keeping Unix file modes (scf_bootstrap stays
 * executable): the central directory is checked first (checkEntries), then read again as the entries
 * are written. On a failure `dest` holds part of the package: the caller removes it.
 */
export async function unpackZip(zip: string | Buffer, dest: string, limits: UnzipLimits = UNZIP_LIMITS): Promise<Outcome<Unpacked>> {
  const checked = await checkEntries(zip, limits);
  if (!checked.ok) return checked;
  const opened = await openZip(zip, limits);
  if (!opened.ok) return opened;
  const zipfile = opened.value;
  let written = 0;
  let files = 0;
  const made = new Set<string>();
  const reader = readerOf(zip);
  const inflater = new RawInflater();
  // One buffer the small entries inflate into in turn (each is written out before the next).
  let inflated: Buffer | undefined;
  let sliceStart = now();
  const folder = (dir: string) => {
    if (made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  };
  const unpack = async (entry: Entry): Promise<void> => {
    const target = join(dest, normalize(entry.fileName));
    if (entry.fileName.endsWith('/')) return folder(target);
    folder(dirname(target));
    if (entry.uncompressedSize <= SMALL_ENTRY && entry.compressedSize <= SMALL_ENTRY && (entry.compressionMethod === 0 || entry.compressionMethod === 8)) {
      const data = readSmall(reader.read, entry, inflater, (inflated ??= Buffer.allocUnsafe(SMALL_ENTRY + 1)));
      written += data.length;
      if (written > limits.maxBytes) throw new LimitError(`The code package unpacks to more than ${MB(limits.maxBytes)} (SCF's limit for code before compression); unpacking stopped at "${entry.fileName}".`);
      writeFileSync(target, data, { mode: fileMode(entry) });
      files++;
      if (now() - sliceStart > 10) {
        await new Promise((resolve) => setImmediate(resolve)); // other requests get their turn
        sliceStart = now();
      }
      return;
    }
    if (entry.compressionMethod === 0 || (entry.compressionMethod === 8 && inflater.reused)) {
      // Read in pieces, inflated here through the same context, written as they come (where this
      // Node has no reused context, yauzl's stream below does it).
      const out = (inflated ??= Buffer.allocUnsafe(SMALL_ENTRY + 1));
      const start = dataStart(reader.read, entry);
      const fd = openSync(target, 'w', fileMode(entry));
      const write = (piece: Buffer) => {
        written += piece.length;
        if (written > limits.maxBytes) throw new LimitError(`The code package unpacks to more than ${MB(limits.maxBytes)} (SCF's limit for code before compression); unpacking stopped at "${entry.fileName}".`);
        for (let at = 0; at < piece.length; ) at += writeSync(fd, piece, at, piece.length - at);
      };
      const breathe = () => new Promise<void>((resolve) => setImmediate(resolve)); // other requests get their turn
      try {
        if (entry.compressionMethod === 8) await inflater.inflatePieces(reader.read, start, entry.compressedSize, entry.uncompressedSize, out, write, breathe);
        else await copyPieces(reader.read, start, entry, write, breathe);
      } catch (e) {
        if (e instanceof InflateError) throw new Error(`"${entry.fileName}" ${e.message}`);
        throw e;
      } finally {
        closeSync(fd);
      }
      files++;
      return;
    }
    const source = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zipfile.openReadStream(entry, (e, s) => (e || !s ? reject(e ?? new Error('no stream')) : resolve(s))));
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        if (written > limits.maxBytes) done(new LimitError(`The code package unpacks to more than ${MB(limits.maxBytes)} (SCF's limit for code before compression); unpacking stopped at "${entry.fileName}".`));
        else done(null, chunk);
      },
    });
    await pipeline(source, counter, createWriteStream(target, { mode: fileMode(entry) }));
    files++;
  };
  try {
    const walked = await walkEntries(zipfile, limits, unpack);
    if (!walked.ok) return walked;
  } catch (e) {
    if (e instanceof LimitError) return fail('zip.tooLarge', e.message);
    return fail('zip.invalid', `The code package could not be unpacked: ${(e as Error).message}`);
  } finally {
    zipfile.close();
    reader.close();
    inflater.close();
  }
  return ok({ files, bytes: written });
}

class LimitError extends Error {}

/**
 * Entries up to this size are read (one positional read) and inflated synchronously: a yauzl stream and
 * a write stream each made 5,000 small files take 10-20 s here, mostly waiting for the thread pool.
 */
const SMALL_ENTRY = 1024 * 1024;

/**
 * A small entry's bytes: its compressed data read as they are, then inflated at once into `out`
 * (through one zlib context for all of them), no more than the size the entry declares (a zip that
 * lies about it is refused, as yauzl's stream refuses it). The answer is a view of `out` or of the
 * reader's buffer, valid until the next entry.
 */
function readSmall(read: ReadAt, entry: Entry, inflater: RawInflater, out: Buffer): Buffer {
  // The local header's name and extra lengths are usually the central directory's: one read for both.
  const guess = 30 + entry.fileNameLength + entry.extraFieldLength;
  let block = read(entry.relativeOffsetOfLocalHeader, guess + entry.compressedSize);
  if (block.length < 30 || block.readUInt32LE(0) !== 0x04034b50) throw new Error(`"${entry.fileName}": no local file header where the central directory says`);
  const headerLength = 30 + block.readUInt16LE(26) + block.readUInt16LE(28);
  if (headerLength !== guess) block = read(entry.relativeOffsetOfLocalHeader, headerLength + entry.compressedSize);
  const raw = block.subarray(headerLength, headerLength + entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw new Error(`"${entry.fileName}": the zip ends inside its data`);
  if (entry.compressionMethod !== 8) {
    if (raw.length !== entry.uncompressedSize) throw new Error(`"${entry.fileName}" is stored with ${raw.length} bytes, not the ${entry.uncompressedSize} it declares`);
    return raw;
  }
  try {
    return inflater.inflate(raw, entry.uncompressedSize, out);
  } catch (e) {
    if (e instanceof InflateError) throw new Error(`"${entry.fileName}" ${e.message}`);
    throw e;
  }
}

/** Where an entry's data starts: after its local header (whose name and extra lengths are its own). */
function dataStart(read: ReadAt, entry: Entry): number {
  const header = read(entry.relativeOffsetOfLocalHeader, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) throw new Error(`"${entry.fileName}": no local file header where the central directory says`);
  return entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/** A stored entry's bytes, a piece at a time (its size is what the central directory declares). */
async function copyPieces(read: ReadAt, start: number, entry: Entry, write: (piece: Buffer) => void, breathe: () => Promise<void>): Promise<void> {
  if (entry.compressedSize !== entry.uncompressedSize) throw new Error(`"${entry.fileName}" is stored with ${entry.compressedSize} bytes, not the ${entry.uncompressedSize} it declares`);
  for (let at = 0; at < entry.compressedSize; ) {
    const piece = read(start + at, Math.min(SMALL_ENTRY, entry.compressedSize - at));
    if (piece.length === 0) throw new Error(`"${entry.fileName}": the zip ends inside its data`);
    write(piece);
    at += piece.length;
    await breathe();
  }
}

/** Reads `length` bytes at `position` of the zip (fewer at its end): a view valid until the next read. */
type ReadAt = (position: number, length: number) => Buffer;

function readerOf(zip: string | Buffer): { read: ReadAt; close(): void } {
  if (typeof zip !== 'string') return { read: (position, length) => zip.subarray(position, position + length), close: () => {} };
  const fd = openSync(zip, 'r');
  // One buffer for every read (at most SMALL_ENTRY and a header), grown as needed.
  let buffer = Buffer.allocUnsafe(64 * 1024);
  return {
    read: (position, length) => {
      if (buffer.length < length) buffer = Buffer.allocUnsafe(Math.max(length, buffer.length * 2));
      let at = 0;
      while (at < length) {
        const n = readSync(fd, buffer, at, length - at, position + at);
        if (n === 0) break;
        at += n;
      }
      return buffer.subarray(0, at);
    },
    close: () => closeSync(fd),
  };
}

/** A name that would land outside the code folder (absolute, `..`, a drive letter), or undefined. */
function outside(name: string): boolean {
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return true;
  if (name.split(/[\\/]/).includes('..')) return true;
  return normalize(name).split(sep).includes('..');
}

/** The entry's Unix permission bits where the zip has them (0o644 otherwise), so 0o755 stays for scf_bootstrap and binaries. */
function fileMode(entry: Entry): number {
  const mode = (entry.externalFileAttributes >>> 16) & 0o777;
  return mode ? mode | 0o600 : 0o644;
}
