/**
 * Finds serverless.yml / serverless.yaml files, and TCSAM template.yaml files of the older SCF CLI
 * (only those whose text is a TCSAM template), under a workspace folder (no vscode import:
 * tested in plain Node). Skips node_modules, .git and .scf, and honours VS Code's `files.exclude`
 * patterns, including `{ "when": "$(basename).ts" }` sibling conditions.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { SERVERLESS_FILE_NAMES } from '../model/types';
import { isTcsamText, TCSAM_FILE_NAMES } from '../model/tcsamDetect';

export type ExcludeSetting = Record<string, boolean | { when: string }>;

export interface DiscoveryOptions {
  /** The `files.exclude` setting as VS Code returns it. */
  exclude?: ExcludeSetting;
  /** How deep to look under the folder; default 12. */
  maxDepth?: number;
}

const ALWAYS_SKIPPED = new Set(['node_modules', '.git', '.scf', '.svn', '.hg']);

export async function findServerlessFiles(folder: string, options: DiscoveryOptions = {}): Promise<string[]> {
  const isExcluded = excludeMatcher(options.exclude ?? {});
  const maxDepth = options.maxDepth ?? 12;
  const found: string[] = [];
  const templates: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const siblings = new Set(entries.map((e) => e.name));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const rel = relative(folder, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (ALWAYS_SKIPPED.has(entry.name) || depth >= maxDepth || isExcluded(rel, siblings)) continue;
        subdirs.push(path);
      } else if (entry.isFile() && (SERVERLESS_FILE_NAMES as readonly string[]).includes(entry.name) && !isExcluded(rel, siblings)) {
        found.push(path);
      } else if (entry.isFile() && (TCSAM_FILE_NAMES as readonly string[]).includes(entry.name) && !isExcluded(rel, siblings)) {
        templates.push(path);
      }
    }
    await Promise.all(subdirs.map((d) => walk(d, depth + 1)));
  };
  await walk(folder, 0);
  // A template.yaml is ours only when it is a TCSAM template (AWS SAM and others use the name too).
  for (const t of templates) if (await isTcsamFile(t)) found.push(t);
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
