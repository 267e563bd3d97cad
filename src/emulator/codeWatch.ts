/**
 * The files an instance's code came from, with the modification stamp each had when it was loaded:
 * a changed, added-back or removed file means the instance runs old code and must be retired.
 */
import { join } from 'node:path';
import { keptGeneration, keptRootOf, keptSince, takeStamp, watchedStamp } from './stampWatch';
import { walkFolders } from '../util/walk';

const MAX_WATCHED_FILES = 2000;

export class CodeWatch {
  private readonly stamps = new Map<string, string>();
  /**
   * When every file's stamp was a kept one (stampWatch.ts) at the last check that went through them
   * all: that check's generation and the files' roots. Then, while the generation has not moved, each
   * file would answer the same kept stamp: a warm request costs the same for 400 loaded modules as for 1.
   */
  private allKept: { gen: number; roots: string[] } | undefined;

  add(files: Iterable<string>): void {
    for (const f of files) {
      if (!this.stamps.has(f)) {
        this.stamps.set(f, takeStamp(f));
        this.allKept = undefined;
      }
    }
  }

  /** Every file under the folder whose name matches (node_modules and dot-folders left out). */
  addScan(dir: string, pattern: RegExp): void {
    this.add(scanCode(dir, pattern));
  }

  unchanged(): boolean {
    if (this.allKept && keptSince(this.allKept.gen, this.allKept.roots)) return true;
    this.allKept = undefined;
    const gen = keptGeneration();
    const roots = new Set<string>();
    let allKept = true;
    // (a stat once per file in one run of this process, where the file is not watched: the instances
    // of one function loaded the same files)
    for (const [file, stamp] of this.stamps) {
      if (watchedStamp(file) !== stamp) return false;
      if (allKept) {
        const root = keptRootOf(file);
        if (root === undefined) allKept = false;
        else roots.add(root);
      }
    }
    // (nothing dropped while the files were asked for: a root's check may drop what is below it)
    if (allKept && keptGeneration() === gen) this.allKept = { gen, roots: [...roots] };
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
