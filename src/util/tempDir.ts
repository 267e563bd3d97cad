/**
 * The toolkit's own temporary folders (a deploy's code zip, the mapped or generated scf_bootstrap of
 * a web function or Custom Runtime instance), in the system's temporary folder as
 * `scf-<kind>-<pid>-XXXXXX`. Whoever makes one removes it when done (removeTempDir); whatever is left
 * is removed when the process exits ('exit': a normal end, process.exit(), an uncaught exception).
 * A process killed outright (SIGKILL, or a signal it has no handler for) cannot: the next process
 * that makes a folder here removes those of processes that have gone, as stale cgroups are
 * (sandbox.ts), once per process, off the thread (the temporary folder can hold many entries).
 * On Linux the name carries the process's PID namespace (`scf-<kind>-<pid>-n<inode>-XXXXXX`): a pid
 * means nothing in another namespace, so containers sharing one /tmp leave each other's folders alone.
 */
import { mkdtempSync, readdir, readlinkSync, rm, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../emulator/processTable';

export type TempDirKind = 'package' | 'web' | 'custom';

const live = new Set<string>();
let namespaceTag: string | undefined;

/** `n<inode>` of this process's PID namespace, '' where there is none to read (not Linux). */
function pidNamespaceTag(): string {
  if (namespaceTag === undefined) {
    try {
      namespaceTag = `n${/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? ''}`;
      if (namespaceTag === 'n') namespaceTag = '';
    } catch {
      namespaceTag = '';
    }
  }
  return namespaceTag;
}
let hooked = false;
let swept = false;

/** Makes a new temporary folder of this process (mode 0700, as mkdtemp makes it). */
export function makeTempDir(kind: TempDirKind): string {
  const tag = pidNamespaceTag();
  const dir = mkdtempSync(join(tmpdir(), `scf-${kind}-${process.pid}-${tag ? `${tag}-` : ''}`));
  live.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
  if (!swept) {
    swept = true;
    removeStaleTempDirs(tmpdir());
  }
  return dir;
}

/** Removes a folder made by makeTempDir, with what it holds. */
export function removeTempDir(dir: string): void {
  live.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

const STALE = /^scf-(?:package|web|custom)-(\d+)-(?:(n\d+)-)?[A-Za-z0-9]{6}$/;

/**
 * Removes the folders of processes that have gone from `parent`. A pid that is alive again (reused)
 * keeps its folders until that process has gone too; a folder named for another PID namespace is
 * not ours to judge and stays. `done` is called once it has finished (tests).
 */
export function removeStaleTempDirs(parent: string, done?: () => void): void {
  readdir(parent, (error, names) => {
    const stale = error ? [] : names.filter((n) => {
      const m = STALE.exec(n);
      if (m === null || (m[2] !== undefined && m[2] !== pidNamespaceTag())) return false;
      return Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]));
    });
    let left = stale.length;
    if (left === 0) return done?.();
    for (const name of stale) rm(join(parent, name), { recursive: true, force: true }, () => --left === 0 && done?.());
  });
}
