/**
 * The probe cache (probes.json) keeps answers about paths across processes; answers that depend on a
 * path that has gone since are dropped when the next answer is stored, so the file does not grow with every
 * temporary interpreter or bootstrap it was ever asked about.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

test('answers that depend on a path gone since are dropped when the next answer is stored; the others stay', async () => {
  const root = mkdtempSync(join(tmpdir(), 'scf-probes-'));
  const previous = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  try {
    const { probe } = await import('../../src/emulator/probeCache');
    const [gone, kept, next, stays] = ['gone', 'kept', 'next', 'stays'].map((d) => join(root, d));
    for (const d of [gone!, kept!, next!, stays!]) mkdirSync(d);
    const neverThere = join(root, 'never-there');
    probe('test:gone', [stays!, gone!], () => 1);
    probe('test:kept', [kept!, neverThere], () => 2);
    const stored = () => Object.keys(JSON.parse(readFileSync(join(root, 'cache', 'scf-toolkit', 'probes.json'), 'utf8')) as object).sort();
    assert.deepEqual(stored(), ['test:gone', 'test:kept']);
    rmSync(gone!, { recursive: true });
    assert.deepEqual(stored(), ['test:gone', 'test:kept'], 'nothing is dropped until an answer is stored');
    probe('test:next', [next!], () => 3);
    assert.deepEqual(stored(), ['test:kept', 'test:next'], 'the answer depending on the removed folder is dropped (though its other folder stays); the one with a path that was never there is kept');
    assert.equal(probe('test:kept', [kept!, neverThere], () => 99), 2, 'the kept answer is still reused');
  } finally {
    if (previous === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previous;
    rmSync(root, { recursive: true, force: true });
  }
});
