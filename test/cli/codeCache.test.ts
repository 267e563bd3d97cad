/**
 * The toolkit's own processes compile dist/ with V8's code cache (src/codeCache.ts): the first run
 * writes it, later runs use it, broken or stale data is never run, and nothing a user sees changes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const skip = existsSync(CLI) ? false : 'dist/ is not built (npm run build)';

function cli(args: string[], cache: string, extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, ...extraEnv } });
}

const cacheDir = (cache: string) => join(cache, 'scf-toolkit', 'v8', `${process.version}-${process.arch}`);
function cacheFiles(cache: string): string[] {
  return existsSync(cacheDir(cache)) ? readdirSync(cacheDir(cache)).sort() : [];
}
const stamps = (cache: string) => cacheFiles(cache).map((f) => `${f}@${statSync(join(cacheDir(cache), f)).mtimeMs}`);

test('the first run writes the code cache of the bundles it loaded; later runs answer the same', { skip }, () => {
  const cache = mkdtempSync(join(tmpdir(), 'scf-code-cache-'));
  const target = join(ROOT, 'examples/hello-nodejs');
  const first = cli(['invoke', target, '--event-json', '{"name":"cache"}', '--json'], cache);
  assert.equal(first.status, 0, first.stderr);
  const written = cacheFiles(cache);
  const before = stamps(cache);
  for (const bundle of ['cli-main.js', 'cli-invoke.js', 'vendor_yaml.js']) assert.ok(written.some((f) => f.startsWith(`${bundle}.`)), `${bundle} has no cache: ${written.join(', ')}`);
  const second = cli(['invoke', target, '--event-json', '{"name":"cache"}', '--json'], cache);
  assert.equal(second.status, 0, second.stderr);
  const result = (out: string) => JSON.parse(out.trim().split('\n').pop()!).result as unknown;
  assert.deepEqual(result(second.stdout), result(first.stdout));
  assert.deepEqual(stamps(cache), before, 'a run that used the cache rewrote it');
});

test('garbage in the cache is rejected by V8 and replaced; SCF_TOOLKIT_CODE_CACHE=0 writes none', { skip }, () => {
  const cache = mkdtempSync(join(tmpdir(), 'scf-code-cache-bad-'));
  assert.equal(cli(['--version'], cache).status, 0);
  const [file] = cacheFiles(cache);
  assert.ok(file, 'the dispatcher got a cache');
  const path = join(cacheDir(cache), file!);
  const garbage = Buffer.alloc(4096, 7);
  writeFileSync(path, garbage);
  const again = cli(['--version'], cache);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^\d+\.\d+\.\d+/);
  assert.notDeepEqual(readFileSync(path), garbage, 'the rejected data was not replaced');

  const off = mkdtempSync(join(tmpdir(), 'scf-code-cache-off-'));
  assert.equal(cli(['--version'], off, { SCF_TOOLKIT_CODE_CACHE: '0' }).status, 0);
  assert.deepEqual(cacheFiles(off), []);
});

test('an error inside a cached bundle still names its file and line', { skip }, () => {
  const cache = mkdtempSync(join(tmpdir(), 'scf-code-cache-stack-'));
  const script = `require(${JSON.stringify(join(ROOT, 'dist/code-cache.js'))}).installCodeCache(${JSON.stringify(join(ROOT, 'dist'))});
try { require(${JSON.stringify(join(ROOT, 'dist/vendor/yaml.js'))}).parse('a: [', { prettyErrors: false }); } catch (e) { console.log(e.stack.split('\\n').slice(1, 3).join('\\n')); }`;
  for (let i = 0; i < 2; i++) {
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: cache } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dist\/vendor\/yaml\.js:\d+:\d+/);
  }
});

test('a bundle changed to another text of the same length runs its new code, not the cached one', { skip }, () => {
  // V8 checks only the source's length: same-length data would be accepted and the old code run.
  const cache = mkdtempSync(join(tmpdir(), 'scf-code-cache-same-'));
  const dist = mkdtempSync(join(tmpdir(), 'scf-code-cache-dist-'));
  const bundle = join(dist, 'program.js');
  const run = () => {
    const script = `require(${JSON.stringify(join(ROOT, 'dist/code-cache.js'))}).installCodeCache(${JSON.stringify(dist)}); console.log(require(${JSON.stringify(bundle)}));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: cache } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  writeFileSync(bundle, "module.exports = 'first build';\n");
  assert.equal(run(), 'first build');
  assert.equal(run(), 'first build');
  assert.ok(cacheFiles(cache).some((f) => f.startsWith('program.js.')), 'the bundle got a cache');
  writeFileSync(bundle, "module.exports = 'other build';\n");
  assert.equal(run(), 'other build');
  assert.equal(run(), 'other build');
  assert.equal(cacheFiles(cache).filter((f) => f.startsWith('program.js.')).length, 1, 'the first build\'s data was removed');
});

test('each CLI command has its own cache files: what invoke compiled is not all validate finds', { skip }, () => {
  // A run's data holds the functions it compiled; data written by invoke for a chunk validate also
  // loads would leave validate compiling the rest of that chunk on every run.
  const cache = mkdtempSync(join(tmpdir(), 'scf-code-cache-commands-'));
  const target = join(ROOT, 'examples/hello-nodejs');
  assert.equal(cli(['invoke', target, '--event-json', '{}', '--json'], cache).status, 0);
  const validated = cli(['validate', target, '--json'], cache);
  assert.equal(validated.status, 0, validated.stderr);
  const dispatcher = cacheFiles(cache).filter((f) => f.startsWith('cli-main.js.'));
  assert.deepEqual(dispatcher.map((f) => f.split('.')[2]).sort(), ['cli-invoke', 'cli-validate'], dispatcher.join(', '));
  const before = stamps(cache);
  assert.equal(cli(['validate', target, '--json'], cache).status, 0);
  assert.deepEqual(stamps(cache), before, 'a second validate rewrote the cache');
});
