/**
 * What it costs a process to learn about this machine (which locales are installed, the version of
 * an interpreter whose path does not tell it), kept across processes: every CLI invoke is a new
 * process, and spawning `locale -a` or `python -c ...` on each would cost a cold start 5-30 ms.
 * Each answer is stored with a stamp of the paths it depends on (model/stamp.ts: modification time,
 * size, inode) and worked out again when one of them changes, so installing a locale or upgrading an
 * interpreter is seen at once. The file is $XDG_CACHE_HOME (or ~/.cache)/scf-toolkit/probes.json;
 * without a writable cache folder, answers are kept for this process only.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { toolkitCachePath } from '../util/cachePath';
import { dirname } from 'node:path';
import { pathStamp } from '../model/stamp';

interface Entry {
  stamps: Record<string, string>;
  value: unknown;
}

let entries: Record<string, Entry> | undefined;

function cacheFile(): string {
  return toolkitCachePath('probes.json');
}

function load(): Record<string, Entry> {
  if (!entries) {
    try {
      entries = JSON.parse(readFileSync(cacheFile(), 'utf8')) as Record<string, Entry>;
    } catch {
      entries = {};
    }
  }
  return entries;
}

function save(): void {
  const file = cacheFile();
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entries));
    renameSync(tmp, file);
  } catch {
    // read-only home: this process keeps its answers in memory
  }
}

/**
 * Drops the answers that depend on a path that has gone since they were stored (a test's temporary
 * interpreter, bootstrap or PATH folder, an uninstalled Python): a changed stamp means the answer is
 * worked out again anyway, so it can never be reused, and the file would otherwise only grow. A path
 * that was already absent when the answer was stored (a locale archive a system does not have) does
 * not count. Runs only when an answer is stored, which is rare (a miss): one stat per path stored.
 */
function forgetVanished(all: Record<string, Entry>, keep: string): void {
  for (const [key, entry] of Object.entries(all)) {
    if (key === keep) continue;
    const present = Object.entries(entry.stamps).filter(([, stamp]) => stamp !== 'absent');
    if (present.some(([path]) => pathStamp(path) === 'absent')) delete all[key];
  }
}

/**
 * `compute()`'s answer for `key`, reused while none of `dependsOn` has changed and `valid()` accepts it
 * (JSON values only; compute gets the answer it replaces, if any); not kept when `keep()` says no (an
 * answer that a passing condition decided, such as a time-out).
 */
export function probe<T>(
  key: string,
  dependsOn: string[],
  compute: (previous: T | undefined) => T,
  keep: () => boolean = () => true,
  valid: (value: T) => boolean = () => true,
): T {
  const all = load();
  const stamps = Object.fromEntries(dependsOn.map((p) => [p, pathStamp(p)]));
  const hit = all[key];
  if (hit && dependsOn.every((p) => hit.stamps[p] === stamps[p]) && valid(hit.value as T)) return hit.value as T;
  const value = compute(hit?.value as T | undefined);
  if (!keep()) return value;
  // another process may have written meanwhile: merge into what is on disk now
  entries = undefined;
  const fresh = load();
  fresh[key] = { stamps, value };
  forgetVanished(fresh, key);
  save();
  return value;
}
