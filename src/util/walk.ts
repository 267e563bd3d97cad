/**
 * The one folder walker for searches of a workspace or a code folder (function files, an app's
 * serverless.yml files, test targets, the files a warm instance watches). Each caller gives its skip
 * list and bounds; the default skip list is shared. Packaging walks by SCF's packaging rules instead
 * (deploy/collect.ts: symlinks, .scfignore, include/exclude globs), not with this.
 *
 * A folder that cannot be read is passed over (a search never fails on one unreadable folder).
 */
import type { Dirent } from 'node:fs';
// fs.promises is read where it is used: Node loads node:fs/promises (and readline with it) on first
// use, and most programs that load this module (validate) never walk asynchronously.
import { promises as fsp, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Folders no search goes into: dependencies, version control data, our own state (.scf). */
export const DEFAULT_SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', '.scf', '.svn', '.hg']);

export interface WalkOptions {
  /** Folder names never entered (default DEFAULT_SKIPPED_DIRS). */
  skip?: ReadonlySet<string>;
  /** Whether to enter a folder the skip list lets through (e.g. files.exclude, dot-folders). */
  enter?: (path: string, entry: Dirent, siblings: readonly Dirent[]) => boolean;
  /** How many levels below the root are visited (the root is level 0); default no limit. */
  maxDepth?: number;
  /** How many folders may be read, shared between walks that pass the same object. */
  budget?: { dirs: number };
}

/**
 * What the visitor is given: a folder, its entries and its level. Returning `'stop'` ends the walk
 * (a limit reached).
 */
export type Visit = (dir: string, entries: readonly Dirent[], depth: number) => void | 'stop';

/** Walks depth-first: a folder is visited, then its subfolders in the order read. */
export function walkFolders(root: string, options: WalkOptions, visit: Visit): void {
  const step = (dir: string, depth: number): boolean => {
    if (options.budget && options.budget.dirs-- <= 0) return false;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return true;
    }
    if (visit(dir, entries, depth) === 'stop') return false;
    for (const sub of subfolders(dir, entries, depth, options)) if (!step(sub, depth + 1)) return false;
    return true;
  };
  step(root, 0);
}

/** walkFolders without blocking: the subfolders of a folder are read in parallel. */
export async function walkFoldersAsync(root: string, options: WalkOptions, visit: Visit): Promise<void> {
  let stopped = false;
  const step = async (dir: string, depth: number): Promise<void> => {
    if (stopped || (options.budget && options.budget.dirs-- <= 0)) return;
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (stopped) return;
    if (visit(dir, entries, depth) === 'stop') {
      stopped = true;
      return;
    }
    await Promise.all(subfolders(dir, entries, depth, options).map((sub) => step(sub, depth + 1)));
  };
  await step(root, 0);
}

function subfolders(dir: string, entries: readonly Dirent[], depth: number, options: WalkOptions): string[] {
  if (options.maxDepth !== undefined && depth >= options.maxDepth) return [];
  const skip = options.skip ?? DEFAULT_SKIPPED_DIRS;
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || skip.has(e.name)) continue;
    const path = join(dir, e.name);
    if (options.enter && !options.enter(path, e, entries)) continue;
    out.push(path);
  }
  return out;
}
