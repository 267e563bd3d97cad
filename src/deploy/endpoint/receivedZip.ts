/**
 * A code package as an action receives it: a file (spooled from the request body by uploadBody.ts, or
 * written from a base64 string given directly), checked before the action answers: at most 50 MB, a
 * zip, no entry outside the code folder, within the unpacked-size and entry limits (its central
 * directory is read, nothing is inflated: a 4 MB zip declaring 4 GiB is refused here, before a byte is
 * written). The action then moves the file into place; it is never loaded whole.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../api/apiErrors';
import { MAX_PACKAGE_BYTES } from '../package';
import { sha256Hex } from '../zip';
import { checkEntries, type UnzipLimits } from './unzip';
import type { SpooledZip } from './uploadBody';

export interface ReceivedZip {
  file: string;
  bytes: number;
  sha256: string;
}

const MB = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/**
 * The zip a `ZipFile` parameter stands for: a token from the request's spooled zips, or base64 itself.
 * Throws the API's InvalidParameterValue.ZipFile with the reason.
 */
export async function receiveZip(value: string, limits: UnzipLimits, spoolDir: string, spooled?: ReadonlyMap<string, SpooledZip>): Promise<ReceivedZip> {
  const zip = spooled?.get(value) ?? writeBase64(value, spoolDir);
  if (zip.invalid) throw new ApiError('InvalidParameterValue.ZipFile', zip.invalid);
  if (zip.tooLarge || zip.bytes > MAX_PACKAGE_BYTES) throw new ApiError('InvalidParameterValue.ZipFile', `The code package is ${MB(zip.bytes)}, over the 50 MB limit.`);
  const listed = await checkEntries(zip.file, { maxBytes: Infinity, maxEntries: limits.maxEntries });
  if (!listed.ok) {
    rmSync(zip.file, { force: true });
    throw new ApiError('InvalidParameterValue.ZipFile', listed.error.message);
  }
  const declared = listed.value.declared;
  if (declared > limits.maxBytes) {
    rmSync(zip.file, { force: true });
    throw new ApiError('InvalidParameterValue.ZipFile', `The code package unpacks to ${MB(declared)}, over SCF's ${(limits.maxBytes / 1048576).toFixed(0)} MB limit for code before compression.`);
  }
  return { file: zip.file, bytes: zip.bytes, sha256: zip.sha256 };
}

/** A base64 ZipFile that did not come through uploadBody.ts (an action called directly). */
function writeBase64(b64: string, spoolDir: string): SpooledZip {
  const file = join(spoolDir, `upload-${randomBytes(8).toString('hex')}.zip`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) ) return { file, bytes: 0, sha256: '', invalid: 'ZipFile is not base64.' };
  const zip = Buffer.from(b64, 'base64');
  if (zip.length > MAX_PACKAGE_BYTES) return { file, bytes: zip.length, sha256: '', tooLarge: true };
  mkdirSync(spoolDir, { recursive: true });
  writeFileSync(file, zip, { mode: 0o600 });
  return { file, bytes: zip.length, sha256: sha256Hex(zip) };
}
