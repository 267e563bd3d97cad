/**
 * Finds serverless.yml / serverless.yaml files, and TCSAM template.yaml files of the older SCF CLI
 * (only those whose text is a TCSAM template), under a workspace folder, and the test events beside
 * them (plain Node: used by the Functions view and by the language server's workspace-wide checks). Skips node_modules, .git and .scf, and honours VS Code's `files.exclude`
 * patterns, including `{ "when": "$(basename).ts" }` sibling conditions.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { walkFoldersAsync } from '../util/walk';
import { basename, dirname, join, relative, sep } from 'node:path';
import { SERVERLESS_FILE_NAMES } from './types';
import { isTcsamText, TCSAM_FILE_NAMES } from './tcsamDetect';

export type ExcludeSetting = Record<string, boolean | { when: string }>;

export interface DiscoveryOptions {
  /** The `files.exclude` setting as VS Code returns it. */
  exclude?: ExcludeSetting;
  /** How deep to look under the folder; default 12. */
  maxDepth?: number;
}

export async function findServerlessFiles(folder: string, options: DiscoveryOptions = {}): Promise<string[]> {
  const isExcluded = excludeMatcher(options.exclude ?? {});
  const maxDepth = options.maxDepth ?? 12;
  const found: string[] = [];
  const templates: string[] = [];
  const relOf = (path: string) => relative(folder, path).split(sep).join('/');
  const namesOf = (entries: readonly Dirent[]) => new Set(entries.map((e) => e.name));
  const enter = (path: string, _entry: Dirent, siblings: readonly Dirent[]) => !isExcluded(relOf(path), namesOf(siblings));
  await walkFoldersAsync(folder, { maxDepth, enter }, (dir, entries) => {
    const siblings = namesOf(entries);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = join(dir, entry.name);
      const into = (SERVERLESS_FILE_NAMES as readonly string[]).includes(entry.name) ? found : (TCSAM_FILE_NAMES as readonly string[]).includes(entry.name) ? templates : undefined;
      if (into && !isExcluded(relOf(path), siblings)) into.push(path);
    }
  });
  // A template.yaml is ours only when it is a TCSAM template (AWS SAM and others use the name too).
  for (const t of templates) if (await isTcsamFile(t)) found.push(t);
  return found.sort();
}

/**
 * The test-event files beside function files: `.scf/events/<function>/<name>.json` in each of their
 * folders (not the `<name>.expect.json` expectations), sorted.
 */
export async function findEventFiles(functionFiles: readonly string[]): Promise<string[]> {
  const roots = [...new Set(functionFiles.map((f) => join(dirname(f), '.scf', 'events')))];
  const found: string[] = [];
  await Promise.all(
    roots.map(async (root) => {
      let functions;
      try {
        functions = await readdir(root, { withFileTypes: true });
      } catch {
        return;
      }
      for (const fn of functions) {
        if (!fn.isDirectory()) continue;
        let names: string[];
        try {
          names = await readdir(join(root, fn.name));
        } catch {
          continue;
        }
        for (const n of names) if (/\.json$/i.test(n) && !/\.expect\.json$/i.test(n)) found.push(join(root, fn.name, n));
      }
    }),
  );
  return found.sort();
}

/** A path (relative to the folder, `/`-separated) -> whether `files.exclude` hides it. */
export function excludeMatcher(exclude: ExcludeSetting): (relPath: string, siblings?: ReadonlySet<string>) => boolean {
  // Loaded when first needed, not while the extension activates.
  const picomatch = require('picomatch') as typeof import('picomatch');
  const rules = Object.entries(exclude)
    .filter(([, v]) => v !== false)
    .map(([pattern, v]) => ({
      // VS Code's globs match a folder's path or any path inside it; `dot` because `**/.git` must match.
      match: picomatch(pattern.replace(/\/$/, ''), { dot: true }),
      when: typeof v === 'object' && v !== null ? v.when : undefined,
    }));
  return (relPath, siblings) =>
    rules.some((r) => {
      if (!r.match(relPath)) return false;
      if (r.when === undefined) return true;
      // `$(basename)` is the file name without its extension; the rule applies when that sibling exists.
      const name = basename(relPath);
      const dot = name.lastIndexOf('.');
      const sibling = r.when.replace(/\$\(basename\)/g, dot > 0 ? name.slice(0, dot) : name);
      return siblings?.has(sibling) ?? false;
    });
}

export async function isTcsamFile(path: string): Promise<boolean> {
  try {
    return isTcsamText(await readFile(path, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether a path names a template.yaml/.yml outside node_modules (a TCSAM template, if its text says so). */
export function isTemplatePath(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return (TCSAM_FILE_NAMES as readonly string[]).includes(parts[parts.length - 1]!) && !parts.includes('node_modules') && !parts.includes('.scf');
}

/** Whether a path (absolute or relative) names a serverless.yml/.yaml outside node_modules. */
export function isServerlessPath(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return (SERVERLESS_FILE_NAMES as readonly string[]).includes(parts[parts.length - 1]!) && !parts.includes('node_modules');
}

/** What a changed path is to SCF Toolkit (the editor's one file watcher sorts its events with this). */
export type WorkspaceFileKind = 'serverless' | 'template' | 'events' | 'dependency' | 'other';

export function workspaceFileKind(path: string): WorkspaceFileKind {
  const parts = path.split(/[\\/]/);
  if (parts.includes('node_modules') || parts.includes('.git')) return 'dependency';
  const scf = parts.lastIndexOf('.scf');
  if (scf >= 0) return parts[scf + 1] === 'events' ? 'events' : 'dependency';
  const name = parts[parts.length - 1]!;
  if ((SERVERLESS_FILE_NAMES as readonly string[]).includes(name)) return 'serverless';
  if ((TCSAM_FILE_NAMES as readonly string[]).includes(name)) return 'template';
  return 'other';
}
