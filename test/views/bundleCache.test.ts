/**
 * The editor's bundles load through V8's code cache (src/views/bundleCache.ts). Each "session" here is
 * a fresh cache over the same files, with the modules dropped from Node's module cache in between, as
 * a new extension host would start: the first compiles and writes the data, the next uses it; a stale,
 * corrupt or unwritable cache only makes a load compile again, and never runs the wrong code.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Module from 'node:module';
import { test } from 'node:test';
import { createBundleCache } from '../../src/views/bundleCache';

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'scf-bundle-cache-'));
  const dist = join(dir, 'dist');
  mkdirSync(join(dist, 'vendor'), { recursive: true });
  // a bundle that requires a library bundle (as scripts/build.mjs writes them), a built-in and a JSON file beside dist/
  writeFileSync(join(dist, 'core.js'), `'use strict';\nconst lib = require("./vendor/lib.js");\nconst { sep } = require('node:path');\nconst data = require('../data.json');\nexports.answer = () => lib.twice(21) + sep.length - 1 + data.zero;\nexports.where = () => __filename;\n`);
  writeFileSync(join(dist, 'vendor', 'lib.js'), `'use strict';\nexports.twice = (n) => n * 2;\nexports.name = 'lib-a';\n`);
  writeFileSync(join(dir, 'data.json'), '{ "zero": 0 }');
  return { dir, dist, cache: join(dir, 'cache') };
}

/** One session: a new cache over the files, none of them in Node's module cache yet. */
function session(dist: string, cacheDirs: string[], worker?: string) {
  for (const k of Object.keys(require.cache)) if (k.startsWith(dist)) delete require.cache[k];
  return createBundleCache({ root: dist, cacheDirs, parent: module, worker });
}

const cacheFiles = (dir: string) => readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)));

test('the first session compiles and writes the code cache, the next one runs from it', async () => {
  const p = project();
  try {
    const first = session(p.dist, [p.cache]);
    const core = first.load<{ answer(): number; where(): string }>(join(p.dist, 'core.js'));
    assert.equal(core.answer(), 42);
    assert.equal(core.where(), join(p.dist, 'core.js'));
    assert.equal(first.load(join(p.dist, 'core.js')), core, 'a bundle loads once');
    assert.deepEqual(first.report(), [{ file: 'core.js', cached: false }, { file: 'lib.js', cached: false }]);
    await first.save();
    assert.equal(cacheFiles(p.cache).length, 2);

    const second = session(p.dist, [p.cache]);
    assert.equal(second.load<{ answer(): number }>(join(p.dist, 'core.js')).answer(), 42);
    assert.deepEqual(second.report(), [{ file: 'core.js', cached: true }, { file: 'lib.js', cached: true }]);
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test('a corrupt or truncated cache file is only a slower load, and is written again', async () => {
  const p = project();
  try {
    const first = session(p.dist, [p.cache]);
    first.load(join(p.dist, 'core.js'));
    await first.save();
    const [a, b] = cacheFiles(p.cache).sort();
    const bytes = readFileSync(a!);
    bytes[bytes.length - 10] ^= 0xff; // one flipped byte in V8's data
    writeFileSync(a!, bytes);
    writeFileSync(b!, readFileSync(b!).subarray(0, 30)); // cut short

    const second = session(p.dist, [p.cache]);
    assert.equal(second.load<{ answer(): number }>(join(p.dist, 'core.js')).answer(), 42);
    assert.deepEqual(second.report().map((r) => r.cached), [false, false]);
    await second.save();
    const third = session(p.dist, [p.cache]);
    third.load(join(p.dist, 'core.js'));
    assert.deepEqual(third.report().map((r) => r.cached), [true, true]);
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test('a rebuilt bundle of the same length runs its new code (V8 alone checks only the length), and the old data goes', async () => {
  const p = project();
  try {
    const first = session(p.dist, [p.cache]);
    first.load(join(p.dist, 'vendor', 'lib.js'));
    await first.save();
    const before = readFileSync(join(p.dist, 'vendor', 'lib.js'), 'utf8');
    const after = before.replace('n * 2', 'n * 3').replace('lib-a', 'lib-b');
    assert.equal(after.length, before.length);
    writeFileSync(join(p.dist, 'vendor', 'lib.js'), after);

    const second = session(p.dist, [p.cache]);
    const lib = second.load<{ twice(n: number): number; name: string }>(join(p.dist, 'vendor', 'lib.js'));
    assert.equal(lib.twice(2), 6);
    assert.equal(lib.name, 'lib-b');
    assert.deepEqual(second.report(), [{ file: 'lib.js', cached: false }]);
    await second.save();
    assert.equal(cacheFiles(p.cache).length, 1, 'the data of the earlier build was removed');
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test('an unwritable cache folder falls back to the next one; with none writable the bundles still load', async (t) => {
  const p = project();
  try {
    const readOnly = join(p.dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    if (process.getuid?.() === 0) {
      // root writes anywhere: stand in for a read-only folder with a path under a file
      writeFileSync(join(p.dir, 'a-file'), '');
    }
    const unwritable = process.getuid?.() === 0 ? join(p.dir, 'a-file', 'sub') : readOnly;
    const first = session(p.dist, [unwritable, p.cache]);
    first.load(join(p.dist, 'core.js'));
    await first.save();
    assert.equal(cacheFiles(p.cache).length, 2);
    const second = session(p.dist, [unwritable, p.cache]);
    second.load(join(p.dist, 'core.js'));
    assert.deepEqual(second.report().map((r) => r.cached), [true, true]);

    const none = session(p.dist, [unwritable]);
    assert.equal(none.load<{ answer(): number }>(join(p.dist, 'core.js')).answer(), 42);
    await none.save(); // nothing to write to: no error
    t.diagnostic('no writable cache folder: compiled as usual');
  } finally {
    chmodSync(join(p.dir, 'read-only'), 0o755);
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test('loadInPieces loads what a bundle requires first, each in a task of its own', async () => {
  const p = project();
  try {
    const cache = session(p.dist, [p.cache]);
    const order: string[] = [];
    const pending = cache.loadInPieces<{ answer(): number }>(join(p.dist, 'core.js'));
    assert.deepEqual(cache.report(), [], 'nothing loads in the calling task');
    // what has loaded, seen from every loop iteration's check phase until core.js has
    let done = false;
    const look = () => {
      order.push(cache.report().map((r) => r.file).join(','));
      if (!done) setImmediate(look);
    };
    setImmediate(look);
    const core = await pending;
    done = true;
    assert.equal(core.answer(), 42);
    assert.deepEqual(cache.report().map((r) => r.file), ['lib.js', 'core.js'], 'the library first');
    assert.ok(order.includes('lib.js'), `the library loaded in a task before the one of core.js (seen: ${order.join(' | ')})`);
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

// The worker thread of the first session (src/views/bundleCacheWorker.ts), as built: npm test builds dist/ first.
const WORKER = join(__dirname, '..', '..', 'dist', 'cache-worker.js');
const noWorker = existsSync(WORKER) ? false : `no ${WORKER}: run npm run build`;

/** Starts the worker for core.js, loads it as the editor does, and ends the worker. */
async function firstSession(p: ReturnType<typeof project>, worker = WORKER) {
  const cache = session(p.dist, [p.cache], worker);
  const started = cache.produceOffThread([join(p.dist, 'core.js')]);
  try {
    const core = await cache.loadInPieces<{ answer(): number }>(join(p.dist, 'core.js'));
    return { cache, started, answer: core.answer() };
  } finally {
    cache.dispose();
  }
}

const magicOf = (file: string) => readFileSync(file).subarray(0, 6).toString();

test('with no code cache, a worker thread produces it and the bundles load with it; the editor thread replaces it later with its own', { skip: noWorker }, async () => {
  const p = project();
  try {
    const first = await firstSession(p);
    assert.equal(first.started, true);
    assert.equal(first.answer, 42);
    assert.deepEqual(first.cache.report(), [{ file: 'lib.js', cached: true }, { file: 'core.js', cached: true }], "V8 accepted the worker's data on this thread");
    assert.deepEqual(cacheFiles(p.cache).map(magicOf), ['SCFw8\n', 'SCFw8\n'], "the worker's data is marked partial");
    await first.cache.save();
    assert.deepEqual(cacheFiles(p.cache).map(magicOf), ['SCFv8\n', 'SCFv8\n'], "the editor thread's data replaced it");

    const next = session(p.dist, [p.cache], WORKER);
    assert.equal(next.produceOffThread([join(p.dist, 'core.js')]), false, 'no worker once the cache exists');
    assert.equal(next.load<{ answer(): number }>(join(p.dist, 'core.js')).answer(), 42);
    assert.deepEqual(next.report().map((r) => r.cached), [true, true]);
    await next.save();
    assert.deepEqual(cacheFiles(p.cache).map(magicOf), ['SCFv8\n', 'SCFv8\n'], 'nothing more to write');
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test("a worker that cannot start, or a bundle whose top level throws against the worker's stand-in for vscode, costs only a normal compile", { skip: noWorker }, async () => {
  const p = project();
  try {
    const none = await firstSession(p, join(p.dir, 'no-such-worker.js'));
    assert.equal(none.answer, 42);
    assert.deepEqual(none.cache.report().map((r) => r.cached), [false, false]);
    assert.equal(existsSync(p.cache), false);

    // The library now needs the editor at its top level: the worker runs it against a stand-in and
    // still writes the data of what compiled; here (no vscode) it is the extension host's own module.
    writeFileSync(join(p.dist, 'vendor', 'lib.js'), `'use strict';\nconst vscode = require('vscode');\nif (vscode.env.appName) throw new Error('not the editor');\nexports.twice = (n) => n * 2;\n`);
    const cache = session(p.dist, [p.cache], WORKER);
    assert.equal(cache.produceOffThread([join(p.dist, 'core.js')]), true);
    const vscodeStub = { env: { appName: '' } };
    const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
    const resolveVscode = loader._resolveFilename;
    loader._resolveFilename = function (request, ...rest) {
      return request === 'vscode' ? 'vscode' : resolveVscode.call(this, request, ...rest);
    };
    require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub } as unknown as NodeModule;
    try {
      const core = await cache.loadInPieces<{ answer(): number }>(join(p.dist, 'core.js'));
      assert.equal(core.answer(), 42);
      assert.deepEqual(cache.report(), [{ file: 'lib.js', cached: true }, { file: 'core.js', cached: true }]);
    } finally {
      loader._resolveFilename = resolveVscode;
      delete require.cache.vscode;
      cache.dispose();
    }
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

test("the worker's stand-in for vscode survives a bundle's export * and top-level use: constructors, namespaces, awaits", async () => {
  const { standIn } = await import('../../src/views/bundleCacheWorker');
  const vscode = standIn(new Set(['ThemeIcon', 'window'])) as Record<string, unknown>;
  // esbuild's `export * from 'vscode'`: the module's own property names, each copied as a getter
  const api: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(vscode)) if (!(key in api)) Object.defineProperty(api, key, { get: () => vscode[key], enumerable: true });
  const ThemeIcon = api.ThemeIcon as new (id: string) => unknown;
  assert.doesNotThrow(() => new ThemeIcon('symbol-function'));
  const window = api.window as { createOutputChannel(name: string): { appendLine(s: string): void }; showInformationMessage(m: string): unknown };
  assert.doesNotThrow(() => window.createOutputChannel('SCF').appendLine('x'));
  assert.notEqual(await window.showInformationMessage('hi'), undefined, 'awaiting a stand-in resolves (it is no thenable)');
  assert.equal(api.workspace, undefined, 'only the names it was given');
});

test('turn(): the start-up pieces of two chains run in loop iterations of their own, never back to back in one', async () => {
  const p = project();
  try {
    const cache = session(p.dist, [p.cache]);
    const marks: string[] = [];
    const first = cache.turn().then(() => {
      marks.push('first');
      // a timer due before the next loop iteration's timers phase: it runs between two turns that are
      // in iterations of their own, and after both were they back to back in one check phase
      setTimeout(() => marks.push('timer'), 0);
      const until = Date.now() + 5;
      while (Date.now() < until);
    });
    const second = cache.turn().then(() => marks.push('second'));
    const piece = cache.loadInPieces(join(p.dist, 'core.js')).then(() => marks.push('core.js'));
    await Promise.all([first, second, piece]);
    assert.deepEqual(marks.slice(0, 3), ['first', 'timer', 'second']);
    assert.equal(marks.at(-1), 'core.js', "loadInPieces' pieces take their turns after the earlier ones");
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
});

/**
 * A first session with `file` (under dist/) a stand-in that writes to a marker what the worker asked
 * of it (`source` gets the marker's path): the worker's warm-up of that bundle. Returns what it wrote.
 */
async function warmedUp(file: string, source: (marker: string) => string): Promise<{ asked: string; report: Array<{ file: string; cached: boolean }> }> {
  const p = project();
  try {
    const marker = join(p.dir, 'asked');
    writeFileSync(join(p.dist, file), source(marker));
    const cache = session(p.dist, [p.cache], WORKER);
    assert.equal(cache.produceOffThread([join(p.dist, file)]), true);
    try {
      await cache.loadInPieces(join(p.dist, file));
    } finally {
      cache.dispose();
    }
    return { asked: existsSync(marker) ? readFileSync(marker, 'utf8') : '', report: cache.report() };
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
}

test("the worker also calls the YAML library's parser once, so the first parse's code is in the data", { skip: noWorker }, async () => {
  const { asked, report } = await warmedUp('vendor/yaml.js', (marker) => `'use strict';\nclass LineCounter {}\nexports.LineCounter = LineCounter;\nexports.parseDocument = (text, o) => { require('node:fs').writeFileSync(${JSON.stringify(marker)}, String(o.lineCounter instanceof LineCounter) + ' ' + text.includes('component: scf')); return { toJS: () => ({}) }; };\n`);
  assert.equal(asked, 'true true');
  assert.deepEqual(report, [{ file: 'yaml.js', cached: true }]);
});

test("the worker also compiles glob patterns once with the glob library, so the tree's first scan finds that code in the data", { skip: noWorker }, async () => {
  const { asked, report } = await warmedUp('vendor/picomatch.js', (marker) => `'use strict';\nmodule.exports = (glob, o) => { require('node:fs').appendFileSync(${JSON.stringify(marker)}, glob + ' ' + o.dot + '\\n'); return () => false; };\n`);
  assert.match(asked, /^\*\*\/node_modules true$/m);
  assert.deepEqual(report, [{ file: 'picomatch.js', cached: true }]);
});

test("the worker also makes a language client once (nothing starts), so the editor's construction and start find that code in the data", { skip: noWorker }, async () => {
  const { asked } = await warmedUp(
    'vendor/vscode-languageclient-node.js',
    (marker) =>
      `'use strict';\nconst fs = require('node:fs');\nexports.TransportKind = { ipc: 1 };\nexports.LanguageClient = class { constructor(id, name, server, options) { this.checkVersion(); fs.appendFileSync(${JSON.stringify(marker)}, 'made ' + server.run.transport + ' ' + options.documentSelector.length + '\\n'); } checkVersion() { throw new Error('no version'); } computeClientCapabilities() { fs.appendFileSync(${JSON.stringify(marker)}, 'capabilities\\n'); } start() { fs.appendFileSync(${JSON.stringify(marker)}, 'started\\n'); } };\n`,
  );
  assert.equal(asked, 'made 1 1\ncapabilities\n');
});

test("the worker also runs dist/core.js's warmUp() (the model's parse of a serverless.yml), so the tree's first read finds that code in the data", { skip: noWorker }, async () => {
  const { asked, report } = await warmedUp('core.js', (marker) => `'use strict';\nexports.startCore = () => { throw new Error('not in the worker'); };\nexports.warmUp = () => require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'parsed');\n`);
  assert.equal(asked, 'parsed');
  assert.deepEqual(report, [{ file: 'core.js', cached: true }]);
});

test("a warm-up's calls into the bundles its entry requires are in their data too (their data is written after it)", { skip: noWorker }, async () => {
  // lib.js's `big` is compiled only when called: its data holds it only if written after core.js's warmUp()
  const body = Array.from({ length: 200 }, (_, i) => `  total += (n * ${i + 1}) % ${i + 7};`).join('\n');
  const libSize = async (warmUp: boolean) => {
    const p = project();
    try {
      writeFileSync(join(p.dist, 'vendor', 'lib.js'), `'use strict';\nexports.twice = (n) => n * 2;\nexports.big = (n) => {\n  let total = 0;\n${body}\n  return total;\n};\n`);
      writeFileSync(join(p.dist, 'core.js'), `'use strict';\nconst lib = require("./vendor/lib.js");\nexports.answer = () => lib.twice(21);\n${warmUp ? 'exports.warmUp = () => lib.big(3);\n' : ''}`);
      const cache = session(p.dist, [p.cache], WORKER);
      assert.equal(cache.produceOffThread([join(p.dist, 'core.js')]), true);
      try {
        await cache.loadInPieces(join(p.dist, 'core.js'));
      } finally {
        cache.dispose();
      }
      const [lib] = cacheFiles(p.cache).filter((f) => basename(f).startsWith('vendor_lib.js.'));
      return readFileSync(lib!).length;
    } finally {
      rmSync(p.dir, { recursive: true, force: true });
    }
  };
  const without = await libSize(false);
  const withWarmUp = await libSize(true);
  assert.ok(withWarmUp > without + 500, `lib.js's data grows by the function the warm-up compiled (${without} -> ${withWarmUp} bytes)`);
});
