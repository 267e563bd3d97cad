/**
 * A /proc or cgroup file read (or written) again and again, through a descriptor kept open: each read
 * is one pread(2) at offset 0, which makes the kernel render the file afresh, instead of open, read
 * and close. A descriptor of /proc/PID/... keeps naming that process: once it has gone, reads fail
 * (they never reach a process that got its pid since). Linux only; anything that fails reads as
 * undefined, and the caller falls back to its path-based reading.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const SIZE = 4096;
let shared: Buffer | undefined;

export class ProcFile {
  private fd: number | undefined;
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly mode: 'r' | 'w',
  ) {}

  private open(): number | undefined {
    if (this.fd !== undefined || this.failed) return this.fd;
    try {
      this.fd = openSync(this.path, this.mode);
    } catch {
      this.failed = true;
    }
    return this.fd;
  }

  /** The file's text now (its first 4 KB: /proc/PID/status is ~1.5 KB), or undefined. */
  read(): string | undefined {
    const fd = this.open();
    if (fd === undefined) return undefined;
    try {
      shared ??= Buffer.allocUnsafe(SIZE);
      const n = readSync(fd, shared, 0, SIZE, 0);
      return shared.toString('latin1', 0, n);
    } catch {
      this.close();
      this.failed = true;
      return undefined;
    }
  }

  /** Writes `text` at offset 0; false when it could not. */
  write(text: string): boolean {
    const fd = this.open();
    if (fd === undefined) return false;
    try {
      writeSync(fd, text, 0, 'latin1');
      return true;
    } catch {
      this.close();
      this.failed = true;
      return false;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = undefined;
  }
}
