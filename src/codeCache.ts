/**
 * V8's code cache for the toolkit's own bundles, in the processes the toolkit starts itself (the CLI,
 * the emulator host, the language server). Compiling the bundles is most of a cold start: yaml alone
 * costs ~20 ms of CPU to compile and ~2 ms when V8 is handed the code it compiled last time. Node 22
 * has module.enableCompileCache() for this; Node 20 does not, so this does what it does, for the files
 * of dist/ only: each is compiled with the cached data kept in the user's cache folder
 * ($XDG_CACHE_HOME or ~/.cache, scf-toolkit/v8/), and a file without usable data gets it written when
 * the process exits. V8 checks its own version and flags, but of the source only its length: data
 * compiled from another text of the same length is accepted and that other code runs (an updated
 * bundle, or another checkout's, whose chunk names differ only in their hash). So each cache file is
 * named by the bundle's path and a CRC-32 of its text (zlib.crc32, Node 20.15+: ~0.1 ms per bundle;
 * where it is missing, nothing is cached). Nothing here changes what runs; without a writable cache
 * folder, or with SCF_TOOLKIT_CODE_CACHE=0, the bundles compile as usual.
 *
 * Not used in VS Code's extension host, which is shared with other extensions (its module loader is
 * left alone).
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';
import * as zlib from 'node:zlib';
import { replaceCacheFile, wrapAsModule } from './util/v8CacheFile';

/** zlib.crc32 (Node 20.15+); undefined on an older Node, which then compiles without the cache. */
const crc32 = (zlib as { crc32?: (data: string) => number }).crc32;

interface CompilingModule {
  exports: unknown;
  filename: string;
  require(id: string): unknown;
}
type Compile = (this: CompilingModule, content: string, filename: string) => unknown;

let installed = false;

/** Compiles every .js file under `distDir` with V8's cached data (see above). */
export function installCodeCache(distDir: string): void {
  if (installed || process.env.SCF_TOOLKIT_CODE_CACHE === '0' || !crc32) return;
  const checksum = crc32;
  installed = true;
  const root = distDir.endsWith(sep) ? distDir : `${distDir}${sep}`;
  const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'scf-toolkit', 'v8', `${process.version}-${process.arch}`);
  const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const original = proto._compile;
  const toWrite: Array<{ script: Script; file: string }> = [];

  proto._compile = function (this: CompilingModule, content: string, filename: string): unknown {
    if (!filename.startsWith(root) || !filename.endsWith('.js')) return original.call(this, content, filename);
    // one cache file per bundle: its place in dist/, where that dist/ is, and what its text is
    const file = join(cacheDir, `${filename.slice(root.length).replace(/[\\/]/g, '_')}.${hex(checksum(root))}.${hex(checksum(content))}${content.length}.bin`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    let script: Script;
    try {
      script = new Script(wrapAsModule(content), { filename, cachedData });
    } catch {
      return original.call(this, content, filename); // let Node report a syntax error its own way
    }
    if (!cachedData || script.cachedDataRejected) toWrite.push({ script, file });
    const module = this;
    const moduleRequire = Object.assign((id: string) => module.require(id), {
      resolve: (request: string, options?: { paths?: string[] }) =>
        (Module as unknown as { _resolveFilename(r: string, parent: unknown, isMain: boolean, o?: unknown): string })._resolveFilename(request, module, false, options),
      main: process.mainModule,
      cache: (Module as unknown as { _cache: unknown })._cache,
    });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(module.exports, module.exports, moduleRequire, module, filename, dirname(filename));
  };

  // Written at exit, so the data holds the functions this run compiled lazily, not only the top level.
  process.once('exit', () => {
    for (const { script, file } of toWrite) {
      try {
        replaceCacheFile(cacheDir, basename(file), script.createCachedData());
      } catch {
        return; // a read-only home or a full disk: next time compiles as usual
      }
    }
  });
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
