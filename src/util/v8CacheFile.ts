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
  const bundle = name.replace(/[0-9a-f]+\.bin$/, '');
  for (const old of readdirSync(dir)) if (old !== name && old.startsWith(bundle) && /^[0-9a-f]+\.bin$/.test(old.slice(bundle.length))) rmSync(join(dir, old), { force: true });
}
