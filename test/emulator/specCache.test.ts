/**
 * A long-lived host reads serverless.yml once per change, not once per invoke (issue 13): the same
 * parsed function comes back while nothing it was built from changed, and every kind of change is seen.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SpecCache } from '../../src/emulator/specCache';

function project(yml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-spec-cache-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.js'), 'exports.main_handler = async () => 1;\n');
  writeFileSync(join(dir, 'serverless.yml'), yml);
  return dir;
}

const YML = (memorySize: number, extra = '') =>
  `component: scf\nname: cached\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: ${memorySize}\n${extra}`;

test('an unchanged serverless.yml is not parsed again: the same function comes back', () => {
  const dir = project(YML(128));
  const cache = new SpecCache();
  const first = cache.pick(dir, undefined);
  const again = cache.pick(join(dir, 'serverless.yml'), undefined);
  const third = cache.pick(dir, undefined);
  assert.ok(first.ok && third.ok && again.ok);
  assert.equal(third.value, first.value, 'a second read of the folder parsed the file again');
  assert.equal(again.value.memorySize, 128);
});

test('an edit, a new .env, a removed file and another ${env:X} are each seen at the next invoke', () => {
  const dir = project(YML(128, '  environment:\n    variables:\n      GREETING: ${env:GREETING}\n'));
  const cache = new SpecCache();
  const first = cache.pick(dir, undefined, { env: { GREETING: 'hi' } });
  assert.ok(first.ok);
  assert.equal(first.value.environment.GREETING, 'hi');

  const otherEnv = cache.pick(dir, undefined, { env: { GREETING: 'hello' } });
  assert.ok(otherEnv.ok);
  assert.equal(otherEnv.value.environment.GREETING, 'hello');

  // same size, same second: the stamp still differs (mtime in nanoseconds, inode on rename)
  writeFileSync(join(dir, 'serverless.yml'), YML(256, '  environment:\n    variables:\n      GREETING: ${env:GREETING}\n'));
  const edited = cache.pick(dir, undefined, { env: { GREETING: 'hi' } });
  assert.ok(edited.ok);
  assert.equal(edited.value.memorySize, 256);

  writeFileSync(join(dir, '.env'), 'GREETING=from-dotenv\n');
  const withDotEnv = cache.pick(dir, undefined, { env: {} });
  assert.ok(withDotEnv.ok);
  assert.notEqual(withDotEnv.value, edited.value);

  rmSync(join(dir, 'serverless.yml'));
  const gone = cache.pick(dir, undefined, { env: { GREETING: 'hi' } });
  assert.equal(gone.ok, false);
  if (!gone.ok) assert.match(gone.error.message, /no serverless\.yml/);
});

test('a file that defines several functions: the one asked for, or an error naming them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-spec-cache-multi-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.js'), 'exports.a = async () => 1; exports.b = async () => 2;\n');
  writeFileSync(
    join(dir, 'serverless.yml'),
    'component: multi-scf\nname: app\ninputs:\n  src: ./src\n  runtime: Nodejs18.15\n  functions:\n    first:\n      handler: index.a\n    second:\n      handler: index.b\n',
  );
  const cache = new SpecCache();
  const second = cache.pick(dir, 'second');
  assert.ok(second.ok, second.ok ? '' : second.error.message);
  assert.equal(second.value.handler, 'index.b');
  const none = cache.pick(dir, undefined);
  assert.equal(none.ok, false);
  if (!none.ok) {
    assert.equal(none.error.file, join(dir, 'serverless.yml'));
    assert.match(none.error.message, /serverless\.yml: .*first.*second/);
  }
});
