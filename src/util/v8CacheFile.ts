/**
 * What the two V8 code caches share: src/codeCache.ts (the toolkit's own processes, through Node's
 * module loader) and src/views/bundleCache.ts (the editor's bundles in VS Code's extension host, which
 * leaves that host's loader alone). Their cache files are named `<bundle>.<key>.bin`, the key telling
 * one build's text from another's (V8 checks only the source's length). No crypto and no fsync here:
 * the CLI writes its cache as it exits, and a cache file lost in a crash only means a slower start.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Node's own CommonJS wrapper, on the first line so stack traces keep the file's line numbers; a #! line goes. */
export function wrapAsModule(content: string): string {
  const body = content.startsWith('#!') ? `//${content}` : content;
  return `(function (exports, require, module, __filename, __dirname) { ${body}\n});`;
}

/**
 * Writes `data` as `dir/name` (`<bundle>.<key>.bin`) through a temporary file and a rename, so another
 * process never reads half of it, and removes the data of the same bundle's other builds (same
 * `<bundle>.`, another key). Throws what the file system throws (read-only, full): the caller moves on.
 */
export function replaceCacheFile(dir: string, name: string, data: Buffer, files?: string[]): void {
  if (!files) mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(dir, name));
  for (const old of otherBuilds(name, files ?? readdirSync(dir))) rmSync(join(dir, old), { force: true });
}

/**
 * The cache files of src/codeCache.ts (`<bundle>.<tag>.<folder>.<length>.bin`, `<folder>` the hash of
 * the dist/ folder's path) whose bundle is gone: of `root` (this process's dist/ folder, hash
 * `rootHash`), each whose bundle is no longer in it (a rebuild names its chunks anew, and
 * replaceCacheFile only replaces a bundle of the same name); of another folder, all of them once that
 * folder has gone (a checkout or a copy removed). Each folder's path is kept in `<folder>.root`, written
 * here. Removes them and returns their names. `files` is the folder's listing, read once by the caller.
 */
export function pruneCacheFiles(dir: string, files: string[], root: string, rootHash: string): string[] {
  const record = `${rootHash}.root`;
  if (!files.includes(record)) writeFileSync(join(dir, record), root);
  const bundles = new Set<string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(folder, entry.name));
      else if (entry.name.endsWith('.js')) bundles.add(relative(root, join(folder, entry.name)).replace(/[\\/]/g, '_'));
    }
  };
  walk(root);
  const gone = new Map<string, boolean>();
  const folderGone = (hash: string): boolean => {
    let g = gone.get(hash);
    if (g === undefined) {
      let path: string | undefined;
      try {
        path = readFileSync(join(dir, `${hash}.root`), 'utf8');
      } catch {
        /* written before folders were recorded: left alone */
      }
      g = path !== undefined && !existsSync(path);
      gone.set(hash, g);
    }
    return g;
  };
  const removed: string[] = [];
  for (const name of files) {
    const m = /^(.+?\.js)\.[a-z0-9-]+\.([0-9a-f]{8})\.\d+\.bin$/.exec(name);
    const stale = m ? (m[2] === rootHash ? !bundles.has(m[1]!) : folderGone(m[2]!)) : /^[0-9a-f]{8}\.root$/.test(name) && name !== record && folderGone(name.slice(0, 8));
    if (!stale) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * The same through the thread pool, for the editor's thread (src/views/bundleCache.ts): there the
 * file system's calls for a hundred cache files would otherwise run on the thread VS Code shares with
 * every extension. Rejects with what the file system throws.
 */
export async function replaceCacheFileAsync(dir: string, name: string, data: Buffer): Promise<void> {
  // Required here, not where this file loads: the CLI's processes load this file and never write this way.
  const { mkdir, readdir, rename, rm, writeFile } = require('node:fs/promises') as typeof import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  await writeFile(tmp, data);
  await rename(tmp, join(dir, name));
  for (const old of otherBuilds(name, await readdir(dir))) await rm(join(dir, old), { force: true });
}

/** The files of `files` that hold the data of the same bundle as `name` from another build. */
function otherBuilds(name: string, files: string[]): string[] {
  const bundle = name.replace(/[0-9a-f]+\.bin$/, '');
  return files.filter((old) => old !== name && old.startsWith(bundle) && /^[0-9a-f]+\.bin$/.test(old.slice(bundle.length)));
}
