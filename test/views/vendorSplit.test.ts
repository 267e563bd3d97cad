/**
 * The language client's library ships in parts (scripts/build.mjs, SPLIT), so that the extension host
 * loads it in pieces, a file per turn of the event loop (src/views/bundleCache.ts), instead of one
 * 243 KB bundle in one task. Against the build in dist/ (npm test builds it first).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { bundleDeps, createBundleCache } from '../../src/views/bundleCache';
import { standIn } from '../../src/views/bundleCacheWorker';

const dist = join(__dirname, '..', '..', 'dist');
const entry = join(dist, 'vendor', 'vscode-languageclient-node.js');
const folder = join(dist, 'vendor', 'vscode-languageclient-node');
const notBuilt = existsSync(folder) ? false : `no ${folder}: run npm run build`;
const root = `${dist}/`;

/** Runs `body` with `require('vscode')` answered by a stand-in (as the build's probe and the cache worker do). */
async function withVscode<T>(body: () => Promise<T>): Promise<T> {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  const names = new Set<string>();
  for (const file of readdirSync(folder)) for (const m of readFileSync(join(folder, file), 'utf8').matchAll(/\.([A-Z][A-Za-z0-9_]*)\b/g)) names.add(m[1]!);
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: standIn(names) } as unknown as NodeModule;
  try {
    return await body();
  } finally {
    loader._resolveFilename = resolve;
    delete require.cache.vscode;
  }
}

test("the language client's library is in parts, each requiring only earlier ones", { skip: notBuilt }, () => {
  const parts = readdirSync(folder).filter((f) => f.endsWith('.js'));
  assert.ok(parts.length >= 3, `in parts (${parts.length} besides the main one)`);
  const whole = readdirSync(folder).reduce((sum, f) => sum + readFileSync(join(folder, f)).length, readFileSync(entry).length);
  for (const f of [...parts.map((p) => join(folder, p)), entry]) assert.ok(readFileSync(f).length < whole / 3, `${basename(f)} is a part, not most of the library`);
  // loadInPieces loads each file after the ones it requires; a cycle would change the order modules run in
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    state.set(file, 'open');
    for (const dep of bundleDeps(file, readFileSync(file, 'utf8'), root)) {
      assert.notEqual(state.get(dep), 'open', `a cycle: ${[...path, file, dep].map((f) => basename(f)).join(' -> ')}`);
      if (!state.has(dep)) visit(dep, [...path, file]);
    }
    state.set(file, 'done');
  };
  visit(entry, []);
  for (const f of parts) assert.ok(state.has(join(folder, f)), `${f} is required by the library`);
});

test("loaded in pieces, a file per turn of the event loop, it has the package's own exports", { skip: notBuilt }, async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'scf-vendor-split-'));
  try {
    await withVscode(async () => {
      const cache = createBundleCache({ root: dist, cacheDirs: [cacheDir], parent: module });
      const seen: number[] = [];
      let done = false;
      const look = () => {
        seen.push(cache.report().length);
        if (!done) setImmediate(look);
      };
      setImmediate(look);
      const client = await cache.loadInPieces<Record<string, unknown>>(entry);
      done = true;
      const loaded = cache.report().map((r) => r.file);
      const pieces = readdirSync(folder).length + 1;
      assert.ok(loaded.length >= pieces, `every file loaded through the cache (${loaded.length} of ${pieces})`);
      // from one loop iteration's check phase to the next, one more file at most (its own turn)
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! - seen[i - 1]! <= 1, `one file per turn (${seen.slice(0, i + 1).join(', ')})`);
      const own = require('vscode-languageclient/node') as Record<string, unknown>;
      assert.deepEqual(Object.keys(client).sort(), Object.keys(own).sort());
      assert.equal(typeof client.LanguageClient, 'function');
      assert.deepEqual(client.TransportKind, own.TransportKind);
    });
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
