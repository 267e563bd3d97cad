/**
 * Interpreter discovery across processes: the names of a PATH folder are kept (probeCache.ts) while
 * the folder's stamp is the same, so a cold invoke does not list /usr/bin again; an interpreter added
 * or removed changes the folder and is seen by the next process, and whether a name is an executable
 * is checked every time. Each step is a new process, as each CLI invoke is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const INTERPRETERS = join(__dirname, '../../src/emulator/runtimes/interpreters.ts');

function discovered(bin: string, home: string, cache: string): string[] {
  const script = `const { interpreters } = require(${JSON.stringify(INTERPRETERS)}); process.stdout.write(JSON.stringify(interpreters('python', { PATH: ${JSON.stringify(bin)}, HOME: ${JSON.stringify(home)} }).map((i) => i.path)));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: cache } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

test("a PATH folder's Pythons: listed once, seen again when one is added or removed, and only while executable", () => {
  const root = mkdtempSync(join(tmpdir(), 'scf-discovery-'));
  const [bin, home, cache] = ['bin', 'home', 'cache'].map((d) => join(root, d));
  for (const d of [bin!, home!, cache!]) mkdirSync(d);
  const program = (name: string) => {
    writeFileSync(join(bin!, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin!, name), 0o755);
  };
  program('python3.7');
  writeFileSync(join(bin!, 'pythonic-notes.txt'), '');
  assert.deepEqual(discovered(bin!, home!, cache!), [join(bin!, 'python3.7')]);
  const kept = JSON.parse(readFileSync(join(cache!, 'scf-toolkit', 'probes.json'), 'utf8')) as Record<string, { value: unknown }>;
  assert.deepEqual(Object.entries(kept).find(([k]) => k.startsWith('names:') && k.endsWith(`:${bin}`))?.[1].value, ['python3.7'], 'the listing is kept for the next process');
  program('python3.9');
  assert.deepEqual(discovered(bin!, home!, cache!).sort(), [join(bin!, 'python3.7'), join(bin!, 'python3.9')]);
  chmodSync(join(bin!, 'python3.7'), 0o644); // the folder's stamp stays the same
  assert.deepEqual(discovered(bin!, home!, cache!), [join(bin!, 'python3.9')]);
  unlinkSync(join(bin!, 'python3.9'));
  assert.deepEqual(discovered(bin!, home!, cache!), []);
});
