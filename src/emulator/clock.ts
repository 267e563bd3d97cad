/**
 * Small things every invocation needs, without what loading them costs a cold start: the `performance`
 * global loads perf_hooks (~5 ms of CPU) on first use and node:crypto loads all of Node's crypto
 * (~10 ms) when required, before the runtime process can be started. A CLI invoke needs neither
 * before then.
 */

import { closeSync, openSync, readSync } from 'node:fs';

/** Milliseconds, monotonic, fractional (as performance.now()). */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let uuid: (() => string) | undefined;

/** Random bytes read from the kernel ahead, 16 per request id (256 ids per read). */
let pool: Buffer | undefined;
let used = 0;
const POOL_BYTES = 4096;

/**
 * 16 random bytes from /dev/urandom (POSIX), read in pools of 4 KB: what randomUUID draws from too,
 * without loading node:crypto, whose first require (OpenSSL's start-up) was ~10 ms of a CLI invoke's
 * path, now that the runtime is started ahead and no longer overlaps it. Undefined where there is no
 * /dev/urandom to read (Windows, a sandbox without /dev).
 */
function urandom16(): Buffer | undefined {
  if (process.platform === 'win32') return undefined;
  if (!pool || used + 16 > pool.length) {
    let fd: number | undefined;
    try {
      fd = openSync('/dev/urandom', 'r');
      const fresh = Buffer.allocUnsafe(POOL_BYTES);
      if (readSync(fd, fresh, 0, POOL_BYTES, null) !== POOL_BYTES) return undefined;
      pool = fresh;
      used = 0;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  const bytes = pool.subarray(used, used + 16);
  used += 16;
  return bytes;
}

/** A new SCF request id: a random (version 4) UUID. */
export function newRequestId(): string {
  const b = urandom16();
  if (!b) {
    uuid ??= (require('node:crypto') as typeof import('node:crypto')).randomUUID;
    return uuid();
  }
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
