/**
 * The one way SCF Toolkit replaces a file whole (the local endpoint's function.json, the async queue's
 * compacted journal): write a temporary file beside it under a name no other writer uses (pid and
 * random bytes: two processes or two calls never share it), flush it to disk (fsync), rename it over
 * the target, and flush the folder so the rename itself is on disk. A reader sees the old file or the
 * new one, never half of either, even after a crash of the process, the OS or the power.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncFolder(dirname(path));
}

/** Flushes a folder's entries (a rename or a new file in it) to disk; a no-op where folders cannot be opened (Windows). */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* Windows cannot fsync a folder; NTFS journals the rename itself */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
