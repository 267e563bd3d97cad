// Bundles every entry point into dist/ with esbuild. Each entry is a separate program: the extension
// (inside VS Code's extension host) and its deferred part, the language server, the emulator host
// process, the CLI (a small dispatcher and one file per command) and the programmatic API.
// The toolkit's own code ships once too: the entries of a `group` share it through chunks (below).
// Runtime bootstraps are copied as they are: they run inside the user's process and must stay
// dependency-free.
//
// Every library is bundled once (issue 13): an entry never inlines a package from node_modules; it
// requires dist/vendor/<package>.js, and each of those files holds one package and requires its own
// dependencies the same way. The build fails if any file of node_modules ends up in two outputs.
// The JSON schemas are not bundled either: they ship once, in schemas/, and the bundles require them
// from there; their ajv validators are compiled here, at build time (dist/vendor/scf-validators.js),
// so no process loads ajv or compiles a schema when it starts.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSchemas } from './schemas.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `SCF_BUILD_OUT=DIR`: the build goes to DIR instead of dist/ (bench:cli builds what ships, the
// production build, into a folder of its own, with schemas/ beside it as in the package).
const dist = process.env.SCF_BUILD_OUT ? resolve(process.env.SCF_BUILD_OUT) : join(root, 'dist');
const production = process.argv.includes('--production');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

/** `scf-toolkit invoke`'s own requires that stay requires of a bundle (see its entry below). */
const INVOKE_LAZY = { './invokeSpec': './cli-invoke-spec.js', '../../emulator/async': './cli-invoke-async.js' };

/** entry source -> output name; entries whose source does not exist yet are skipped. */
const entries = [
  // `lazy`: a module the entry requires on first use, bundled as its own file.
  // `lazyVendors`: each library is loaded on first use (a stand-in module of the group, see lazyVendor), not when the
  // bundle loads: the extension host's thread is shared with the editor and every other extension.
  // The extension's entry holds only what activate() needs (VS Code compiles it with no code cache);
  // it loads dist/core.js and dist/deferred.js itself, through V8's code cache (src/views/bundleCache.ts).
  { in: 'src/extension.ts', out: 'extension' },
  // The editor's parts share their code (the model, deploy, the gateway, the test runner) with the CLI
  // and the host: they are in their group, and so that group loads each library on first use too.
  { in: 'src/commands/core.ts', out: 'core', group: 'programs', lazy: { './deferred': './deferred.js' }, lazyVendors: true },
  { in: 'src/commands/deferred.ts', out: 'deferred', group: 'programs', lazyVendors: true },
  // `program`: a process of the toolkit's own; dist/<out>.js is a few lines that install V8's code
  // cache for dist/ (src/codeCache.ts) and then load the bundle, dist/<out>-main.js (`run`: then call it).
  // Each program has its own cache files, and so has each of `commands` (the CLI's, src/cli/main.ts):
  // a run's data holds what that run compiled, and invoke's would leave validate compiling lazily.
  { in: 'src/server/main.ts', out: 'server', group: 'programs', program: {} },
  { in: 'src/emulator/hostMain.ts', out: 'host', group: 'programs', program: {} },
  // `importable`: loaded by users' ES modules too (see the group's CommonJS pass).
  // (its in-process mode, the emulator itself, is loaded only by a caller that asks for it)
  { in: 'src/api/index.ts', out: 'api', group: 'programs', importable: true, lazy: { './inProcess': './api-in-process.js' } },
  { in: 'src/api/inProcess.ts', out: 'api-in-process', group: 'programs' },
  { in: 'src/codeCache.ts', out: 'code-cache' },
  // The worker thread that produces the editor's code cache in the first session after an install
  // (src/views/bundleCacheWorker.ts): plain Node, started by dist/extension.js when there is none.
  { in: 'src/views/bundleCacheWorker.ts', out: 'cache-worker' },
  // The CLI's start of a runtime ahead of time (src/emulator/speculation.ts): a file of its own that
  // dist/cli.js runs before anything else loads, and that the group's code requires as it is (one
  // module, one state, in every program; see `standalone` below).
  { in: 'src/emulator/speculation.ts', out: 'speculation', standalone: true },
  // The CLI loads only the command it runs: `scf-toolkit invoke` never compiles deploy or the SDK.
  {
    in: 'src/cli/main.ts',
    out: 'cli',
    group: 'programs',
    program: { banner: '#!/usr/bin/env node', run: 'runAsProgram', first: `if (process.argv[2] === 'invoke') require('./speculation.js').atCliStart(process.argv.slice(2), __dirname);`, commands: ['invoke', 'validate', 'test', 'deploy', 'gateway', 'serve'] },
    // test, gateway and serve share one bundle (src/cli/commands/served.ts): one copy of the emulator.
    lazy: Object.fromEntries(['invoke', 'validate', 'deploy', 'served'].map((c) => [`./commands/${c}`, `./cli-${c}.js`])),
  },
  ...['invoke', 'validate', 'deploy', 'served'].map((c) => ({ in: `src/cli/commands/${c}.ts`, out: `cli-${c}`, group: 'programs', ...(c === 'invoke' ? { lazy: INVOKE_LAZY } : {}) })),
  // What `invoke` loads only when it needs it: the model and the YAML library (when the resolved invoke
  // of the last run cannot be reused, src/cli/invokeCache.ts), the async queue (--async, which reads
  // serverless.yml again). Bundles of their own: a module of the group that invoke requires would be in
  // a chunk it loads at start.
  { in: 'src/cli/commands/invokeSpec.ts', out: 'cli-invoke-spec', group: 'programs' },
  { in: 'src/emulator/async/index.ts', out: 'cli-invoke-async', group: 'programs' },
];

// --- Libraries: one file per package in dist/vendor/ -------------------------------------------------

/**
 * Packages whose code is imported under more than one name: each name maps to the one module that
 * serves them all, so the package's files are bundled once. (In Node, the `node` entry points of the
 * LSP packages export everything their common entry points do.)
 */
const CANONICAL = {
  'vscode-jsonrpc': 'vscode-jsonrpc/node',
  'vscode-jsonrpc/node': 'vscode-jsonrpc/node',
  'vscode-languageserver-protocol': 'vscode-languageserver-protocol/node',
  'vscode-languageserver-protocol/node': 'vscode-languageserver-protocol/node',
  'vscode-languageclient': 'vscode-languageclient/node',
  'vscode-languageclient/node': 'vscode-languageclient/node',
  'vscode-languageserver': 'vscode-languageserver/node',
  'vscode-languageserver/node': 'vscode-languageserver/node',
  // the ESM build: the UMD main's dynamic requires do not survive bundling
  'jsonc-parser': 'jsonc-parser/lib/esm/main.js',
  'jsonc-parser/lib/esm/main.js': 'jsonc-parser/lib/esm/main.js',
  // `package#name`: that export of the package's main module (the subpath module is just that function)
  'semver/functions/parse': 'semver#parse',
  'semver/functions/satisfies': 'semver#satisfies',
};

/**
 * Parts of the Tencent Cloud SDK that SCF's API never uses, replaced by a few lines (scripts/shims/):
 * whatwg-url (with tr46's 265 KB table) is node-fetch's fallback for Node's own URL, which Node always
 * has; form-data (with mime-db's 137 KB) serves multipart requests, which no SCF action makes.
 */
const SHIMS = {
  'whatwg-url': join(root, 'scripts/shims/whatwg-url.js'),
  'form-data': join(root, 'scripts/shims/form-data.js'),
};

/**
 * Libraries of which the bundles need only a part: their vendor file is built from this module
 * instead of the package's main one (checked after the build: see TSLIB_HELPERS).
 */
const VENDOR_SOURCE = { tslib: join(root, 'scripts/shims/tslib.js') };
/** The helpers scripts/shims/tslib.js gives; every call of another one by a bundled package fails the build. */
const tslibHelpers = () => new Set([...readFileSync(VENDOR_SOURCE.tslib, 'utf8').match(/export \{([^}]*)\}/)[1].matchAll(/__\w+/g)].map((m) => m[0]));

/**
 * Small packages that only one other package requires: bundled inside that package's vendor file
 * rather than as files of their own (vsce warns past 100 JavaScript files in a VSIX). The check at the
 * end fails the build if one of them ends up in two outputs.
 */
const INLINED = new Set(['has-flag', 'supports-color', 'ms', 'pend', 'balanced-match', 'brace-expansion', 'is-stream', 'get-stream', 'agent-base', 'debug', 'node-fetch', 'json-bigint', 'bignumber.js', 'uuid', 'ini']);

/** Node built-ins a library requires at load but uses only later: loaded on first use (scripts/shims/). */
const LAZY_BUILTINS = { dotenv: { crypto: join(root, 'scripts/shims/lazy-crypto.js') } };

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isPackage = (spec) => /^[^./]/.test(spec) && !builtins.has(spec) && !builtins.has(spec.split('/')[0]) && spec !== 'vscode';
/** The module that serves `spec` (see CANONICAL) and its file under dist/vendor/. */
const vendorSource = (spec) => CANONICAL[spec] ?? spec;
const vendorFile = (spec) => `${vendorSource(spec).replace('#', '-').replace(/\.js$/, '').replace(/[/@]/g, (c) => (c === '/' ? '-' : ''))}.js`;

const resolvable = (spec, from) => {
  try {
    createRequire(join(from, 'x.js')).resolve(spec);
    return true;
  } catch {
    return false;
  }
};

/** Every library module an output requires, so that each is built once, after the entries. */
const vendorNeeded = new Set();
/** Vendor files some output requires through a lazy stand-in (see lazyVendor). */
const lazyNeeded = new Set();
/** Each lazy vendor file's shape (its export names; whether it is a function), read once it is built. */
const lazyShapes = new Map();
/**
 * A library the group's code loads on first use: a module of the group itself (a virtual one, in the
 * chunk of the code that imports it, not a file of its own: vsce warns past 100 JavaScript files) with
 * the library's export names as getters that require dist/vendor/<file> when first read (a
 * function-valued library becomes a function that loads it when called). Its names come from the
 * built vendor file, so the groups are first bundled without writing (`collecting`) to learn which.
 */
let collecting = false;
const lazyVendor = (file) => {
  lazyNeeded.add(file);
  return collecting ? { path: `./vendor/${file}`, external: true } : { path: `lazy-vendor:${file}`, namespace: 'external-cjs' };
};
const lazyVendorStandIn = (file) => {
  const shape = lazyShapes.get(file);
  if (!shape) throw new Error(`build: no shape for the lazy library ${file} (it was not seen in the first pass)`);
  const names = shape.keys.filter((k) => !(shape.fn && ['length', 'name', 'prototype', 'arguments', 'caller'].includes(k)));
  return [
    `// vendor/${file}, loaded on first use (scripts/build.mjs, lazyVendor)`,
    `let m;`,
    `const load = () => (m ??= require(${JSON.stringify(`./vendor/${file}`)}));`,
    shape.fn ? `const lazy = function (...args) { return new.target ? Reflect.construct(load(), args, new.target) : load().apply(this, args); };` : `const lazy = {};`,
    `for (const k of ${JSON.stringify(names)}) Object.defineProperty(lazy, k, { enumerable: true, configurable: true, get: () => load()[k] });`,
    `module.exports = lazy;`,
  ].join('\n');
};

/**
 * Externalises every package import as a require of its vendor file (`prefix` is the way from the
 * importing output to dist/vendor/). `self` is the package being bundled, whose own subpaths stay in.
 */
const vendorPlugin = (prefix, self, lazyVendors = false) => ({
  name: 'vendor',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const lazy = self && LAZY_BUILTINS[self]?.[args.path.replace(/^node:/, '')];
      if (lazy && args.importer !== lazy) return { path: lazy };
      if (!isPackage(args.path)) return undefined;
      if (SHIMS[args.path]) return { path: SHIMS[args.path] };
      if (self && (packageOf(args.path) === self || INLINED.has(packageOf(args.path)))) return undefined;
      // An optional dependency that is not installed (node-fetch's `encoding`) stays the package's
      // own guarded require.
      if (!resolvable(args.path, args.resolveDir)) return { path: args.path, external: true };
      vendorNeeded.add(vendorSource(args.path));
      if (lazyVendors) return lazyVendor(vendorFile(args.path));
      return { path: `${prefix}${vendorFile(args.path)}`, external: true };
    });
  },
});

/** The JSON schemas: required from schemas/ (shipped once, beside dist/) rather than bundled. */
const schemaPlugin = {
  name: 'schemas',
  setup(b) {
    b.onResolve({ filter: /schemas\/[^/]+\.schema\.json$/ }, (args) => {
      const file = join(args.resolveDir, args.path);
      if (relative(join(root, 'schemas'), file).startsWith('..')) return undefined;
      return { path: `../schemas/${relative(join(root, 'schemas'), file)}`, external: true };
    });
  },
};

/** src/schema/validators.ts becomes a require of the validators compiled at build time. */
const validatorsPlugin = (lazyVendors = false) => ({
  name: 'validators',
  setup(b) {
    b.onResolve({ filter: /\/validators$/ }, (args) => {
      if (join(args.resolveDir, args.path) !== join(root, 'src/schema/validators')) return undefined;
      return lazyVendors ? lazyVendor('scf-validators.js') : { path: './vendor/scf-validators.js', external: true };
    });
  },
});

/** Imports of a `standalone` entry's module stay requires of its file (dist/<out>.js): one copy, one state. */
const standalonePlugin = {
  name: 'standalone',
  setup(b) {
    const standalone = new Map(entries.filter((e) => e.standalone).map((e) => [join(root, e.in).replace(/\.ts$/, ''), `./${e.out}.js`]));
    b.onResolve({ filter: /^\./ }, (args) => {
      const out = standalone.get(join(args.resolveDir, args.path).replace(/\.ts$/, ''));
      return out ? { path: out, external: true } : undefined;
    });
  },
};

/** An entry's own `require('./x')` of a module listed in its `lazy` map stays a require of that bundle. */
const lazyPlugin = (members) => ({
  name: 'lazy',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const entry = members.find((e) => e.lazy && args.importer === join(root, e.in));
      return entry && args.path in entry.lazy ? { path: entry.lazy[args.path], external: true } : undefined;
    });
  },
});

/**
 * `import * as vscode from 'vscode'` in each of our modules would become one esbuild interop copy of
 * the whole API object per module when the bundle loads (~25 modules x ~200 properties: ~10 ms of the
 * extension host's thread, measured). Each entry gets one ES module that re-exports `vscode` instead,
 * copied once, which every module of the bundle imports.
 */
const vscodeOncePlugin = {
  name: 'vscode-once',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
    b.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: `export * from 'vscode';`, loader: 'js' }));
  },
};

/**
 * For the ESM pass of a group: an external import that stays an `import` is hoisted by esbuild to the
 * top of its chunk, so it would load when the chunk loads, even for a module the code requires only on
 * first use (node:crypto, node:http, a schema). Such an import becomes a one-line CommonJS module,
 * `module.exports = require(...)`, which esbuild evaluates when the module importing it is first
 * initialised, as in a CommonJS bundle. Not for the builtins every program has loaded anyway (each
 * such import costs a copy of the module's properties, ~230 imports of node:fs) nor for libraries
 * (their lazy stand-ins, see lazyVendor, load them on first use already).
 */
const LOADED_BUILTINS = new Set(['fs', 'fs/promises', 'path', 'os', 'module', 'vm', 'util', 'events', 'buffer', 'stream', 'timers', 'timers/promises', 'url', 'process']);
/**
 * Built-ins that a module of the group imports at its top but that most runs never call: a stand-in
 * with the module's export names as getters, which load it on first use. child_process (with net and
 * the stream classes, ~5 ms) is imported by a dozen emulator modules for their probes and spawns, and
 * `scf-toolkit invoke` with its runtime started ahead (speculation.ts, rawSpawn.ts) needs it only
 * once that start is adopted, after the go-ahead.
 */
const LAZY_GROUP_BUILTINS = new Set(['child_process']);
const lazyBuiltinStandIn = (path) => {
  const name = path.replace(/^node:/, '');
  const keys = Object.keys(createRequire(import.meta.url)(name)).filter((k) => k !== 'default');
  return [
    `// ${name}, loaded on first use (scripts/build.mjs, LAZY_GROUP_BUILTINS)`,
    `let m;`,
    `const load = () => (m ??= require(${JSON.stringify(`node:${name}`)}));`,
    `module.exports = Object.defineProperties({}, {${keys.map((k) => `${JSON.stringify(k)}: { enumerable: true, get: () => load()[${JSON.stringify(k)}] }`).join(', ')}});`,
  ].join('\n');
};
const deferredExternal = (path) => (builtins.has(path) ? !LOADED_BUILTINS.has(path.replace(/^node:/, '')) : path.endsWith('.json'));
const externalsAsCommonJs = (plugins) => ({
  name: 'externals-as-commonjs',
  setup(b) {
    const wrap = (result) => (result?.external && deferredExternal(result.path) ? { path: result.path, namespace: 'external-cjs' } : result);
    const proxy = {
      ...b,
      onResolve: (options, callback) => b.onResolve(options, async (args) => (args.namespace === 'external-cjs' ? undefined : wrap(await callback(args)))),
    };
    for (const plugin of plugins) plugin.setup(proxy);
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'external-cjs') return { path: args.path, external: true };
      return builtins.has(args.path) && deferredExternal(args.path) ? { path: args.path, namespace: 'external-cjs' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'external-cjs' }, (args) => ({
      contents: args.path.startsWith('lazy-vendor:')
        ? lazyVendorStandIn(args.path.slice('lazy-vendor:'.length))
        : LAZY_GROUP_BUILTINS.has(args.path.replace(/^node:/, ''))
          ? lazyBuiltinStandIn(args.path)
          : `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
});

// The schema's runtime enum comes from the runtime table (src/model/runtimes.ts), before anything reads the schema.
if (await writeSchemas()) console.log('schemas/serverless-scf.schema.json: runtime enum regenerated from src/model/runtimes.ts');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  minify: production,
  logLevel: 'warning',
  metafile: true,
  define: { __SCF_TOOLKIT_VERSION__: JSON.stringify(version) },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'vendor'), { recursive: true });

const metafiles = [];
/** Writes dist/<out>.js of a program: the code cache first, then its bundle. */
const writeProgram = (entry) => {
  const { banner, run, commands } = entry.program;
  const tag = commands ? `${JSON.stringify(`${entry.out}-`)} + (${JSON.stringify(commands)}.includes(process.argv[2]) ? process.argv[2] : 'other')` : JSON.stringify(entry.out);
  writeFileSync(
    join(dist, `${entry.out}.js`),
    [banner, `'use strict';`, entry.program.first, `require('./code-cache.js').installCodeCache(__dirname, ${tag});`, `require('./${entry.out}-main.js')${run ? `.${run}()` : ''};`, ''].filter((l) => l !== undefined).join('\n'),
  );
};
const outName = (entry) => (entry.program ? `${entry.out}-main` : entry.out);

// The schema validators, compiled by ajv now (the same schemas and options src/schema/validators.ts
// compiles with when run from source) and written as plain functions.
{
  const tmp = join(dist, '.validator-sources.cjs');
  await build({ ...common, metafile: false, entryPoints: [join(root, 'src/schema/validatorSources.ts')], outfile: tmp, plugins: [] });
  const require = createRequire(import.meta.url);
  const { VALIDATOR_GROUPS } = require(tmp);
  rmSync(tmp);
  const Ajv = require('ajv').default;
  const standaloneCode = require('ajv/dist/standalone').default;
  // One ajv per group, each group in a file of its own (dist/vendor/scf-validators-<n>.js) loaded when
  // one of its validators is first asked for: validating a plain serverless.yml never loads the
  // multi-scf, http and layer validators (two thirds of the code).
  const index = [`'use strict';`, `// The schema validators compiled at build time (scripts/build.mjs); each group loads on first use.`];
  for (const [n, group] of VALIDATOR_GROUPS.entries()) {
    const ajv = new Ajv({ ...group.options, code: { source: true } });
    for (const [id, schema] of Object.entries(group.schemas)) ajv.addSchema(schema, id);
    const ids = Object.keys(group.schemas);
    // (resolved from the repository, where ajv's runtime helpers are, wherever the build goes)
    const contents = standaloneCode(ajv, Object.fromEntries(ids.map((id) => [id, id])));
    const result = await build({ ...common, stdin: { contents, resolveDir: root, sourcefile: `scf-validators-${n}.js`, loader: 'js' }, outfile: join(dist, 'vendor', `scf-validators-${n}.js`), plugins: [vendorPlugin('./', '')] });
    metafiles.push(result.metafile);
    index.push(`{ let m; for (const id of ${JSON.stringify(ids)}) Object.defineProperty(exports, id, { enumerable: true, get: () => (m ??= require('./scf-validators-${n}.js'))[id] }); }`);
  }
  index.push(`exports.validator = (id) => exports[id];`, '');
  writeFileSync(join(dist, 'vendor', 'scf-validators.js'), index.join('\n'));
}


/**
 * Libraries shipped in parts, not as one bundle: the extension host loads them in pieces, each part in
 * a turn of the event loop of its own (src/views/bundleCache.ts), where the language client's 243 KB
 * in one bundle held the editor's thread for 20-50 ms (its top level runs the modules of its ~45
 * features). The package's modules are put in the order Node runs them (each after what it requires)
 * and cut into SPLIT_PARTS parts of about equal source; a part's modules that later ones require are
 * its exports, so a part requires only earlier ones. The last part, with the main module, is
 * dist/vendor/<name>.js itself; the others are dist/vendor/<name>/part-<n>.js. (One file per module
 * loaded as well, but 56 small files compressed ~40 KB worse, and vsce warns past 100 JavaScript
 * files: the VSIX has 81 with these.)
 */
const SPLIT = new Set(['vscode-languageclient/node']);
const SPLIT_PARTS = 5;

async function buildSplit(spec) {
  const main = createRequire(join(root, 'x.js')).resolve(spec);
  const pkgDir = main.slice(0, main.lastIndexOf(`node_modules/${packageOf(spec)}/`) + `node_modules/${packageOf(spec)}/`.length);
  const name = vendorFile(spec).replace(/\.js$/, '');
  const key = (file) => relative(pkgDir, file).split('\\').join('/');
  // The package's own modules in the order Node runs them: each after the ones it requires.
  const order = [];
  const state = new Map();
  const visit = (file) => {
    state.set(file, 'open');
    for (const m of readFileSync(file, 'utf8').matchAll(/require\("(\.\.?\/[^"]+)"\)/g)) {
      const dep = createRequire(file).resolve(m[1]);
      if (!dep.startsWith(pkgDir)) continue;
      if (state.get(dep) === 'open') throw new Error(`build: ${key(file)} and ${key(dep)} require each other; SPLIT cannot keep the order ${spec}'s modules run in`);
      if (!state.has(dep)) visit(dep);
    }
    state.set(file, 'done');
    order.push(file);
  };
  visit(main);
  const total = order.reduce((sum, f) => sum + statSync(f).size, 0);
  const parts = [[]];
  let bytes = 0;
  for (const file of order) {
    const size = statSync(file).size;
    if (bytes > 0 && bytes + size / 2 > (total / SPLIT_PARTS) * parts.length) parts.push([]);
    parts.at(-1).push(file);
    bytes += size;
  }
  const partOf = new Map(parts.flatMap((files, n) => files.map((f) => [f, n + 1])));
  const last = parts.length;
  const partFile = (n) => (n === last ? join(dist, 'vendor', `${name}.js`) : join(dist, 'vendor', name, `part-${n}.js`));
  for (const [n, files] of parts.entries()) {
    const here = dirname(partFile(n + 1));
    const fromHere = (file) => `./${relative(here, file).split('\\').join('/')}`;
    const own = {
      name: 'split',
      setup(b) {
        // `package#name` (CANONICAL): that export of the package's own vendor file, with no file of its own
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          const source = vendorSource(args.path);
          if (!source.includes('#') || args.namespace === 'pick') return undefined;
          const [pkg, pick] = source.split('#');
          vendorNeeded.add(pkg);
          return { path: `${fromHere(join(dist, 'vendor', vendorFile(pkg)))}#${pick}`, namespace: 'pick' };
        });
        b.onLoad({ filter: /.*/, namespace: 'pick' }, (args) => {
          const [file, pick] = args.path.split('#');
          return { contents: `module.exports = require(${JSON.stringify(file)}).${pick};`, loader: 'js' };
        });
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.namespace === 'split-other' || args.namespace === 'pick') return { path: args.path, external: true };
          const file = createRequire(join(args.resolveDir, 'x.js')).resolve(args.path);
          if (!file.startsWith(pkgDir) || partOf.get(file) === n + 1) return undefined;
          return { path: `${partOf.get(file)}:${key(file)}`, namespace: 'split-other' };
        });
        // a module of an earlier part: that part's export of it
        b.onLoad({ filter: /.*/, namespace: 'split-other' }, (args) => {
          const [part, module] = args.path.split(/:(.*)/);
          return { contents: `module.exports = require(${JSON.stringify(fromHere(partFile(Number(part))))})[${JSON.stringify(module)}];`, loader: 'js' };
        });
      },
    };
    const required = (f) => `require(${JSON.stringify(`./${relative(root, f)}`)})`;
    // the last part answers with the main module (it is last in Node's order: nothing requires it)
    const contents = n + 1 === last ? files.map((f) => (f === main ? `module.exports = ${required(f)};` : `${required(f)};`)).join('\n') : files.map((f) => `exports[${JSON.stringify(key(f))}] = ${required(f)};`).join('\n');
    const result = await build({
      ...common,
      stdin: { contents, resolveDir: root, loader: 'js' },
      outfile: partFile(n + 1),
      plugins: [own, vendorPlugin(n + 1 === last ? './' : '../', packageOf(spec))],
      banner: { js: `// ${spec}, part ${n + 1} of ${last} (scripts/build.mjs, SPLIT)` },
    });
    metafiles.push(result.metafile);
  }
}

// Entries of one `group` share their first-party code: esbuild splits what two or more of them import
// into chunks (dist/chunk-<hash>.js) that each requires, so the model, the schema checks and the emulator
// ship once, not once per program. esbuild splits only ES modules, so the group is bundled as ESM into
// a scratch folder and each file then turned into CommonJS in dist/ (the extension host and Node 20's
// require need CommonJS); source maps are carried through both steps. Each program still loads only
// the code it reaches: a chunk holds only what the same set of entries uses.
const present = entries.filter((e) => existsSync(join(root, e.in)));
const groups = new Map();
for (const entry of present) groups.set(entry.group ?? entry.out, [...(groups.get(entry.group ?? entry.out) ?? []), entry]);
/** Bundles one group (or a lone entry); `write: false` is the first pass, which only learns what it requires. */
async function buildGroup(name, members, write = true) {
  const lazyVendors = members.some((e) => e.lazyVendors);
  const plugins = [vscodeOncePlugin, vendorPlugin('./vendor/', undefined, lazyVendors), schemaPlugin, validatorsPlugin(lazyVendors), lazyPlugin(members), ...(members.some((e) => e.standalone) ? [] : [standalonePlugin])];
  if (members.length === 1) {
    const [entry] = members;
    if (lazyVendors) throw new Error(`build: ${entry.out}: lazyVendors needs a group (its stand-ins are modules of the group)`);
    const result = await build({ ...common, entryPoints: [join(root, entry.in)], outfile: join(dist, `${outName(entry)}.js`), sourcemap: production ? false : 'linked', plugins });
    metafiles.push(result.metafile);
    return;
  }
  const scratch = join(dist, `.esm-${name}`);
  const result = await build({
    ...common,
    write,
    format: 'esm',
    splitting: true,
    minify: false,
    entryPoints: members.map((e) => ({ in: join(root, e.in), out: outName(e) })),
    outdir: scratch,
    chunkNames: `chunk-[hash]`,
    sourcemap: production ? false : 'linked',
    plugins: [externalsAsCommonJs(plugins)],
  });
  if (!write) return;
  metafiles.push(result.metafile);
  // The CommonJS files end with a list of their export names for Node's import of CommonJS from an
  // ES module (platform 'node' writes it): only the API is imported so (`import { createEmulator }
  // from 'scf-toolkit'`); the other files are only required by ours, so they go without (6 KB).
  const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
  const importable = (f) => members.some((e) => e.importable && f === relative(root, join(scratch, `${outName(e)}.js`)));
  for (const platform of ['node', 'neutral']) {
    const files = outputs.filter((f) => importable(f) === (platform === 'node'));
    if (!files.length) continue;
    await build({
      ...common,
      platform,
      bundle: false,
      external: undefined,
      metafile: false,
      // the scratch files' tsconfig is the repository's (its strictness: "use strict"), also when the build goes elsewhere (SCF_BUILD_OUT)
      tsconfig: join(root, 'tsconfig.json'),
      entryPoints: files.map((f) => join(root, f)),
      outdir: dist,
      sourcemap: production ? false : 'linked',
    });
  }
  rmSync(scratch, { recursive: true, force: true });
}

// Each library module, once; built until no new one is needed (a library's own dependencies).
const built = new Set();
async function buildVendors() {
    for (let pending = [...vendorNeeded]; pending.length; pending = [...vendorNeeded].filter((s) => !built.has(s))) {
    for (const spec of pending) {
      built.add(spec);
      if (SPLIT.has(spec)) {
        await buildSplit(spec);
        continue;
      }
      const [source, pick] = spec.split('#');
      const result = await build({
        ...common,
        stdin: { contents: `module.exports = require(${JSON.stringify(VENDOR_SOURCE[source] ?? source)})${pick ? `.${pick}` : ''};`, resolveDir: root, loader: 'js' },
        outfile: join(dist, 'vendor', vendorFile(spec)),
        plugins: [vendorPlugin('./', pick ? undefined : packageOf(spec))],
      });
      metafiles.push(result.metafile);
    }
  }
}

// The lazy stand-ins' shapes: the export names of each library (and whether it is a function), read
// from its built vendor file in a child process, with a stand-in for `vscode` (the language client requires it).
async function readLazyShapes() {
  if (!lazyNeeded.size) return;
  const probe = `
    const Module = require('node:module');
    const stub = () => new Proxy(function () {}, { get: (t, k) => (k === 'then' ? undefined : stub()), apply: () => stub(), construct: () => stub() });
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (r, ...a) { return r === 'vscode' ? 'vscode' : resolve.call(this, r, ...a); };
    require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: stub() };
    const out = {};
    for (const file of JSON.parse(process.argv[1])) {
      const m = require(require('node:path').join(${JSON.stringify(join(dist, 'vendor'))}, file));
      out[file] = { fn: typeof m === 'function', keys: Object.keys(m) };
    }
    process.stdout.write(JSON.stringify(out));`;
  const shapes = JSON.parse(execFileSync(process.execPath, ['-e', probe, JSON.stringify([...lazyNeeded])], { encoding: 'utf8' }));
  for (const [file, shape] of Object.entries(shapes)) lazyShapes.set(file, shape);
}

// The order: the validators and the groups' first pass (which libraries they load lazily), those
// libraries and their shapes, then the bundles for real, then any library only they need.
collecting = true;
for (const [name, members] of groups) if (members.some((e) => e.lazyVendors)) await buildGroup(name, members, false);
collecting = false;
await buildVendors();
checkTslib();
await readLazyShapes();
for (const [name, members] of groups) await buildGroup(name, members);
for (const entry of present) if (entry.program) writeProgram(entry);
await buildVendors();
checkTslib();
// A lazy library's require must stay inside its stand-in's function (esbuild's `__require(...)`):
// a plain `require("./vendor/x.js")` in a bundle is a dependency the editor's loader loads with it
// (bundleDeps() in src/views/bundleCache.ts), which would undo the laziness.
for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(join(dist, file), 'utf8');
  for (const lazy of lazyNeeded) if (text.includes(`require("./vendor/${lazy}")`)) throw new Error(`build: dist/${file} requires vendor/${lazy} when it loads, not on first use`);
}

// No file of node_modules in two outputs: that is what "each library bundled once" means.
const seen = new Map();
for (const meta of metafiles) {
  for (const [out, { inputs }] of Object.entries(meta.outputs)) {
    for (const input of Object.keys(inputs)) {
      if (!input.includes('node_modules/')) continue;
      if (seen.has(input) && seen.get(input) !== out) throw new Error(`build: ${input} is bundled into both ${seen.get(input)} and ${out}; add its package to CANONICAL in scripts/build.mjs`);
      seen.set(input, out);
    }
  }
}

// tslib's vendor file has only the helpers of scripts/shims/tslib.js: every bundled file that calls
// another one (a new version of the SDK) fails the build here, not a deploy at run time.
function checkTslib() {
  const helpers = tslibHelpers();
  for (const meta of metafiles) {
    for (const input of Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs))) {
      if (!input.includes('node_modules/') || !input.endsWith('.js')) continue;
      const text = readFileSync(join(root, input), 'utf8');
      if (!/require\(["']tslib["']\)/.test(text)) continue;
      for (const [, helper] of text.matchAll(/\btslib(?:_\d+)?\.(__\w+)/g)) {
        if (!helpers.has(helper)) throw new Error(`build: ${input} calls tslib's ${helper}, which scripts/shims/tslib.js leaves out; add it there`);
      }
    }
  }
}

if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);

// dist/package.json ends Node's lookup of the package scope (the module type) of every file of dist/
// there, as dist/runtimes/package.json does for the runtimes: the toolkit's own package.json (the
// extension's 26 KB manifest) is then not read and parsed by each start of the CLI, the host or the
// language server, before their first line runs. The same module type the root gives (none: CommonJS).
writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// Runtime bootstraps and data files read at run time.
cpSync(join(root, 'src/emulator/runtimes/assets'), join(dist, 'runtimes'), { recursive: true });
if (existsSync(join(root, 'src/events/templates'))) cpSync(join(root, 'src/events/templates'), join(dist, 'templates'), { recursive: true });
// The programmatic API's types (require('scf-toolkit')).
if (existsSync(join(root, 'src/api/index.ts'))) {
  const { emitApiTypes } = await import('./apiTypes.mjs');
  await emitApiTypes(root, join(dist, 'api.d.ts'));
}
