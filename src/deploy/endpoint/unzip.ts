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
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { fail, ok, type Outcome } from '../../model/outcome';

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

/** The entries of a zip (its central directory only; nothing is inflated), or why it is not a zip we take. */
export async function readEntries(zip: Buffer, limits: UnzipLimits = UNZIP_LIMITS): Promise<Outcome<{ zipfile: ZipFile; entries: Entry[] }>> {
  let zipfile: ZipFile;
  try {
    zipfile = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(zip, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (e, z) => (e || !z ? reject(e ?? new Error('no zip')) : resolve(z))),
    );
  } catch (e) {
    return fail('zip.invalid', `ZipFile is not a valid zip: ${(e as Error).message}`);
  }
  if (zipfile.entryCount > limits.maxEntries) {
    zipfile.close();
    return fail('zip.tooManyEntries', `The code package holds ${zipfile.entryCount} entries, over the ${limits.maxEntries} the local endpoint unpacks.`);
  }
  const entries: Entry[] = [];
  let declared = 0;
  const read = await new Promise<Outcome>((resolve) => {
    zipfile.on('entry', (entry: Entry) => {
      const bad = outside(entry.fileName);
      if (bad) return resolve(fail('zip.outside', `The zip entry "${entry.fileName}" points outside the code folder.`));
      declared += entry.uncompressedSize;
      if (declared > limits.maxBytes) return resolve(fail('zip.tooLarge', `The code package unpacks to more than ${MB(limits.maxBytes)} (its entries declare ${MB(declared)} so far): SCF's limit for code before compression.`));
      entries.push(entry);
      zipfile.readEntry();
    });
    zipfile.once('end', () => resolve(ok()));
    zipfile.once('error', (e: Error) => resolve(fail('zip.invalid', `ZipFile is not a valid zip: ${e.message}`)));
    zipfile.readEntry();
  });
  if (!read.ok) {
    zipfile.close();
    return read;
  }
  return ok({ zipfile, entries });
}

/**
 * Unpacks `zip` into `dest` (which must exist), keeping Unix file modes (scf_bootstrap stays
 * executable). On a failure `dest` holds part of the package: the caller removes it.
 */
export async function unpackZip(zip: Buffer, dest: string, limits: UnzipLimits = UNZIP_LIMITS): Promise<Outcome<Unpacked>> {
  const listed = await readEntries(zip, limits);
  if (!listed.ok) return listed;
  const { zipfile, entries } = listed.value;
  let written = 0;
  let files = 0;
  try {
    for (const entry of entries) {
      const target = join(dest, normalize(entry.fileName));
      if (entry.fileName.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
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
    }
  } catch (e) {
    if (e instanceof LimitError) return fail('zip.tooLarge', e.message);
    return fail('zip.invalid', `The code package could not be unpacked: ${(e as Error).message}`);
  } finally {
    zipfile.close();
  }
  return ok({ files, bytes: written });
}

class LimitError extends Error {}

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
