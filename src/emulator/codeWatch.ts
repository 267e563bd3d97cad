/**
 * The files an instance's code came from, with the modification stamp each had when it was loaded:
 * a changed, added-back or removed file means the instance runs old code and must be retired.
 */
import { join } from 'node:path';
import { takeStamp, watchedStamp } from './stampWatch';
import { walkFolders } from '../util/walk';

const MAX_WATCHED_FILES = 2000;

export class CodeWatch {
  private readonly stamps = new Map<string, string>();

  add(files: Iterable<string>): void {
    for (const f of files) if (!this.stamps.has(f)) this.stamps.set(f, takeStamp(f));
  }

  /** Every file under the folder whose name matches (node_modules and dot-folders left out). */
  addScan(dir: string, pattern: RegExp): void {
    this.add(scanCode(dir, pattern));
  }

  unchanged(): boolean {
    // (a stat once per file in one run of this process, where the file is not watched: the instances
    // of one function loaded the same files)
    for (const [file, stamp] of this.stamps) if (watchedStamp(file) !== stamp) return false;
    return true;
  }
}

export function scanCode(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  // Dot-folders and dot-files (.git, .scf, .venv, .env ...) are not code the handler loads.
  walkFolders(dir, { enter: (_path, e) => !e.name.startsWith('.') }, (d, entries) => {
    for (const e of entries) {
      if (out.length >= MAX_WATCHED_FILES) return 'stop';
      if (!e.isDirectory() && !e.name.startsWith('.') && pattern.test(e.name)) out.push(join(d, e.name));
    }
    return undefined;
  });
  return out;
}
