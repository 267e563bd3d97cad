/**
 * V8's code cache for the toolkit's own bundles, in the processes the toolkit starts itself (the CLI,
 * the emulator host, the language server). Compiling the bundles is most of a cold start: yaml alone
 * costs ~20 ms of CPU to compile and ~2 ms when V8 is handed the code it compiled last time. Node 22
 * has module.enableCompileCache() for this; Node 20 does not, so this does what it does, for the files
 * of dist/ only: each is compiled with the cached data kept in the user's cache folder
 * ($XDG_CACHE_HOME or ~/.cache, scf-toolkit/v8/), and a file without usable data gets it written when
 * the process exits, so the data holds every function that run compiled, not only the top level.
 *
 * V8 checks its own version and flags, but of the source only its length: data compiled from another
 * text of the same length would be accepted and that other code run (an updated bundle, or another
 * checkout's, whose chunk names differ only in their hash). So each cache file holds the text it was
 * compiled from, and is used only for that exact text (a string comparison, native and ~0.1 ms for all
 * the bundles of a run; a checksum needed node:zlib, whose load pulls in node:stream: ~2 ms).
 *
 * Each program, and each command of the CLI, has its own cache files (`tag`): the data a run writes
 * holds the functions that run compiled, so data written by `scf-toolkit invoke` for a chunk it shares
 * with `validate` left validate compiling the parser and the checks lazily on every run (+15% of its
 * CPU, measured). Nothing here changes what runs; without a writable cache folder, or with
 * SCF_TOOLKIT_CODE_CACHE=0, the bundles compile as usual.
 *
 * A bundle's own requires of other files of the package (`./chunk-<hash>.js`, `./vendor/….js`,
 * `../schemas/….json`: the build writes only such relative paths) are loaded here, without Node's
 * resolution: no stat, realpath or package.json lookups for a file whose path is known, and none of
 * the loader's functions compiled for it (~8M instructions of a `validate` run, counted with
 * valgrind). The modules are Node's own (Module, Module._cache, parent and children, node_modules
 * paths), so a module is loaded once whichever way it is asked for; anything else, and every require
 * on Windows (its paths), goes through Node's require as before, which also reports a missing file.
 *
 * Not used in VS Code's extension host, which is shared with other extensions (its module loader is
 * left alone).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';
import { pruneCacheFiles, replaceCacheFile, wrapAsModule } from './util/v8CacheFile';

interface CompilingModule {
  exports: unknown;
  filename: string;
  loaded: boolean;
  paths: string[];
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
type Compile = (this: CompilingModule, content: string, filename: string) => unknown;
interface ModuleClass {
  new (id: string, parent: CompilingModule): CompilingModule;
  prototype: { _compile: Compile; require(this: CompilingModule, id: string): unknown };
  _cache: Record<string, CompilingModule | undefined>;
  _nodeModulePaths(dir: string): string[];
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
}
const NodeModule = Module as unknown as ModuleClass;
/** node:fs's own readFileSync, as it was when this module loaded (later wrappers see the loader's reads as requires). */
const readBundle = readFileSync;

let installed = false;

/**
 * Compiles every .js file under `distDir` with V8's cached data (see above). `tag` names the program
 * (and the CLI's command) whose cache files these are: letters, digits and `-`, anything else is `other`.
 */
export function installCodeCache(distDir: string, tag = 'default'): void {
  if (installed || process.env.SCF_TOOLKIT_CODE_CACHE === '0') return;
  installed = true;
  const root = distDir.endsWith(sep) ? distDir : `${distDir}${sep}`;
  const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'scf-toolkit', 'v8', `${process.version}-${process.arch}`);
  // one cache file per bundle, program and dist/ folder; the bundle's length is the last part of the
  // name, so a rebuild of another length writes a new file (and removes the old one)
  const place = `${/^[a-z0-9-]{1,40}$/.test(tag) ? tag : 'other'}.${hex(fnv1a(root))}`;
  const proto = NodeModule.prototype;
  const original = proto._compile;
  // the package's folder (dist/ and schemas/ beside it): where a relative require is loaded here
  const pkg = root.slice(0, root.lastIndexOf(sep, root.length - 2) + 1);
  const toWrite: Array<{ script: Script; file: string; content: string }> = [];

  proto._compile = function (this: CompilingModule, content: string, filename: string): unknown {
    if (!filename.startsWith(root) || !filename.endsWith('.js')) return original.call(this, content, filename);
    const file = join(cacheDir, `${filename.slice(root.length).replace(/[\\/]/g, '_')}.${place}.${content.length}.bin`);
    const cachedData = cachedDataFor(file, content);
    let script: Script;
    try {
      script = new Script(wrapAsModule(content), { filename, cachedData });
    } catch {
      return original.call(this, content, filename); // let Node report a syntax error its own way
    }
    if (!cachedData || script.cachedDataRejected) toWrite.push({ script, file, content });
    const module = this;
    const moduleRequire = Object.assign((id: string) => module.require(id), {
      resolve: (request: string, options?: { paths?: string[] }) => NodeModule._resolveFilename(request, module, false, options),
      main: process.mainModule,
      cache: NodeModule._cache,
    });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(module.exports, module.exports, moduleRequire, module, filename, dirname(filename));
  };

  // Relative requires of the bundles (above): through Module.prototype.require, so whatever wraps it
  // later still sees every require (the invoke cache tells the loader's reads from the model's so).
  if (sep === '/') {
    const nodeRequire = NodeModule.prototype.require;
    nodeRequireOf = (parent, id) => nodeRequire.call(parent, id);
    NodeModule.prototype.require = function (this: CompilingModule, id: string): unknown {
      return id.charCodeAt(0) === 46 /* . */ && this.filename?.startsWith(root) ? requireRelative(this, pkg, id) : nodeRequire.call(this, id);
    };
  }

  // Written at exit, so the data holds the functions this run compiled lazily, not only the top level.
  // A run that writes data (the first after a build, mostly) also removes the data of bundles that
  // are gone (pruneCacheFiles): one listing of the folder for both; a run that only reads does neither.
  process.once('exit', () => {
    if (toWrite.length === 0) return;
    let files: string[];
    try {
      mkdirSync(cacheDir, { recursive: true });
      files = readdirSync(cacheDir);
      for (const { script, file, content } of toWrite) {
        const text = Buffer.from(content, 'utf8');
        const header = Buffer.alloc(4);
        header.writeUInt32LE(text.length, 0);
        replaceCacheFile(cacheDir, basename(file), Buffer.concat([header, text, script.createCachedData()]), files);
      }
      pruneCacheFiles(cacheDir, files, root, hex(fnv1a(root)));
    } catch {
      return; // a read-only home or a full disk: next time compiles as usual
    }
  });
}

/** Node's require, as it was before installCodeCache (set there). */
let nodeRequireOf = (parent: CompilingModule, id: string): unknown => parent.require(id);

/**
 * `require(id)` from `parent` for a relative `id` naming a .js or .json file inside the package
 * folder `pkg` (POSIX paths): the module as Node's loader would make it, without its resolution.
 * Anything else, or a file that cannot be read, goes to Node's require.
 */
function requireRelative(parent: CompilingModule, pkg: string, id: string): unknown {
  const json = id.endsWith('.json');
  if (!json && !id.endsWith('.js')) return nodeRequireOf(parent, id);
  const from = parent.filename.slice(0, parent.filename.lastIndexOf('/') + 1);
  let file = from;
  let rest = id;
  for (;;) {
    if (rest.startsWith('./')) rest = rest.slice(2);
    else if (rest.startsWith('../')) {
      rest = rest.slice(3);
      file = file.slice(0, file.lastIndexOf('/', file.length - 2) + 1);
    } else break;
  }
  file += rest;
  const cached = NodeModule._cache[file];
  if (cached) return cached.exports;
  if (!file.startsWith(pkg) || rest.includes('./')) return nodeRequireOf(parent, id);
  let content: string;
  try {
    content = readBundle(file, 'utf8');
  } catch {
    return nodeRequireOf(parent, id); // Node's own error for a missing file
  }
  const module = new NodeModule(file, parent);
  module.filename = file;
  // where its bare requires would look (node_modules folders): the same as its parent's in the same folder
  module.paths = file.lastIndexOf('/') === from.length - 1 ? parent.paths : NodeModule._nodeModulePaths(dirname(file));
  NodeModule._cache[file] = module;
  try {
    if (!json) module._compile(content, file);
    else {
      try {
        module.exports = JSON.parse(content.charCodeAt(0) === 0xfeff ? content.slice(1) : content);
      } catch (e) {
        (e as Error).message = `${file}: ${(e as Error).message}`;
        throw e;
      }
    }
  } catch (e) {
    delete NodeModule._cache[file];
    throw e;
  }
  module.loaded = true;
  return module.exports;
}

/**
 * The V8 data in `file`, if the file was written for exactly this text: its layout is the text's
 * UTF-8 length (4 bytes, little-endian), the text, then the data.
 */
function cachedDataFor(file: string, content: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readBundle(file);
  } catch {
    return undefined;
  }
  if (bytes.length < 4) return undefined;
  const length = bytes.readUInt32LE(0);
  if (4 + length > bytes.length || bytes.toString('utf8', 4, 4 + length) !== content) return undefined;
  return bytes.subarray(4 + length);
}

/** FNV-1a of a short text (the dist/ folder's path): names the folder in the cache files' names. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
