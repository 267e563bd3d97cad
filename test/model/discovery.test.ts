import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findServerlessFiles, excludeMatcher, isServerlessPath, isTemplatePath, workspaceFileKind } from '../../src/model/discovery';

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'scf-discovery-'));
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'component: scf\n');
  }
  return root;
}

test('finds serverless.yml and serverless.yaml in every folder, skipping node_modules and .git', async () => {
  const root = tree([
    'serverless.yml',
    'api/serverless.yaml',
    'jobs/nightly/serverless.yml',
    'node_modules/some-lib/serverless.yml',
    'api/node_modules/x/serverless.yml',
    '.git/serverless.yml',
    'other.yml',
    'api/serverless.yml.bak',
  ]);
  const found = await findServerlessFiles(root);
  assert.deepEqual(found, [join(root, 'api/serverless.yaml'), join(root, 'jobs/nightly/serverless.yml'), join(root, 'serverless.yml')]);
});

test('honours files.exclude, including false entries and when-clauses', async () => {
  const root = tree(['a/serverless.yml', 'build/serverless.yml', 'deep/x/generated/serverless.yml', 'keep/serverless.yml']);
  const found = await findServerlessFiles(root, {
    exclude: { '**/build': true, '**/generated/**': true, keep: false, '**/.git': true },
  });
  assert.deepEqual(found, [join(root, 'a/serverless.yml'), join(root, 'keep/serverless.yml')]);
  const viaFile = await findServerlessFiles(root, { exclude: { 'a/serverless.yml': true } });
  assert.ok(!viaFile.includes(join(root, 'a/serverless.yml')));
});

test('when-clauses hide a file only if the sibling exists', () => {
  const match = excludeMatcher({ '**/*.yml': { when: '$(basename).ts' } });
  assert.equal(match('src/serverless.yml', new Set(['serverless.yml', 'serverless.ts'])), true);
  assert.equal(match('src/serverless.yml', new Set(['serverless.yml'])), false);
});

test('depth is bounded', async () => {
  const root = tree(['a/b/c/d/serverless.yml']);
  assert.equal((await findServerlessFiles(root, { maxDepth: 2 })).length, 0);
  assert.equal((await findServerlessFiles(root, { maxDepth: 4 })).length, 1);
});

test('isServerlessPath recognises only serverless files outside node_modules', () => {
  assert.equal(isServerlessPath('/w/api/serverless.yml'), true);
  assert.equal(isServerlessPath('C:\\w\\serverless.yaml'), true);
  assert.equal(isServerlessPath('/w/node_modules/x/serverless.yml'), false);
  assert.equal(isServerlessPath('/w/serverless.json'), false);
});

test('a TCSAM template.yaml is found; another tool\'s template.yaml is not', async () => {
  const root = mkdtempSync(join(tmpdir(), 'scf-disc-tcsam-'));
  mkdirSync(join(root, 'legacy'));
  mkdirSync(join(root, 'sam'));
  writeFileSync(join(root, 'legacy', 'template.yaml'), 'Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    fn:\n      Type: TencentCloud::Serverless::Function\n');
  writeFileSync(join(root, 'sam', 'template.yaml'), 'Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n');
  assert.deepEqual(await findServerlessFiles(root), [join(root, 'legacy', 'template.yaml')]);
  assert.equal(isTemplatePath(join(root, 'legacy', 'template.yaml')), true);
  assert.equal(isTemplatePath(join(root, 'node_modules', 'x', 'template.yaml')), false);
});

test('workspaceFileKind sorts what the one file watcher reports', () => {
  assert.equal(workspaceFileKind('/w/api/serverless.yml'), 'serverless');
  assert.equal(workspaceFileKind('/w/api/serverless.yaml'), 'serverless');
  assert.equal(workspaceFileKind('/w/legacy/template.yml'), 'template');
  assert.equal(workspaceFileKind('/w/api/.scf/events/fn/paid.json'), 'events');
  assert.equal(workspaceFileKind('/w/api/.scf/events/fn'), 'events');
  assert.equal(workspaceFileKind('/w/api/.scf/endpoint/state.json'), 'dependency', 'our own state is not the user\'s');
  assert.equal(workspaceFileKind('/w/node_modules/x/serverless.yml'), 'dependency');
  assert.equal(workspaceFileKind('C:\\w\\.git\\HEAD'), 'dependency');
  assert.equal(workspaceFileKind('/w/api/src/index.js'), 'other');
  assert.equal(workspaceFileKind('/w/api'), 'other');
});
