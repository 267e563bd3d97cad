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
 *
 * The first session after an install or update has no data at all: compiling the editor's ~1 MB of
 * bundles there would hold the editor's thread for tens of ms per task. produceOffThread() then has a
 * worker thread (dist/cache-worker.js, src/views/bundleCacheWorker.ts) compile and run the bundles
 * (with a stand-in for `vscode`: only their code is kept, not what it did) and write their data, and
 * loadInPieces() waits for each bundle's data before it loads it. V8's data is the same for every
 * isolate of a process (same version and flags), so the extension host's thread accepts it. That data
 * holds what the bundles' top level ran, not the functions the session calls later: it is marked
 * partial, and save() replaces it with the editor thread's own once the session has settled.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Script } from 'node:vm';
import type { Worker } from 'node:worker_threads';
import { replaceCacheFile, replaceCacheFileAsync, wrapAsModule } from '../util/v8CacheFile';

/** The private parts of Node's Module this uses (stable since Node 0.x; typed here, not in @types/node). */
interface NodeModuleInternals {
  new (id: string, parent?: NodeModule): NodeModule & { paths: string[]; loaded: boolean; filename: string };
  _cache: Record<string, NodeModule>;
  _nodeModulePaths(dir: string): string[];
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: { paths?: string[] }): string;
}
const NodeModule = Module as unknown as NodeModuleInternals;

const MAGIC = Buffer.from('SCFv8\n');
/** The same, for data produced by the worker thread (partial: see the file's comment). */
const MAGIC_PARTIAL = Buffer.from('SCFw8\n');
const DIGEST = 20; // sha1

export interface BundleCacheOptions {
  /** The folder of our bundles (dist/): only `.js` files under it are loaded here. */
  root: string;
  /** Where cache files may live, first writable one wins (read from all of them). */
  cacheDirs: string[];
  /** The module the loaded ones are children of (the extension's entry). */
  parent: NodeModule;
  /** The worker thread's script (produceOffThread); dist/cache-worker.js by default. */
  worker?: string;
  /** Marks the data this writes as partial (the worker thread's: save() on the editor's thread replaces it). */
  partial?: boolean;
  /** How long loadInPieces waits for the worker's data of a bundle before it compiles it itself (ms). */
  workerWaitMs?: number;
}

/** What the worker thread is given (src/views/bundleCacheWorker.ts). */
export interface CacheWorkerJob {
  root: string;
  cacheDirs: string[];
  /** Bundles whose data to produce, each with what it requires first, in the order the editor loads them. */
  entries: string[];
}

/** What the worker thread reports: the data of `file` is written (or could not be), or it is done. */
export type CacheWorkerMessage = { file: string } | { done: true };

export interface BundleCache {
  /** Loads `file` (a path under `root`) as a CommonJS module, once, with V8's code cache. */
  load<T>(file: string): T;
  /**
   * Loads `file` and the bundles it requires, each in a task of its own, its dependencies first (the
   * language client's library is five bundles, too much for one task of the editor's thread).
   */
  loadInPieces<T>(file: string): Promise<T>;
  /** Writes the data of every bundle that had none (or a rejected or partial one), each in a task of its own. */
  save(): Promise<void>;
  /** The same at once, one bundle after another; `written` is told each file (the worker thread's way). */
  saveNow(written?: (file: string) => void): void;
  /**
   * When `entries[0]` (a path under `root`) has no data yet (the first session after an install or
   * update), starts the worker thread that produces the data of `entries` and what they require, and
   * returns true; loadInPieces() then waits for each bundle's data. Otherwise (or when no worker can
   * start) returns false and nothing changes.
   */
  produceOffThread(entries: string[]): boolean;
  /** What happened to each bundle loaded so far: `cached` (data accepted), `compiled` (none or rejected). */
  report(): Array<{ file: string; cached: boolean }>;
  /** Ends the worker thread, if one runs. */
  dispose(): void;
  /**
   * Resolves in a turn of the event loop of its own, after every earlier caller's: the start-up's
   * pieces (each bundle here, the tree's reads, the language client's steps) take turns, one per loop
   * iteration, so two chains of them never run back to back in one (a check phase runs every
   * setImmediate queued before it, and an I/O callback's work runs in the same iteration as they do).
   */
  turn(): Promise<void>;
}

/** The `require("./x.js")` of our bundles (scripts/build.mjs writes them so), resolved; lazy stand-ins' `require('../x.js')` are not. */
export function bundleDeps(file: string, source: string, root: string): string[] {
  const deps: string[] = [];
  for (const m of source.matchAll(/require\("(\.\.?\/[^"]+\.js)"\)/g)) {
    const dep = resolve(dirname(file), m[1]!);
    if (dep.startsWith(root)) deps.push(dep);
  }
  return deps;
}

export function createBundleCache(options: BundleCacheOptions): BundleCache {
  const root = options.root.endsWith(sep) ? options.root : `${options.root}${sep}`;
  const sub = `v8-${process.versions.v8}-${process.arch}`;
  const dirs = options.cacheDirs.map((d) => join(d, sub));
  const loaded: Array<{ file: string; script: Script; cacheName: string; cached: boolean; saved: boolean }> = [];
  const scripts = new Map<string, Script>();
  const cacheNameOf = (file: string, source: string) => `${relative(root, file).replace(/[\\/]/g, '_')}.${createHash('sha1').update(source).digest('hex').slice(0, 16)}.bin`;
  /** Files loadInPieces waits for the worker thread's data of: resolved once it is written (or will not be). */
  const fromWorker = new Map<string, { ready: Promise<void>; resolve: () => void }>();
  /** Files the worker has told about. */
  const told = new Set<string>();
  let worker: Worker | undefined;
  let turns = Promise.resolve();
  const turn = (): Promise<void> => (turns = turns.then(() => new Promise<void>((r) => setImmediate(r))));
  // VS Code's `require('vscode')` finds the extension by the real path of the requiring file (a
  // realpathSync each time): the language client's bundle alone requires it 51 times. Every file here
  // is the same extension's, so it is asked once.
  let vscodeApi: { exports: unknown } | undefined;
  const fromWorkerReady = (file: string): Promise<void> | undefined => {
    if (!worker || told.has(file)) return undefined;
    let waiting = fromWorker.get(file);
    if (!waiting) {
      let resolveReady!: () => void;
      const ready = new Promise<void>((r) => (resolveReady = r));
      waiting = { ready, resolve: resolveReady };
      fromWorker.set(file, waiting);
    }
    return waiting.ready;
  };

  const readData = (cacheName: string): { payload: Buffer; partial: boolean } | undefined => {
    for (const dir of dirs) {
      let data: Buffer;
      try {
        data = readFileSync(join(dir, cacheName));
      } catch {
        continue;
      }
      const head = MAGIC.length + DIGEST;
      const magic = data.subarray(0, MAGIC.length);
      const partial = magic.equals(MAGIC_PARTIAL);
      if (data.length <= head || !(partial || magic.equals(MAGIC))) continue;
      const payload = data.subarray(head);
      if (createHash('sha1').update(payload).digest().equals(data.subarray(MAGIC.length, head))) return { payload, partial };
    }
    return undefined;
  };

  const load = (file: string, parent: NodeModule, text?: string): unknown => {
    const existing = NodeModule._cache[file];
    if (existing) return existing.exports;
    let script = scripts.get(file);
    if (!script) {
      const source = text ?? readFileSync(file, 'utf8');
      const cacheName = cacheNameOf(file, source);
      const data = readData(cacheName);
      script = new Script(wrapAsModule(source), { filename: file, cachedData: data?.payload });
      const cached = data !== undefined && !script.cachedDataRejected;
      loaded.push({ file, script, cacheName, cached, saved: cached && !data.partial });
      scripts.set(file, script);
    }
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
        if (id === 'vscode') return (vscodeApi ??= { exports: m.require(id) }).exports;
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

  const cacheFile = (data: Buffer) => Buffer.concat([options.partial ? MAGIC_PARTIAL : MAGIC, createHash('sha1').update(data).digest(), data]);
  const writeData = (cacheName: string, data: Buffer): boolean => {
    const file = cacheFile(data);
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
  /** The same, its file system calls in the thread pool (save(), on the editor's thread). */
  const writeDataAsync = async (cacheName: string, data: Buffer): Promise<boolean> => {
    const file = cacheFile(data);
    for (const dir of dirs) {
      try {
        await replaceCacheFileAsync(dir, cacheName, file);
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
    for (const dep of bundleDeps(file, source, root)) await loadInPieces(dep, parent, seen);
    const data = fromWorkerReady(file);
    if (data) await data;
    await turn();
    return load(file, parent, source);
  };

  const endWorker = () => {
    for (const f of fromWorker.values()) f.resolve();
    fromWorker.clear();
    void worker?.terminate();
    worker = undefined;
  };

  const produceOffThread = (entries: string[]): boolean => {
    if (worker || !entries.length) return false;
    const files = entries.map((e) => resolve(e));
    try {
      if (readData(cacheNameOf(files[0]!, readFileSync(files[0]!, 'utf8')))) return false;
      const job: CacheWorkerJob = { root: options.root, cacheDirs: options.cacheDirs, entries: files };
      // No execArgv of the host's own (some are refused in a worker); V8's flags are the process's anyway.
      // Required here: the extension host has not loaded worker_threads (~2.5 ms), and only a first session needs it.
      const { Worker: WorkerThread } = require('node:worker_threads') as typeof import('node:worker_threads');
      worker = new WorkerThread(options.worker ?? join(root, 'cache-worker.js'), { workerData: job, execArgv: [], stdout: true, stderr: true });
    } catch {
      return false;
    }
    const w = worker;
    w.on('message', (m: CacheWorkerMessage) => {
      if ('done' in m) return endWorker();
      told.add(m.file);
      fromWorker.get(m.file)?.resolve();
      fromWorker.delete(m.file);
    });
    // A worker that fails, ends or takes too long only means the editor's thread compiles the rest itself.
    w.on('error', endWorker);
    w.on('exit', () => worker === w && endWorker());
    const wait = setTimeout(() => worker === w && endWorker(), options.workerWaitMs ?? 15000);
    wait.unref();
    return true;
  };

  return {
    load: <T>(file: string) => load(resolve(file), options.parent) as T,
    loadInPieces: async <T>(file: string) => (await loadInPieces(resolve(file), options.parent, new Set())) as T,
    async save() {
      for (const entry of loaded) {
        if (entry.saved) continue;
        entry.saved = true;
        // One bundle per task: producing the data of a large one takes a few ms of the editor's thread;
        // writing it is the thread pool's.
        await new Promise((r) => setImmediate(r));
        if (!(await writeDataAsync(entry.cacheName, entry.script.createCachedData()))) return;
      }
    },
    saveNow(written) {
      for (const entry of loaded) {
        if (!entry.saved) {
          entry.saved = true;
          writeData(entry.cacheName, entry.script.createCachedData());
        }
        written?.(entry.file);
      }
    },
    produceOffThread,
    report: () => loaded.map(({ file, cached }) => ({ file: basename(file), cached })),
    dispose: endWorker,
    turn,
  };
}
