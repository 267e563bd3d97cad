/**
 * The emulator host keeps the stamps of serverless.yml, .env, the code folder and the handler's files
 * between invokes, watched with inotify instead of stat'ed each time (stampWatch.ts). Every change made
 * before an invoke is sent is seen by that invoke: edits, atomic saves (a new inode renamed over),
 * a file written through a hard link elsewhere, a new .env, the code folder or the whole project
 * swapped for another, a file reached through a symbolic link (never kept: stat'ed every time).
 * Each case invokes through a real host and real runtimes, changes one thing, and invokes at once.
 */
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { EmulatorClient } from '../../src/emulator/client';
import { CodeWatch } from '../../src/emulator/codeWatch';
import { addStampRoot, enableStampWatch, keptGeneration, keptSince, stampWatchState, watchedStamp } from '../../src/emulator/stampWatch';
import { pathStamp } from '../../src/model/stamp';

const ROOT = resolve(__dirname, '../..');
const client = new EmulatorClient({ hostScript: process.env.HOST_SCRIPT ?? join(ROOT, 'dist/host.js') });
after(() => client.dispose());

const YML = (variables = '') => `component: scf\nname: watched\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: 128\n  timeout: 3\n${variables}`;
const handler = (answer: string) => `exports.main_handler = async () => ({ answer: ${JSON.stringify(answer)}, env: process.env.WATCHED || null });\n`;

function project(answer: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-watched-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.js'), handler(answer));
  writeFileSync(join(dir, 'serverless.yml'), YML());
  return dir;
}

async function answer(dir: string): Promise<{ answer: string; env: string | null }> {
  const outcome = await client.invoke({ target: dir, payload: '{}' }, () => undefined).outcome;
  assert.ok(outcome.ok && outcome.value.statusCode === 200, JSON.stringify(outcome));
  return outcome.value.result as { answer: string; env: string | null };
}

/** Warm: invoked a few times, so the host holds its stamps. */
async function warm(dir: string, expected: string): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal((await answer(dir)).answer, expected);
}

describe('the host sees every change made before an invoke, with the stamps it keeps between invokes', () => {
  test('the handler edited in place, then saved atomically (a new file renamed over it)', async () => {
    const dir = project('one');
    await warm(dir, 'one');
    writeFileSync(join(dir, 'src', 'index.js'), handler('two'));
    assert.equal((await answer(dir)).answer, 'two');
    writeFileSync(join(dir, 'src', 'index.js.tmp'), handler('six'));
    renameSync(join(dir, 'src', 'index.js.tmp'), join(dir, 'src', 'index.js'));
    assert.equal((await answer(dir)).answer, 'six');
    await warm(dir, 'six');
  });

  test('serverless.yml edited, and a .env created, changed and removed', async () => {
    const dir = project('one');
    await warm(dir, 'one');
    writeFileSync(join(dir, 'serverless.yml'), YML('  environment:\n    variables:\n      WATCHED: from serverless.yml\n'));
    assert.equal((await answer(dir)).env, 'from serverless.yml');
    writeFileSync(join(dir, '.env'), 'WATCHED=first\n');
    assert.equal((await answer(dir)).env, 'first');
    writeFileSync(join(dir, '.env'), 'WATCHED=again\n');
    assert.equal((await answer(dir)).env, 'again');
    rmSync(join(dir, '.env'));
    assert.equal((await answer(dir)).env, 'from serverless.yml');
  });

  test('the code folder swapped for another, then the whole project folder', async () => {
    const dir = project('one');
    await warm(dir, 'one');
    mkdirSync(join(dir, 'src-new'));
    writeFileSync(join(dir, 'src-new', 'index.js'), handler('new folder'));
    renameSync(join(dir, 'src'), join(dir, 'src-old'));
    renameSync(join(dir, 'src-new'), join(dir, 'src'));
    assert.equal((await answer(dir)).answer, 'new folder');

    // The project's folder itself moved away and another put at its path (a checkout elsewhere, a
    // deploy that swaps folders): nothing inside either one changed.
    const other = project('other project');
    await warm(dir, 'new folder');
    renameSync(dir, `${dir}-old`);
    renameSync(other, dir);
    assert.equal((await answer(dir)).answer, 'other project');
  });

  test('a file written through a hard link in another folder, and a project invoked through a symbolic link', async () => {
    const dir = project('one');
    const elsewhere = mkdtempSync(join(tmpdir(), 'scf-watched-link-'));
    writeFileSync(join(dir, 'src', 'index.js'), "exports.main_handler = async () => require('./part.js');\n");
    writeFileSync(join(dir, 'src', 'part.js'), 'module.exports = { answer: "one", env: null };\n');
    linkSync(join(dir, 'src', 'part.js'), join(elsewhere, 'part.js'));
    await warm(dir, 'one');
    writeFileSync(join(elsewhere, 'part.js'), 'module.exports = { answer: "via the link", env: null };\n'); // (same inode)
    assert.equal((await answer(dir)).answer, 'via the link');

    // Through a symbolic link, the paths are not their real paths: nothing is kept, all is stat'ed.
    const other = project('linked');
    const link = join(elsewhere, 'project');
    symlinkSync(other, link);
    await warm(link, 'linked');
    writeFileSync(join(other, 'src', 'index.js'), handler('linked, edited'));
    assert.equal((await answer(link)).answer, 'linked, edited');
    writeFileSync(join(other, 'serverless.yml'), YML('  environment:\n    variables:\n      WATCHED: linked\n'));
    assert.equal((await answer(link)).env, 'linked');
  });
});

test('in one process: a kept stamp is dropped by the change event, delivered before the next turn', async (t) => {
  if (process.platform !== 'linux') return t.skip('inotify: Linux only');
  enableStampWatch();
  const dir = mkdtempSync(join(tmpdir(), 'scf-watched-unit-'));
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  const file = join(dir, 'a', 'b', 'f.txt');
  writeFileSync(file, 'one');
  addStampRoot(dir);
  const first = watchedStamp(file);
  assert.equal(first, pathStamp(file));
  await new Promise((r) => setImmediate(r));
  assert.equal(watchedStamp(file), first);
  assert.ok(stampWatchState().kept >= 1 && stampWatchState().watches >= 3, JSON.stringify(stampWatchState()));
  writeFileSync(file, 'two');
  await new Promise((r) => setImmediate(r)); // (the poll phase delivers the event)
  const second = watchedStamp(file);
  assert.notEqual(second, first);
  assert.equal(second, pathStamp(file));
  // a folder on the way renamed: everything below it is dropped
  renameSync(join(dir, 'a'), join(dir, 'moved'));
  await new Promise((r) => setImmediate(r));
  assert.equal(watchedStamp(file), 'absent');
});

/**
 * A handler that loaded many modules of its own (the Node.js runtime reports those outside
 * node_modules): its instance's check of them is one question while none of their stamps was dropped
 * (codeWatch.ts), and still sees every change. Each case: warm, change one
 * thing, and the next invoke is a new instance (another pid) running the new code.
 */
describe('a warm instance of a handler that loaded many modules is retired by a change to any of them', () => {
  const MODULES = 60;
  const module = (i: number, v: string) => `module.exports = ${JSON.stringify(`${i}:${v}`)};\n`;
  /** The handler requires every module (a missing one answers "missing"), and says which instance it is. */
  const many = (modulesDir: string) =>
    `const parts = [];\nfor (let i = 0; i < ${MODULES}; i++) { try { parts.push(require(${JSON.stringify(modulesDir)} + '/m' + i + '.js')); } catch { parts.push(i + ':missing'); } }\n` +
    `const instance = String(Math.random()); // (the pid is the same in each sandbox)\nexports.main_handler = async () => ({ answer: parts.join(','), env: instance });\n`;
  const expected = (changes: Record<number, string>) => Array.from({ length: MODULES }, (_, i) => `${i}:${changes[i] ?? 'one'}`).join(',');

  function withModules(modulesDir: (dir: string) => string, codeDir?: string): { dir: string; mods: string } {
    const dir = project('unused');
    const code = codeDir ?? join(dir, 'src');
    const mods = modulesDir(dir);
    mkdirSync(mods, { recursive: true });
    for (let i = 0; i < MODULES; i++) writeFileSync(join(mods, `m${i}.js`), module(i, 'one'));
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'index.js'), many(mods));
    if (codeDir) writeFileSync(join(dir, 'serverless.yml'), YML().replace('src: ./src', `src: ${relative(dir, codeDir)}`));
    return { dir, mods };
  }

  async function warmPid(dir: string, want: string): Promise<string> {
    const first = await answer(dir);
    assert.equal(first.answer, want);
    for (let i = 0; i < 3; i++) {
      const again = await answer(dir);
      assert.equal(again.answer, want);
      assert.equal(again.env, first.env, 'the same warm instance');
    }
    return first.env!;
  }

  async function retired(dir: string, pid: string, want: string): Promise<void> {
    const next = await answer(dir);
    assert.equal(next.answer, want);
    assert.notEqual(next.env, pid, 'a new instance');
    await warmPid(dir, want);
  }

  test('one module of many changed, in place and atomically', async () => {
    const { dir, mods } = withModules((d) => join(d, 'src', 'lib', 'dep', 'deep'));
    let pid = await warmPid(dir, expected({}));
    writeFileSync(join(mods, `m${MODULES - 1}.js`), module(MODULES - 1, 'two'));
    await retired(dir, pid, expected({ [MODULES - 1]: 'two' }));
    pid = await warmPid(dir, expected({ [MODULES - 1]: 'two' }));
    writeFileSync(join(mods, 'm7.js.tmp'), module(7, 'three'));
    renameSync(join(mods, 'm7.js.tmp'), join(mods, 'm7.js'));
    await retired(dir, pid, expected({ [MODULES - 1]: 'two', 7: 'three' }));
  });

  test('one module of many deleted', async () => {
    const { dir, mods } = withModules((d) => join(d, 'src', 'lib', 'dep', 'deep'));
    const pid = await warmPid(dir, expected({}));
    rmSync(join(mods, 'm30.js'));
    await retired(dir, pid, expected({ 30: 'missing' }));
  });

  test('a folder above the modules renamed, and another put at its path', async () => {
    const { dir } = withModules((d) => join(d, 'src', 'lib', 'dep', 'deep'));
    const pid = await warmPid(dir, expected({}));
    const dep = join(dir, 'src', 'lib', 'dep');
    mkdirSync(join(dir, 'src', 'lib', 'dep-new', 'deep'), { recursive: true });
    for (let i = 0; i < MODULES; i++) writeFileSync(join(dir, 'src', 'lib', 'dep-new', 'deep', `m${i}.js`), module(i, i === 12 ? 'new' : 'one'));
    renameSync(dep, `${dep}-old`);
    renameSync(join(dir, 'src', 'lib', 'dep-new'), dep);
    await retired(dir, pid, expected({ 12: 'new' }));
  });

  test('a code folder outside the project folder (its files never kept: stat\'ed at each check)', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'scf-watched-outside-'));
    const { dir, mods } = withModules(() => join(outside, 'code', 'lib'), join(outside, 'code'));
    const pid = await warmPid(dir, expected({}));
    writeFileSync(join(mods, 'm45.js'), module(45, 'changed outside'));
    await retired(dir, pid, expected({ 45: 'changed outside' }));
  });
});

test('in one process: a CodeWatch of kept stamps answers from the generation, and sees a change, a deletion, the root replaced', async (t) => {
  if (process.platform !== 'linux') return t.skip('inotify: Linux only');
  enableStampWatch();
  const turn = () => new Promise((r) => setImmediate(r));
  const make = () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-watched-cw-'));
    mkdirSync(join(dir, 'lib', 'deep'), { recursive: true });
    const files = Array.from({ length: 20 }, (_, i) => join(dir, 'lib', 'deep', `m${i}.js`));
    for (const f of files) writeFileSync(f, 'one');
    return { dir, files };
  };
  const { dir, files } = make();
  addStampRoot(dir);
  const watching = (): CodeWatch => {
    const cw = new CodeWatch();
    cw.add(files);
    return cw;
  };
  let cw = watching();
  assert.ok(cw.unchanged());
  await turn();
  const gen = keptGeneration();
  assert.ok(cw.unchanged());
  assert.ok(keptSince(gen, [dir]), 'nothing dropped between two checks');
  // an unrelated file in the root: no kept stamp dropped, the generation stays
  writeFileSync(join(dir, 'unrelated.txt'), 'x');
  await turn();
  assert.ok(cw.unchanged());
  assert.equal(keptGeneration(), gen);
  writeFileSync(files[13]!, 'two');
  await turn();
  assert.equal(cw.unchanged(), false);
  cw = watching();
  assert.ok(cw.unchanged());
  await turn();
  assert.ok(cw.unchanged());
  rmSync(files[19]!);
  await turn();
  assert.equal(cw.unchanged(), false);
  writeFileSync(files[19]!, 'one');
  cw = watching();
  await turn();
  assert.ok(cw.unchanged());
  assert.ok(cw.unchanged());
  // the root itself moved away and another folder put at its path, with the same files: seen by the
  // root's check (and its event), though no other path below it is asked for
  const other = make();
  renameSync(dir, `${dir}-old`);
  renameSync(other.dir, dir);
  await turn();
  assert.equal(cw.unchanged(), false);
});
