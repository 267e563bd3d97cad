/** What the CLI's tests of records kept between invokes share: a project folder, a file edited in place. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A project folder holding `files` (relative path -> text), and a cache folder (XDG_CACHE_HOME) of its own. */
export function project(files: Record<string, string>, prefix = 'scf-cli-'): { dir: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, cache: mkdtempSync(join(tmpdir(), `${prefix}cache-`)) };
}

/** Rewrites a file with text of the same length and its old times, in place: its stamp (mtime, size, inode) stays. */
export function rewriteKeepingStamp(file: string, text: string): void {
  const before = statSync(file);
  assert.equal(Buffer.byteLength(text), before.size, 'the test needs text of the same length');
  // touch -r copies the times to the nanosecond (utimesSync's numbers lose the last digits)
  const reference = `${file}.times`;
  assert.equal(spawnSync('touch', ['-r', file, reference]).status, 0);
  writeFileSync(file, text);
  assert.equal(spawnSync('touch', ['-r', reference, file]).status, 0);
  rmSync(reference);
  const after = statSync(file);
  assert.deepEqual([after.mtimeMs, after.size, after.ino], [before.mtimeMs, before.size, before.ino]);
}
