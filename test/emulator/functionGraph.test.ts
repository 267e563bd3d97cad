import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { dirname, join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec, invoke } from './helpers';

const emulator = new Emulator();
after(() => emulator.dispose());
const fgNode = join(FIXTURES, 'fg-node', 'code');
const fgPython = join(FIXTURES, 'fg-python', 'code');

type FgResult = { initialized: number; requests: number; pid: number; instance: string; requestId: string; remaining: number; memory: number; name: string; userData: string; codeRoot: string; cwd: string; scfVars: string[] };

describe('the FunctionGraph profile (inputs.platform: functiongraph)', () => {
  test('Node.js: the initializer runs once per instance before the first request; FunctionGraph\'s context and variables', async () => {
    const spec = functionSpec({
      codeDir: fgNode,
      handler: 'index.handler',
      name: 'fg-fn',
      memorySize: 256,
      variables: { GREETING: 'hello' },
      extraInputs: ['  platform: functiongraph', '  initializer: index.initializer'],
    });
    const first = await invoke(emulator, spec);
    assert.equal(first.result.statusCode, 200, first.result.errorMessage);
    const a = first.result.result as FgResult;
    assert.equal(a.initialized, 1);
    assert.match(first.text, /initializer for fg-fn/);
    assert.equal(a.requestId, first.result.requestId);
    assert.equal(a.memory, 256);
    assert.equal(a.name, 'fg-fn');
    assert.equal(a.userData, 'hello');
    assert.ok(a.remaining > 0 && a.remaining <= 30_000);
    assert.equal(a.codeRoot, fgNode);
    assert.equal(a.cwd, dirname(fgNode), 'the working directory is one level above the code');
    assert.deepEqual(a.scfVars, [], 'no SCF variables under FunctionGraph');
    const second = await invoke(emulator, spec);
    const b = second.result.result as FgResult;
    assert.equal(b.instance, a.instance);
    assert.equal(b.initialized, 1, 'not again on a warm instance');
    assert.equal(b.requests, 2);
    const [c, d] = await Promise.all([invoke(emulator, spec), invoke(emulator, spec)]);
    const fresh = [c, d].map((r) => r.result.result as FgResult).find((r) => r.instance !== a.instance)!;
    assert.equal(fresh.initialized, 1, 'a new instance runs its own initializer once');
    assert.equal(fresh.requests, 1);
  });

  test('a failing initializer fails the start-up with its message', async () => {
    const spec = functionSpec({ codeDir: fgNode, handler: 'index.handler', extraInputs: ['  platform: functiongraph', '  initializer: index.failingInitializer'] });
    const { result } = await invoke(emulator, spec);
    assert.equal(result.statusCode, 443);
    assert.match(result.errorMessage!, /the initializer index\.failingInitializer failed: Error: cannot reach the database/);
  });

  test('Python: initializer(context) once per instance, context methods, RUNTIME_CODE_ROOT', async () => {
    const spec = functionSpec({ codeDir: fgPython, handler: 'index.handler', runtime: 'Python3.9', extraInputs: ['  platform: functiongraph', '  initializer: index.my_initializer'] });
    const first = await invoke(emulator, spec);
    assert.equal(first.result.statusCode, 200, first.result.errorMessage);
    const second = await invoke(emulator, spec);
    const r = second.result.result as { initialized: number; requestId: string; codeRoot: string; cwd: string };
    assert.equal(r.initialized, 1);
    assert.equal(r.requestId, second.result.requestId);
    assert.equal(r.codeRoot, fgPython);
    assert.equal(r.cwd, dirname(fgPython));
    assert.match(first.text, /initializer for/);
  });

  test('an unknown platform is a clear error in serverless.yml', () => {
    assert.throws(() => functionSpec({ codeDir: fgNode, handler: 'index.handler', extraInputs: ['  platform: lambda'] }), /serverless\.yml:\d+:\d+: `platform` must be "scf" \(the default\) or "functiongraph", got "lambda"/);
  });
});
