import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec, invoke } from './helpers';
import { connectWhenListening, freePort } from '../util/net';

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

/**
 * A minimal JDWP client (the protocol the Debugger for Java extension speaks): the handshake, then
 * command packets answered by reply packets of the same id. Events the VM sends are ignored.
 */
async function jdwpAttach(port: number, withinMs: number): Promise<{ command: (set: number, cmd: number) => Promise<Buffer>; close: () => void }> {
  const socket = await connectWhenListening(port, withinMs);
  let buffer = Buffer.alloc(0);
  let handshaken: (() => void) | undefined;
  const handshake = new Promise<void>((r) => (handshaken = r));
  const replies = new Map<number, (data: Buffer) => void>();
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (handshaken) {
      if (buffer.length < 14) return;
      assert.equal(buffer.subarray(0, 14).toString(), 'JDWP-Handshake');
      buffer = buffer.subarray(14);
      handshaken();
      handshaken = undefined;
    }
    while (buffer.length >= 11 && buffer.length >= buffer.readUInt32BE(0)) {
      const length = buffer.readUInt32BE(0);
      const id = buffer.readUInt32BE(4);
      const isReply = (buffer[8]! & 0x80) !== 0;
      if (isReply) {
        assert.equal(buffer.readUInt16BE(9), 0, `JDWP error ${buffer.readUInt16BE(9)} for packet ${id}`);
        replies.get(id)?.(buffer.subarray(11, length));
      }
      buffer = buffer.subarray(length);
    }
  });
  socket.write('JDWP-Handshake');
  await handshake;
  let nextId = 1;
  return {
    command: (set, cmd) => {
      const id = nextId++;
      const packet = Buffer.alloc(11);
      packet.writeUInt32BE(11, 0);
      packet.writeUInt32BE(id, 4);
      packet[8] = 0;
      packet[9] = set;
      packet[10] = cmd;
      socket.write(packet);
      return new Promise((resolve) => replies.set(id, resolve));
    },
    close: () => socket.destroy(),
  };
}

test('debugging: the JVM waits for a JDWP debugger before it loads the handler, and the invoke ends 200 once the debugger resumes it', { skip: !hasJdk && 'no JDK here' }, async () => {
  const own = new Emulator();
  const port = await freePort();
  const logs: string[] = [];
  let settled = false;
  const invoking = own.invoke({ spec: spec('example.Hello::mainHandler'), payload: JSON.stringify({ key1: 'debugger', count: 1 }), debug: { port } }, { onLog: (l) => logs.push(l.text) });
  void invoking.then(() => (settled = true));
  const jdwp = await jdwpAttach(port, 60_000);
  try {
    const version = await jdwp.command(1, 1); // VirtualMachine.Version: description, JDWP major/minor, vm version, vm name
    const descriptionLength = version.readUInt32BE(0);
    assert.match(version.subarray(4, 4 + descriptionLength).toString(), /Java|JDK|OpenJDK/i);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(settled, false, 'the JVM ran the handler before the debugger resumed it');
    await jdwp.command(1, 9); // VirtualMachine.Resume
    const outcome = await invoking;
    if (!outcome.ok) assert.fail(outcome.error.message);
    assert.equal(outcome.value.statusCode, 200, logs.join('\n'));
    assert.equal((outcome.value.result as { greeting: string }).greeting, 'Hello debugger x1');
  } finally {
    jdwp.close();
    await own.dispose();
  }
});
