/**
 * A cheap answer to "has this path changed since I read it?": its modification time, size and inode
 * (an atomic save replaces the inode), or `absent`. One stat, never the file's content.
 */
import { statSync } from 'node:fs';

export function pathStamp(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false, bigint: false });
  return st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'absent';
}

/**
 * pathStamp, taken once per path in one synchronous run of this process (until its next microtask
 * checkpoint): the invocations that arrive together (the host's messages of one read, handled in one
 * synchronous run) check the same files once, not once each. Nothing in that run
 * writes them; a change made meanwhile by another process is indistinguishable from one made a
 * microsecond later, which the next run sees. For checks only, never to stamp a file just written.
 */
export function pathStampThisRun(path: string): string {
  return memoThisRun(pathStamps, path, pathStamp);
}

const pathStamps = new Map<string, string>();
const memos: Array<Map<string, string>> = [];
let clearQueued = false;

/** `stamp(path)`, remembered in `memo` until the next microtask checkpoint. */
export function memoThisRun(memo: Map<string, string>, path: string, stamp: (path: string) => string): string {
  let s = memo.get(path);
  if (s !== undefined) return s;
  s = stamp(path);
  memo.set(path, s);
  if (!memos.includes(memo)) memos.push(memo);
  if (!clearQueued) {
    clearQueued = true;
    queueMicrotask(clearMemos);
  }
  return s;
}

function clearMemos(): void {
  clearQueued = false;
  for (const m of memos) m.clear();
}
