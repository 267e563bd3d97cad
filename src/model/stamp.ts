/**
 * A cheap answer to "has this path changed since I read it?": its modification time, size and inode
 * (an atomic save replaces the inode), or `absent`. One stat, never the file's content.
 */
import { statSync } from 'node:fs';

export function pathStamp(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false, bigint: false });
  return st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'absent';
}
