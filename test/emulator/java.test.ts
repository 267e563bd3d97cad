import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec, invoke } from './helpers';
import { freePort } from '../util/net';
import { EventKind, In, jdwpAttach, Out, type Jdwp } from '../util/jdwp';

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
  // -g, as Maven's and Gradle's defaults compile: the local variables' table too, which the breakpoint test reads.
  const javac = spawnSync('javac', ['-g', '-d', classes, ...javaFiles(src)], { encoding: 'utf8' });
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
    // a warm request's context has its own request id (the host sends the rest of it once: context.ts ContextSender)
    assert.equal((second.result.result as { requestId: string }).requestId, second.result.requestId);
    assert.notEqual(second.result.requestId, first.result.requestId);
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
 * Starts an invoke of the fixture's mainHandler under a JDWP debugger (the JVM waits for it) and runs
 * `drive` attached; `greeting()` waits for the invoke and returns its greeting once it ended 200.
 */
async function withDebuggedInvoke(
  event: { key1: string; count: number },
  drive: (jdwp: Jdwp, invoke: { settled(): boolean; greeting(): Promise<string> }) => Promise<void>,
): Promise<void> {
  const own = new Emulator();
  const port = await freePort();
  const logs: string[] = [];
  let settled = false;
  const invoking = own.invoke({ spec: spec('example.Hello::mainHandler'), payload: JSON.stringify(event), debug: { port } }, { onLog: (l) => logs.push(l.text) });
  void invoking.then(() => (settled = true));
  const jdwp = await jdwpAttach(port, 60_000);
  try {
    await drive(jdwp, {
      settled: () => settled,
      greeting: async () => {
        const outcome = await invoking;
        if (!outcome.ok) assert.fail(outcome.error.message);
        assert.equal(outcome.value.statusCode, 200, logs.join('\n'));
        return (outcome.value.result as { greeting: string }).greeting;
      },
    });
  } finally {
    jdwp.close();
    await own.dispose();
  }
}

test('debugging: the JVM waits for a JDWP debugger before it loads the handler, and the invoke ends 200 once the debugger resumes it', { skip: !hasJdk && 'no JDK here' }, async () => {
  await withDebuggedInvoke({ key1: 'debugger', count: 1 }, async (jdwp, invoke) => {
    const version = await jdwp.command(1, 1); // VirtualMachine.Version: description, JDWP major/minor, vm version, vm name
    const descriptionLength = version.readUInt32BE(0);
    assert.match(version.subarray(4, 4 + descriptionLength).toString(), /Java|JDK|OpenJDK/i);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(invoke.settled(), false, 'the JVM ran the handler before the debugger resumed it');
    await jdwp.command(1, 9); // VirtualMachine.Resume
    assert.equal(await invoke.greeting(), 'Hello debugger x1');
  });
});

/** The 1-based line of the fixture's Hello.java that holds `text`. */
function helloLine(text: string): number {
  const lines = readFileSync(join(FIXTURES, 'java', 'src', 'example', 'Hello.java'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes(text));
  assert.ok(at >= 0, `Hello.java has no line with ${text}`);
  return at + 1;
}

test('debugging: a breakpoint on a line of the handler binds and is hit; paused there, the frame holds the event the invoke sent; resumed, the invoke ends 200', { skip: !hasJdk && 'no JDK here' }, async () => {
  await withDebuggedInvoke({ key1: 'breakpoint', count: 3 }, async (jdwp, invoke) => {
    // The JVM waits for the debugger before it loads the handler, so its class is not there yet: ask
    // to be told when it is (ClassMatch), as a debugger does for a breakpoint in a class not loaded.
    await jdwp.request(EventKind.CLASS_PREPARE, new Out().byte(5).string('example.Hello').done(), 1);
    await jdwp.resume();
    const prepared = new In((await jdwp.event(EventKind.CLASS_PREPARE)).rest);
    const typeTag = prepared.byte();
    const classId = prepared.id();
    assert.equal(prepared.string(), 'Lexample/Hello;');

    // mainHandler's id (ReferenceType.Methods), and the code index of the line (Method.LineTable).
    const methods = new In(await jdwp.command(2, 5, new Out().id(classId).done()));
    let methodId = -1n;
    for (let n = methods.int(); n > 0; n--) {
      const id = methods.id();
      const name = methods.string();
      methods.string(); // signature
      methods.int(); // modifiers
      if (name === 'mainHandler') methodId = id;
    }
    assert.notEqual(methodId, -1n, 'Hello has a mainHandler method');
    const line = helloLine('r.greeting = "Hello "');
    const table = new In(await jdwp.command(6, 1, new Out().id(classId).id(methodId).done()));
    table.long();
    table.long();
    let index = -1n;
    for (let n = table.int(); n > 0; n--) {
      const codeIndex = table.long();
      if (table.int() === line && index < 0n) index = codeIndex;
    }
    assert.notEqual(index, -1n, `line ${line} is in mainHandler's line table`);

    // The breakpoint (LocationOnly), then on: the handler runs up to it.
    await jdwp.request(EventKind.BREAKPOINT, new Out().byte(7).location({ typeTag, classId, methodId, index }).done(), 1);
    await jdwp.resume();
    const hit = await jdwp.event(EventKind.BREAKPOINT);
    const at = new In(hit.rest).location();
    assert.equal(at.methodId, methodId);
    assert.equal(at.index, index);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(invoke.settled(), false, 'the invoke ended while its handler was paused at the breakpoint');

    // The paused frame's `kv` argument is the event the invoke sent: its key1 and count fields.
    const frames = new In(await jdwp.command(11, 6, new Out().id(hit.thread).int(0).int(1).done())); // ThreadReference.Frames
    assert.equal(frames.int(), 1);
    const frameId = frames.id();
    const variables = new In(await jdwp.command(6, 2, new Out().id(classId).id(methodId).done())); // Method.VariableTable
    variables.int(); // argument slots
    let kvSlot = -1;
    for (let n = variables.int(); n > 0; n--) {
      variables.long();
      const name = variables.string();
      variables.string();
      variables.int();
      const slot = variables.int();
      if (name === 'kv') kvSlot = slot;
    }
    assert.notEqual(kvSlot, -1, 'mainHandler has its kv argument in the variable table');
    const values = new In(await jdwp.command(16, 1, new Out().id(hit.thread).id(frameId).int(1).int(kvSlot).byte(0x4c).done())); // StackFrame.GetValues, 'L'
    values.int();
    values.byte();
    const kv = values.id();
    const kvType = new In(await jdwp.command(9, 1, new Out().id(kv).done())); // ObjectReference.ReferenceType
    kvType.byte();
    const kvClass = kvType.id();
    const fields = new In(await jdwp.command(2, 4, new Out().id(kvClass).done())); // ReferenceType.Fields
    const fieldIds = new Map<string, bigint>();
    for (let n = fields.int(); n > 0; n--) {
      const id = fields.id();
      fieldIds.set(fields.string(), id);
      fields.string();
      fields.int();
    }
    const got = new In(await jdwp.command(9, 2, new Out().id(kv).int(2).id(fieldIds.get('key1')!).id(fieldIds.get('count')!).done())); // ObjectReference.GetValues
    assert.equal(got.int(), 2);
    assert.equal(got.byte(), 0x73); // 's': a string
    const key1Id = got.id();
    assert.equal(got.byte(), 0x49); // 'I': an int
    assert.equal(got.int(), 3);
    assert.equal(new In(await jdwp.command(10, 1, new Out().id(key1Id).done())).string(), 'breakpoint'); // StringReference.Value

    await jdwp.resume();
    assert.equal(await invoke.greeting(), 'Hello breakpoint x3');
  });
});
