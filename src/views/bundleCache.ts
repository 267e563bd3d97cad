/**
 * Loads the editor's own bundles (dist/core.js, dist/deferred.js and the libraries they require from
 * dist/vendor/) with V8's code cache, in VS Code's extension host. VS Code gives extensions no code
 * cache, so every session compiles every bundle again on the editor's one thread, shared with every
 * other extension: yaml alone costs ~50 ms to compile there and ~4 ms with the data V8 produced last
 * time. src/codeCache.ts does the same for the toolkit's own processes by patching Node's module
 * loader; this one leaves the host's loader alone and loads only our files, as CommonJS modules of
 * their own (registered in Node's module cache under their path, so each loads once; `vscode` and
 * Node's built-ins are required through Node's `require` as usual, which VS Code's interceptor serves).
 *
 * The data of a bundle is kept under the extension's folder (a new version is a new folder), or the
 * extension's global storage when that folder is read-only, in a file named by the hash of the bundle's
 * text, V8's version and the architecture, with a checksum of its own: V8 checks only the source's
 * length and its own version, so a rebuilt bundle of the same length, or a truncated or corrupt file,
 * would otherwise be trusted. Whatever is wrong with a cache file (absent, stale, corrupt, rejected by
 * V8, unwritable folder) costs only a slower load: the bundle compiles as if there were no cache, and
 * its data is written again later (save()), once the functions the session ran have been compiled too.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Script } from 'node:vm';
import { replaceCacheFile, wrapAsModule } from '../util/v8CacheFile';

/** The private parts of Node's Module this uses (stable since Node 0.x; typed here, not in @types/node). */
interface NodeModuleInternals {
  new (id: string, parent?: NodeModule): NodeModule & { paths: string[]; loaded: boolean; filename: string };
  _cache: Record<string, NodeModule>;
  _nodeModulePaths(dir: string): string[];
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: { paths?: string[] }): string;
}
const NodeModule = Module as unknown as NodeModuleInternals;

const MAGIC = Buffer.from('SCFv8\n');
const DIGEST = 20; // sha1

export interface BundleCacheOptions {
  /** The folder of our bundles (dist/): only `.js` files under it are loaded here. */
  root: string;
  /** Where cache files may live, first writable one wins (read from all of them). */
  cacheDirs: string[];
  /** The module the loaded ones are children of (the extension's entry). */
  parent: NodeModule;
}

export interface BundleCache {
  /** Loads `file` (a path under `root`) as a CommonJS module, once, with V8's code cache. */
  load<T>(file: string): T;
  /**
   * Loads `file` and the bundles it requires, each in a task of its own, its dependencies first (the
   * language client's library is five bundles, too much for one task of the editor's thread).
   */
  loadInPieces<T>(file: string): Promise<T>;
  /** Writes the data of every bundle that had none (or a rejected one), each in a task of its own. */
  save(): Promise<void>;
  /** What happened to each bundle loaded so far: `cached` (data accepted), `compiled` (none or rejected). */
  report(): Array<{ file: string; cached: boolean }>;
}

export function createBundleCache(options: BundleCacheOptions): BundleCache {
  const root = options.root.endsWith(sep) ? options.root : `${options.root}${sep}`;
  const sub = `v8-${process.versions.v8}-${process.arch}`;
  const dirs = options.cacheDirs.map((d) => join(d, sub));
  const loaded: Array<{ file: string; script: Script; cacheName: string; cached: boolean; saved: boolean }> = [];

  const readData = (cacheName: string): Buffer | undefined => {
    for (const dir of dirs) {
      let data: Buffer;
      try {
        data = readFileSync(join(dir, cacheName));
      } catch {
        continue;
      }
      const head = MAGIC.length + DIGEST;
      if (data.length <= head || !data.subarray(0, MAGIC.length).equals(MAGIC)) continue;
      const payload = data.subarray(head);
      if (createHash('sha1').update(payload).digest().equals(data.subarray(MAGIC.length, head))) return payload;
    }
    return undefined;
  };

  const load = (file: string, parent: NodeModule, text?: string): unknown => {
    const existing = NodeModule._cache[file];
    if (existing) return existing.exports;
    const source = text ?? readFileSync(file, 'utf8');
    const hash = createHash('sha1').update(source).digest('hex').slice(0, 16);
    const cacheName = `${relative(root, file).replace(/[\\/]/g, '_')}.${hash}.bin`;
    const cachedData = readData(cacheName);
    const script = new Script(wrapAsModule(source), { filename: file, cachedData });
    const cached = cachedData !== undefined && !script.cachedDataRejected;
    loaded.push({ file, script, cacheName, cached, saved: cached });
    const m = new NodeModule(file, parent);
    m.filename = file;
    m.paths = NodeModule._nodeModulePaths(dirname(file));
    NodeModule._cache[file] = m;
    const dir = dirname(file);
    const requireFrom = Object.assign(
      (id: string): unknown => {
        if (id.startsWith('.')) {
          const target = resolve(dir, id);
          const js = target.endsWith('.js') ? target : `${target}.js`;
          if (js.startsWith(root) && !target.endsWith('.json')) return load(js, m);
        }
        return m.require(id);
      },
      {
        resolve: (request: string, o?: { paths?: string[] }) => NodeModule._resolveFilename(request, m, false, o),
        cache: NodeModule._cache,
        main: require.main,
      },
    );
    try {
      const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
      wrapper.call(m.exports, m.exports, requireFrom, m, file, dir);
    } catch (e) {
      delete NodeModule._cache[file];
      throw e;
    }
    m.loaded = true;
    return m.exports;
  };

  const writeData = (cacheName: string, data: Buffer): boolean => {
    const file = Buffer.concat([MAGIC, createHash('sha1').update(data).digest(), data]);
    for (const dir of dirs) {
      try {
        replaceCacheFile(dir, cacheName, file);
        return true;
      } catch {
        // read-only or full: the next folder
      }
    }
    return false;
  };

  const loadInPieces = async (file: string, parent: NodeModule, seen: Set<string>): Promise<unknown> => {
    if (seen.has(file) || NodeModule._cache[file]) return NodeModule._cache[file]?.exports;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Our bundles require each other as require("./x.js") (scripts/build.mjs writes them so).
    for (const m of source.matchAll(/require\("(\.\.?\/[^"]+\.js)"\)/g)) {
      const dep = resolve(dirname(file), m[1]!);
      if (dep.startsWith(root)) await loadInPieces(dep, parent, seen);
    }
    await new Promise((r) => setImmediate(r));
    return load(file, parent, source);
  };

  return {
    load: <T>(file: string) => load(resolve(file), options.parent) as T,
    loadInPieces: async <T>(file: string) => (await loadInPieces(resolve(file), options.parent, new Set())) as T,
    async save() {
      for (const entry of loaded) {
        if (entry.saved) continue;
        entry.saved = true;
        // One bundle per task: producing the data of a large one takes a few ms of the editor's thread.
        await new Promise((r) => setImmediate(r));
        if (!writeData(entry.cacheName, entry.script.createCachedData())) return;
      }
    },
    report: () => loaded.map(({ file, cached }) => ({ file: basename(file), cached })),
  };
}
