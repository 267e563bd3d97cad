/**
 * What the two V8 code caches share: src/codeCache.ts (the toolkit's own processes, through Node's
 * module loader) and src/views/bundleCache.ts (the editor's bundles in VS Code's extension host, which
 * leaves that host's loader alone). Their cache files are named `<bundle>.<key>.bin`, the key telling
 * one build's text from another's (V8 checks only the source's length). No crypto and no fsync here:
 * the CLI writes its cache as it exits, and a cache file lost in a crash only means a slower start.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
export function replaceCacheFile(dir: string, name: string, data: Buffer): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(dir, name));
  for (const old of otherBuilds(name, readdirSync(dir))) rmSync(join(dir, old), { force: true });
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
