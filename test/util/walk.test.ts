/** One folder walker (issue 15.3): the searches for function files, test targets and watched code share it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { walkFolders, walkFoldersAsync } from '../../src/util/walk';
import { findServerlessFiles } from '../../src/model/discovery';
import { functionFilesFor } from '../../src/testing/discover';
import { scanCode } from '../../src/emulator/codeWatch';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'scf-walk-'));
  for (const dir of ['a/b/c/d', 'node_modules/pkg', '.git/objects', '.scf/events/f', 'dist', '.venv/lib', 'locked']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['serverless.yml', 'a/serverless.yml', 'a/b/c/d/serverless.yml', 'node_modules/pkg/serverless.yml', '.git/objects/serverless.yml', '.scf/events/f/serverless.yml', 'dist/serverless.yml', 'a/index.js', '.venv/lib/x.js', 'a/.hidden.js', 'locked/serverless.yml']) {
    writeFileSync(join(root, file), 'component: scf\n');
  }
  return root;
}

const rel = (root: string, files: string[]) => files.map((f) => relative(root, f)).sort();

test('the default skip list, the depth and the folder budget hold in both walks; a folder that cannot be read is passed over', async () => {
  const root = tree();
  const seen = (depth?: number, budget?: { dirs: number }) => {
    const dirs: string[] = [];
    walkFolders(root, { maxDepth: depth, budget }, (dir) => void dirs.push(relative(root, dir) || '.'));
    return dirs.sort();
  };
  const all = seen();
  assert.ok(!all.some((d) => /node_modules|\.git|\.scf/.test(d)), all.join());
  assert.ok(all.includes('a/b/c/d') && all.includes('.venv/lib') && all.includes('dist'));
  assert.deepEqual(seen(1), ['.', '.venv', 'a', 'dist', 'locked']);
  assert.equal(seen(undefined, { dirs: 2 }).length, 2);
  const asyncDirs: string[] = [];
  await walkFoldersAsync(root, {}, (dir) => void asyncDirs.push(relative(root, dir) || '.'));
  assert.deepEqual(asyncDirs.sort(), all);
  let missing = 0;
  walkFolders(join(root, 'gone'), {}, () => void missing++);
  await walkFoldersAsync(join(root, 'a/serverless.yml'), {}, () => void missing++);
  assert.equal(missing, 0, 'no visit and no throw for a folder that is not there or not a folder');
  let visits = 0;
  walkFolders(root, {}, () => (++visits === 2 ? 'stop' : undefined));
  assert.equal(visits, 2, "'stop' ends the walk");
});

test('each search keeps its own rules on the shared walker', async () => {
  const root = tree();
  assert.deepEqual(rel(root, await findServerlessFiles(root, { exclude: { '**/dist': true } })), ['a/b/c/d/serverless.yml', 'a/serverless.yml', 'locked/serverless.yml', 'serverless.yml']);
  assert.deepEqual(rel(root, await findServerlessFiles(root, { maxDepth: 1 })), ['a/serverless.yml', 'dist/serverless.yml', 'locked/serverless.yml', 'serverless.yml']);
  // A test target folder with its own serverless.yml is that file; below it, build output is not searched.
  const found = functionFilesFor(join(root, 'a'));
  assert.ok(found.ok);
  assert.deepEqual(rel(root, found.value), ['a/serverless.yml']);
  mkdirSync(join(root, 'outer/dist/x'), { recursive: true });
  mkdirSync(join(root, 'outer/svc'), { recursive: true });
  writeFileSync(join(root, 'outer/dist/x/serverless.yml'), 'component: scf\n');
  writeFileSync(join(root, 'outer/svc/serverless.yml'), 'component: scf\n');
  const below = functionFilesFor(join(root, 'outer'));
  assert.ok(below.ok);
  assert.deepEqual(rel(root, below.value), ['outer/svc/serverless.yml']);
  // A warm instance watches code files, never dot-files, dot-folders or node_modules.
  assert.deepEqual(rel(root, scanCode(root, /\.js$/)), ['a/index.js']);
});
