/** The toolkit's own temporary folders are gone after every exit of the process that made them (src/util/tempDir.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeStaleTempDirs } from '../../src/util/tempDir';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Runs `body` in a Node process of its own with TMPDIR = `base`; it has makeTempDir and packageFunction
 * (a real deploy zip) in scope. Resolves with its stdout once it has exited; `onLine` sees each line as it comes.
 */
function child(base: string, body: string, onLine?: (line: string, kill: () => void) => void): Promise<{ out: string; err: string; code: number | null; signal: string | null }> {
  const script = `const { makeTempDir } = require(${JSON.stringify(join(ROOT, 'src/util/tempDir.ts'))});
const { packageFunction } = require(${JSON.stringify(join(ROOT, 'src/deploy/package.ts'))});
(async () => { ${body} })();`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { ...process.env, TMPDIR: base }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const line of chunk.split('\n').filter(Boolean)) onLine?.(line, () => proc.kill('SIGKILL'));
  });
  return new Promise((done) => proc.on('exit', (code, signal) => done({ out, err, code, signal })));
}

function codeDir(base: string): string {
  const dir = join(base, 'code');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), 'exports.main_handler = async () => 1;\n');
  return dir;
}

const toolkitDirs = (base: string) => readdirSync(base).filter((n) => /^scf-(package|web|custom)-/.test(n));
const packing = (base: string) =>
  `const r = await packageFunction({ codeDir: ${JSON.stringify(codeDir(base))}, srcExclude: [], srcInclude: [], handler: 'index.main_handler', runtime: 'Nodejs16.13', type: 'event', file: 'serverless.yml' });
   if (!r.ok) throw new Error(r.error.message);
   console.log(r.value.zipFile);`;

for (const [how, end, expected] of [
  ['ends by itself', '', { code: 0 }],
  ['calls process.exit()', 'process.exit(3);', { code: 3 }],
  ['throws', "throw new Error('boom');", { code: 1 }],
] as const) {
  test(`a deploy's zip folder is removed when its process ${how} without disposing of it`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'scf-tempdir-'));
    const ran = await child(base, `${packing(base)} ${end}`);
    const zip = ran.out.trim().split('\n')[0]!;
    assert.match(zip, new RegExp(`/scf-package-\\d+-(?:n\\d+-)?[A-Za-z0-9]{6}/code\\.zip$`), `${ran.out}${ran.err}`);
    assert.equal(ran.code, expected.code, ran.err);
    assert.equal(existsSync(zip), false, 'the zip is gone');
    assert.deepEqual(toolkitDirs(base), [], 'and its folder');
    rmSync(base, { recursive: true, force: true });
  });
}

test('folders of a process killed outright are removed by the next one that makes a folder; a live process keeps its own', async () => {
  const base = mkdtempSync(join(tmpdir(), 'scf-tempdir-'));
  // killed with SIGKILL once its zip is written: nothing of it runs at its end
  const killed = await child(base, `${packing(base)} setInterval(() => {}, 1000);`, (_line, kill) => kill());
  assert.equal(killed.signal, 'SIGKILL');
  const [left] = toolkitDirs(base);
  assert.ok(left && existsSync(join(base, left, 'code.zip')), 'a killed process leaves its folder');
  // a process that is alive and holds a folder of its own, while another process makes one
  let holderKill: () => void = () => undefined;
  let holderDir = '';
  let ready: () => void = () => undefined;
  const holding = new Promise<void>((r) => (ready = r));
  const holder = child(base, `console.log(makeTempDir('web')); setInterval(() => {}, 1000);`, (line, kill) => {
    holderDir = line.trim();
    holderKill = kill;
    ready();
  });
  await holding;
  const next = await child(base, `console.log(makeTempDir('custom'));`);
  assert.equal(next.code, 0, next.err);
  // its sweep runs off the thread, and the process ends only once it has finished (it keeps the loop alive)
  assert.equal(existsSync(join(base, left)), false, "the killed process's folder is gone");
  assert.equal(existsSync(next.out.trim()), false, "the process's own folder went at its exit");
  assert.ok(existsSync(holderDir), "the live process's folder is kept");
  holderKill();
  await holder;
  await new Promise<void>((done) => removeStaleTempDirs(base, done));
  assert.deepEqual(toolkitDirs(base), [], 'once that process has gone too, nothing is left');
  rmSync(base, { recursive: true, force: true });
});

test("a folder named for another PID namespace is kept by the sweep (its pid means nothing here); one of this namespace whose process has gone is removed", { skip: !existsSync('/proc/self/ns/pid') && 'no PID namespaces here' }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'scf-tempdir-'));
  const ours = `n${/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]}`;
  const goneHere = await child(base, `console.log(makeTempDir('web'));`);
  const gonePid = Number(/scf-web-(\d+)-/.exec(goneHere.out)![1]);
  assert.match(goneHere.out, new RegExp(`scf-web-${gonePid}-${ours}-[A-Za-z0-9]{6}`), 'the name carries this PID namespace');
  const elsewhere = `scf-web-${gonePid}-n1${ours.slice(1)}-AbC123`;
  const here = `scf-web-${gonePid}-${ours}-AbC123`;
  const older = `scf-web-${gonePid}-AbC123`; // a name from before namespaces were in it
  for (const name of [elsewhere, here, older]) mkdirSync(join(base, name));
  await new Promise<void>((done) => removeStaleTempDirs(base, done));
  assert.deepEqual(toolkitDirs(base), [elsewhere]);
  rmSync(base, { recursive: true, force: true });
});
