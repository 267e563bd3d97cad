/**
 * Deterministic zips with adm-zip: entries sorted by path, one fixed timestamp, Unix "version made
 * by" and the files' permission bits in the external attributes. The same files give the same bytes,
 * so the same CodeSha256, and an unchanged package need not be uploaded again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import AdmZip from 'adm-zip';
import type { CollectedFile } from './collect';

/** 1980-01-01 00:00:00, the DOS epoch. Built from local fields because DOS times are local. */
const FIXED_TIME = () => new Date(1980, 0, 1, 0, 0, 0);
/** Version made by: 2.0, host system 3 (Unix), so readers honour the mode bits. */
const MADE_BY_UNIX = (3 << 8) | 20;

function add(zip: AdmZip, f: CollectedFile, data: Buffer): void {
  const entry = zip.addFile(f.path, data, '', f.mode);
  entry.header.made = MADE_BY_UNIX;
  entry.header.time = FIXED_TIME();
}

export function buildZip(files: readonly CollectedFile[]): Buffer {
  const zip = new AdmZip();
  for (const f of files) add(zip, f, f.content ?? readFileSync(f.source));
  return zip.toBuffer();
}

/** The same bytes as buildZip, reading and compressing without blocking (for the editor's process). */
export async function buildZipAsync(files: readonly CollectedFile[]): Promise<Buffer> {
  const zip = new AdmZip();
  for (const f of files) add(zip, f, f.content ?? (await readFile(f.source)));
  return zip.toBufferPromise();
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
