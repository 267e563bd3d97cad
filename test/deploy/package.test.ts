import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageFunction, MAX_PACKAGE_BYTES, type PackageSpec } from '../../src/deploy/package';
import { tempDir, writeTree } from './helpers';

function spec(codeDir: string, over: Partial<PackageSpec> = {}): PackageSpec {
  return { codeDir, srcExclude: [], srcInclude: [], handler: 'index.main_handler', runtime: 'Nodejs16.13', type: 'event', file: join(codeDir, '..', 'serverless.yml'), ...over };
}

/** packageFunction, with its zip removed when the file's tests end. */
async function pack(s: PackageSpec): ReturnType<typeof packageFunction> {
  const r = await packageFunction(s);
  if (r.ok) after(() => r.value.dispose());
  return r;
}

/** Python's zipfile as the independent reader: names, unix modes, sizes. */
function readWithPython(zipPath: string): Array<{ name: string; mode: number; size: number }> {
  const script = 'import sys,json,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps([{"name":i.filename,"mode":(i.external_attr>>16)&0o777,"size":i.file_size} for i in z.infolist()]))';
  return JSON.parse(execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8' }));
}

test('a web function package has scf_bootstrap at the root, still executable, as Python and unzip read it', async () => {
  const dir = tempDir();
  writeTree(dir, {
    'scf_bootstrap': ['#!/bin/bash\nexec node app.js\n', 0o755],
    'app.js': 'require("http").createServer((q, s) => s.end("ok")).listen(9000);\n',
    'node_modules/left-pad/index.js': 'module.exports = (s) => s;\n',
    'node_modules/left-pad/package.json': '{"name":"left-pad"}\n',
  });
  const r = await pack(spec(dir, { type: 'web', handler: undefined }));
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  const zipPath = r.value.zipFile;
  const entries = readWithPython(zipPath);
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('scf_bootstrap')?.mode, 0o755);
  assert.equal((byName.get('app.js')?.mode ?? 0o777) & 0o111, 0);
  assert.ok(byName.has('node_modules/left-pad/index.js'), 'node_modules in the folder are packaged');
  const listing = execFileSync('unzip', ['-l', zipPath], { encoding: 'utf8' });
  assert.match(listing, /\s scf_bootstrap\n/);
  assert.equal(r.value.fileCount, 4);
  assert.equal(r.value.entryFile, 'scf_bootstrap');
});

test('the same files give the same bytes and SHA-256, whatever the mtimes; a change gives another', async () => {
  const dir = tempDir();
  writeTree(dir, { 'index.js': 'exports.main_handler = async () => 1;\n', 'lib/b.js': 'b'.repeat(5000), 'lib/a.js': 'a' });
  const first = await pack(spec(dir));
  assert.ok(first.ok);
  writeTree(dir, { 'lib/a.js': 'a' }); // rewritten: new mtime, same content
  const second = await pack(spec(dir));
  assert.ok(first.ok && second.ok);
  assert.equal(first.value.sha256, second.value.sha256);
  assert.ok(readFileSync(first.value.zipFile).equals(readFileSync(second.value.zipFile)));
  assert.notEqual(first.value.zipFile, second.value.zipFile, 'each package is a file of its own');
  first.value.dispose();
  assert.throws(() => readFileSync(first.value.zipFile), /ENOENT/, 'dispose removes the zip');
  assert.deepEqual(first.value.files.map((f) => f.path), ['index.js', 'lib/a.js', 'lib/b.js']);
  writeTree(dir, { 'lib/a.js': 'A' });
  const third = await pack(spec(dir));
  assert.ok(third.ok);
  assert.notEqual(third.value.sha256, first.value.sha256);
});

test('src.exclude, .scfignore and src.include decide what is packaged; .env and .git never are', async () => {
  const dir = tempDir();
  writeTree(dir, {
    'index.js': 'exports.main_handler = async () => 1;\n',
    'test/a.test.js': 'x',
    'docs/readme.md': 'x',
    'docs/keep.md': 'x',
    'tmp.log': 'x',
    '.env': 'TENCENT_SECRET_KEY=hunter2\n',
    '.git/config': 'x',
    'lib/.env': 'TENCENT_SECRET_KEY=hunter2\n',
    'lib/.scf/events/fn/a.json': '{}',
    '.scfignore': '*.log\ndocs/\n',
  });
  const r = await pack(spec(dir, { srcExclude: ['test/**'], srcInclude: ['docs/keep.md'] }));
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.deepEqual(r.value.files.map((f) => f.path), ['docs/keep.md', 'index.js']);
});

test('an entry file one folder down is refused with the enclosing-folder explanation (437)', async () => {
  const dir = tempDir();
  writeTree(dir, { 'src/index.js': 'exports.main_handler = async () => 1;\n' });
  const r = await pack(spec(dir));
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'deploy.entryNotAtRoot');
  assert.match(!r.ok ? r.error.message : '', /src\/index\.js.*437 HandlerNotFound.*enclosing-folder/s);
});

test('a missing entry file and a non-executable scf_bootstrap are refused before upload', async () => {
  const dir = tempDir();
  writeTree(dir, { 'main.py': 'def main_handler(e, c): return 1\n' });
  const r = await pack(spec(dir, { runtime: 'Python3.9' }));
  assert.ok(!r.ok && r.error.code === 'deploy.entryNotFound' && /index\.py/.test(r.error.message));
  const web = tempDir();
  writeTree(web, { 'scf_bootstrap': ['#!/bin/sh\n', 0o644] });
  const w = await pack(spec(web, { type: 'web', handler: undefined }));
  assert.ok(!w.ok && w.error.code === 'deploy.bootstrapNotExecutable' && /chmod \+x/.test(w.error.message));
});

test('a symlink that escapes the folder and a glob with ".." are refused; a link inside is followed', async () => {
  const outside = tempDir();
  writeTree(outside, { 'secret.txt': 'x' });
  const dir = tempDir();
  writeTree(dir, { 'index.js': 'exports.main_handler = async () => 1;\n', 'lib/real.js': 'r' });
  symlinkSync(join(dir, 'lib/real.js'), join(dir, 'alias.js'));
  const ok = await pack(spec(dir));
  assert.ok(ok.ok);
  assert.ok(ok.value.files.some((f) => f.path === 'alias.js'));
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'leak.txt'));
  const r = await pack(spec(dir));
  assert.ok(!r.ok && r.error.code === 'deploy.symlinkEscapes', JSON.stringify(r));
  assert.match(!r.ok ? r.error.message : '', /leak\.txt.*outside the code folder/);
  const dir2 = tempDir();
  writeTree(dir2, { 'index.js': 'exports.main_handler = async () => 1;\n' });
  const g = await pack(spec(dir2, { srcInclude: ['../shared/**'] }));
  assert.ok(!g.ok && g.error.code === 'deploy.pathEscapes');
});

test('a package over 50 MB is refused with its size and the largest files', async () => {
  const dir = tempDir();
  writeTree(dir, { 'index.js': 'exports.main_handler = async () => 1;\n' });
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data/blob.bin'), randomBytes(MAX_PACKAGE_BYTES + 1024 * 1024)); // random: does not compress
  const r = await pack(spec(dir));
  assert.ok(!r.ok && r.error.code === 'deploy.packageTooLarge', JSON.stringify(!r.ok && r.error));
  assert.match(!r.ok ? r.error.message : '', /grew past 50\.0 MB .*over the platform's 50\.0 MB limit.*data\/blob\.bin/);
});
