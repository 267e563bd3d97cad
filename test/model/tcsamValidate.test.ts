import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function validate(target: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'validate', target, '--json'], { encoding: 'utf8' });
  return { code: r.status, records: JSON.parse(r.stdout || '[]') as Array<{ line: number; code: string; message: string; severity: string }>, stderr: r.stderr };
}

test('scf-toolkit validate checks a TCSAM template.yaml with the serverless.yml rules, on the template\'s own lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-tcsam-validate-'));
  cpSync(join(ROOT, 'test/fixtures/tcsam/multi'), dir, { recursive: true });
  const clean = validate(dir);
  assert.equal(clean.records.filter((r) => r.severity === 'error').length, 0, JSON.stringify(clean.records));
  assert.ok(!clean.records.some((r) => /component/.test(r.message)), 'no "missing component" for a template');

  const file = join(dir, 'template.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('MemorySize: 256', 'MemorySize: 200'));
  const bad = validate(dir);
  assert.equal(bad.code, 1);
  const memory = bad.records.find((r) => r.code.startsWith('scf.memory'));
  assert.ok(memory, JSON.stringify(bad.records));
  const memoryLine = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('MemorySize: 200')) + 1;
  assert.equal(memory.line, memoryLine, 'the problem is on the template\'s MemorySize line');
});
