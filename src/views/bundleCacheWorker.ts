/**
 * The worker thread that produces the editor's code cache in the first session after an install or
 * update (dist/cache-worker.js, started by BundleCache.produceOffThread in src/views/bundleCache.ts),
 * so that the extension host's thread loads every bundle with V8's data even then, instead of
 * compiling ~1 MB of them itself. For each bundle of the job, what it requires first, it compiles the
 * bundle, runs its top level (V8 then compiles the functions that run there, which are most of what a
 * bundle costs to load: the modules' bodies), writes the data and tells the editor's thread.
 *
 * The bundles run here against a stand-in for `vscode` (an object whose every property, call and `new`
 * is another stand-in): only the code V8 compiles is kept, nothing the bundles did. A bundle whose top
 * level throws here still has the data of what compiled; the editor's thread compiles the rest.
 */
import Module from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { bundleDeps, createBundleCache, type CacheWorkerJob, type CacheWorkerMessage } from './bundleCache';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';

type Load = (request: string, parent: NodeModule | undefined, isMain: boolean) => unknown;
const NodeModule = Module as unknown as { _load: Load };

/** The `vscode` namespaces (lowercase, so not found the way the classes and enums are: see run()). */
const NAMESPACES = ['authentication', 'commands', 'comments', 'debug', 'env', 'extensions', 'l10n', 'languages', 'notebooks', 'scm', 'tasks', 'tests', 'window', 'workspace', 'version'];

/**
 * `names`: the properties the stand-in for the `vscode` module lists as its own, so that a bundle's
 * `export * from 'vscode'` (scripts/build.mjs gives each bundle one) copies them and `new
 * vscode.ThemeIcon(...)` at a module's top level finds a constructor rather than throwing there.
 */
export function standIn(names?: Set<string>): unknown {
  const target = function () {};
  return new Proxy(target, {
    // not a thenable: `await` of a stand-in must not wait forever
    get: (t, key) => (key === 'then' ? undefined : key === 'prototype' ? t.prototype : key === Symbol.toPrimitive ? () => '' : standIn()),
    apply: () => standIn(),
    construct: () => standIn() as object,
    ownKeys: (t) => [...Reflect.ownKeys(t), ...[...(names ?? [])].filter((n) => !Object.prototype.hasOwnProperty.call(t, n))],
    getOwnPropertyDescriptor: (t, key) =>
      Reflect.getOwnPropertyDescriptor(t, key) ?? (typeof key === 'string' && names?.has(key) ? { configurable: true, enumerable: true, writable: true, value: standIn() } : undefined),
  });
}

/**
 * Libraries whose first call on the editor's thread compiles much more than their top level: the
 * worker calls them once too, so that code is in the data. The YAML library's parser (the tree's and
 * the CodeLens's first parse of serverless.yml), on a document with the shapes serverless.yml has;
 * the glob library's compiler, on patterns with the shapes `files.exclude` has; the language client's
 * construction and the capabilities it sends at start; the model's parse of a serverless.yml
 * (dist/core.js's warmUp()).
 */
const WARM_UPS: Record<string, (exports: unknown) => void> = {
  'vendor/yaml.js': (yaml) => {
    const { parseDocument, LineCounter } = yaml as { parseDocument(text: string, options?: object): { toJS(): unknown }; LineCounter: new () => object };
    const sample = '# an app\ncomponent: scf\nname: hello\ninputs:\n  src: ./src # code\n  handler: index.main_handler\n  memorySize: 128\n  timeout: 3.5\n  environment:\n    variables: { A: "1", B: \'two\' }\n  events:\n    - timer:\n        parameters:\n          cronExpression: "0 */1 * * * * *"\n  notes: |\n    text\n  list: [a, b]\n  yes: true\n  none: null\n  ref: &r { x: 1 }\n  copy: *r\n';
    parseDocument(sample, { lineCounter: new LineCounter(), keepSourceTokens: true }).toJS();
  },
  // The language client's construction (its ~45 features register) and the capabilities its start
  // sends: against the stand-in, with no version check (the stand-in has no version); nothing starts.
  'vendor/vscode-languageclient-node.js': (library) => {
    const { LanguageClient, TransportKind } = library as { LanguageClient: new (...args: unknown[]) => { computeClientCapabilities?(): unknown }; TransportKind: { ipc: unknown } };
    const WarmUp = class extends LanguageClient {
      checkVersion(): void {}
    };
    const module = '/nonexistent/server.js';
    const client = new WarmUp('warmUp', 'warm-up', { run: { module, transport: TransportKind.ipc }, debug: { module, transport: TransportKind.ipc } }, { documentSelector: [{ scheme: 'file', pattern: '**/serverless.yml' }], initializationOptions: {} });
    client.computeClientCapabilities?.();
  },
  // The model's parse and checks of a serverless.yml (the tree's first read): commands/core.ts's own.
  'core.js': (core) => (core as { warmUp?(): void }).warmUp?.(),
  // The glob library's compiler (the tree's first scan compiles the `files.exclude` patterns).
  'vendor/picomatch.js': (picomatch) => {
    const compile = picomatch as (glob: string, options?: object) => (path: string) => boolean;
    for (const glob of ['**/.git', '**/node_modules', '**/*.{tmp,log}', 'out/[a-z]?']) compile(glob, { dot: true })('src/index.js');
  },
};

function run(job: CacheWorkerJob, post: (m: CacheWorkerMessage) => void): void {
  // What the bundles may name of `vscode`: its namespaces and every capitalised property they read.
  const names = new Set(NAMESPACES);
  const vscode = standIn(names);
  const load = NodeModule._load;
  NodeModule._load = function (request, parent, isMain) {
    return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
  };
  const cache = createBundleCache({ root: job.root, cacheDirs: job.cacheDirs, parent: module, partial: true });
  const told = new Set<string>();
  const tell = (file: string) => {
    if (told.has(file)) return;
    told.add(file);
    post({ file });
  };
  const seen = new Set<string>();
  /** Loads `file` after the bundles it requires, each once; returns what it loaded (with their exports). */
  const loadAll = (file: string, loaded: Array<{ file: string; exports: unknown }>) => {
    if (seen.has(file)) return loaded;
    seen.add(file);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      tell(file);
      return loaded;
    }
    for (const m of source.matchAll(/\.([A-Z][A-Za-z0-9_]*)\b/g)) names.add(m[1]!);
    for (const dep of bundleDeps(file, source, job.root.endsWith(sep) ? job.root : `${job.root}${sep}`)) loadAll(dep, loaded);
    try {
      loaded.push({ file, exports: cache.load(file) });
    } catch {
      // its top level threw against the stand-in: what compiled is kept all the same
    }
    return loaded;
  };
  for (const entry of job.entries) {
    // The warm-ups of what the entry loaded run before any of its data is written: a warm-up compiles
    // functions of the bundles it calls into (the model's parse: its chunks, the YAML library), and a
    // bundle's data holds what was compiled when it is written.
    for (const { file, exports } of loadAll(entry, [])) {
      try {
        WARM_UPS[relative(job.root, file).split(sep).join('/')]?.(exports);
      } catch {
        // against the stand-in: what compiled is kept all the same
      }
    }
    cache.saveNow(tell);
    tell(entry);
  }
  post({ done: true });
}

if (parentPort && workerData) run(workerData as CacheWorkerJob, (m) => parentPort!.postMessage(m));
