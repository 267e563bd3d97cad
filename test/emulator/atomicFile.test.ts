/** One atomic-write helper (issue 15.3): unique temporary names, fsync, rename; the journal compacts through it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, type QueuedEvent } from '../../src/emulator/async/journal';
import { writeFileAtomic } from '../../src/util/atomicFile';

const event = (requestId: string): QueuedEvent => ({ requestId, file: '/p/serverless.yml', functionName: 'f', payload: '{}', enqueuedAt: 1, retries: 0, attempts: 0, nextAt: 1 });

test('the journal compacts under a name of its own: a stale queue.jsonl.tmp link is neither followed nor reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-journal-'));
  try {
    const victim = join(dir, 'someone-elses-file');
    writeFileSync(victim, 'keep me\n');
    // What a second host on the same state folder, or an earlier crash, can leave at the old fixed name.
    symlinkSync(victim, join(dir, 'queue.jsonl.tmp'));
    const first = new Journal(dir);
    first.put(event('a'));
    first.put(event('b'));
    first.done('a');
    const events = new Journal(dir).load();
    assert.deepEqual(events.map((e) => e.requestId), ['b']);
    assert.equal(readFileSync(victim, 'utf8'), 'keep me\n');
    assert.ok(!lstatSync(join(dir, 'queue.jsonl')).isSymbolicLink());
    assert.deepEqual(new Journal(dir).load().map((e) => e.requestId), ['b'], 'the compacted journal reads back the same');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic replaces the whole file and leaves no temporary file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-atomic-'));
  try {
    const target = join(dir, 'function.json');
    for (let i = 0; i < 20; i++) writeFileAtomic(target, JSON.stringify({ i, pad: 'x'.repeat(i * 1000) }));
    assert.equal((JSON.parse(readFileSync(target, 'utf8')) as { i: number }).i, 19);
    assert.deepEqual(readdirSync(dir), ['function.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
