import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec, invoke } from './helpers';

// The machines this project runs on have a JDK; where none is installed, the runtime's message is tested instead.
const hasJdk = spawnSync('sh', ['-c', 'command -v javac && command -v jar']).status === 0;
const emulator = new Emulator();
let codeDir = '';

function javaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? javaFiles(join(dir, n)) : n.endsWith('.java') ? [join(dir, n)] : []));
}

before(() => {
  if (!hasJdk) return;
  // Build the fixture the way a user does: compile, then package a jar; the code folder holds the jar.
  const src = join(FIXTURES, 'java', 'src');
  const classes = mkdtempSync(join(tmpdir(), 'scf-java-classes-'));
  codeDir = mkdtempSync(join(tmpdir(), 'scf-java-code-'));
  const javac = spawnSync('javac', ['-d', classes, ...javaFiles(src)], { encoding: 'utf8' });
  assert.equal(javac.status, 0, javac.stderr);
  const jar = spawnSync('jar', ['cf', join(codeDir, 'hello.jar'), '-C', classes, '.'], { encoding: 'utf8' });
  assert.equal(jar.status, 0, jar.stderr);
});
after(() => emulator.dispose());

const specs = new Map<string, ReturnType<typeof functionSpec>>();
/** One serverless.yml per handler, so warm instances are reused between tests. */
const spec = (handler: string) => {
  if (!specs.has(handler)) specs.set(handler, functionSpec({ codeDir, handler, runtime: 'Java11', memorySize: 256 }));
  return specs.get(handler)!;
};

describe('Java functions run on the local JVM', { skip: !hasJdk && 'no JDK here' }, () => {
  test('package.Class::method with a POJO event and SCF\'s Context; the result is the POJO as JSON; warm reuse', async () => {
    const first = await invoke(emulator, spec('example.Hello::mainHandler'), { key1: 'SCF', count: 2, tags: ['a', 'b'] });
    assert.equal(first.result.statusCode, 200, `${first.result.errorMessage}\n${first.text}`);
    assert.deepEqual(first.result.result, { greeting: 'Hello SCF x2', requestId: first.result.requestId, memory: 256, calls: 1 });
    assert.match(first.text, /key1 = SCF, tags = \[a, b\]/);
    assert.match(first.text, /Runtime Java11 runs on the local Java \d+[.\d]* \(/);
    const second = await invoke(emulator, spec('example.Hello::mainHandler'), { key1: 'again', count: 1 });
    assert.equal(second.result.coldStart, false);
    assert.equal((second.result.result as { calls: number }).calls, 2);
    // A rebuilt jar retires the warm instance.
    const jar = join(codeDir, 'hello.jar');
    const later = new Date(Date.now() + 5000);
    utimesSync(jar, later, later);
    const third = await invoke(emulator, spec('example.Hello::mainHandler'), { key1: 'rebuilt', count: 1 });
    assert.equal(third.result.coldStart, true);
    assert.equal((third.result.result as { calls: number }).calls, 1);
  });

  test('Map and String parameters', async () => {
    const map = await invoke(emulator, spec('example.Hello::mapHandler'), { a: 1, nested: { b: [true, null, 1.5] } });
    assert.deepEqual(map.result.result, { keys: ['a', 'nested'], nested: { b: [true, null, 1.5] } });
    const str = await invoke(emulator, spec('example.Hello::stringHandler'), { x: 'y' });
    assert.equal(str.result.result, 'raw:{"x":"y"}');
  });

  test('430 with the Java stack trace; 437 for a missing class or method', async () => {
    const failed = await invoke(emulator, spec('example.Hello::failing'), { key1: 'coffee' });
    assert.equal(failed.result.statusCode, 430);
    assert.equal(failed.result.errorMessage, 'java.lang.IllegalStateException: no coffee today');
    assert.match(failed.result.errorStack!, /at example\.Hello\.failing\(Hello\.java:\d+\)/);
    const noClass = await invoke(emulator, spec('example.Nope::mainHandler'));
    assert.equal(noClass.result.statusCode, 437);
    assert.match(noClass.result.errorMessage!, /class example\.Nope not found in the code folder/);
    const noMethod = await invoke(emulator, spec('example.Hello::nope'));
    assert.equal(noMethod.result.statusCode, 437);
    const badForm = await invoke(emulator, spec('example.Hello.mainHandler'));
    assert.equal(badForm.result.statusCode, 437);
    assert.match(badForm.result.errorMessage!, /must be "package\.Class::method"/);
  });
});

test('the code folder given to Java tests is a jar, not the sources', { skip: !hasJdk && 'no JDK here' }, () => {
  assert.deepEqual(readdirSync(codeDir).map((f) => relative(codeDir, join(codeDir, f))), ['hello.jar']);
});
