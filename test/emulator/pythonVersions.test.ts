import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { resolveRuntime } from '../../src/emulator/runtimes';
import { RUNTIMES, versionParts } from '../../src/model/runtimes';
import { FIXTURES, functionSpec, invoke } from './helpers';

const code = join(FIXTURES, 'python-any');
const emulator = new Emulator();
after(() => emulator.dispose());

/** Why a runtime cannot be tested on its own version here, if it cannot. */
function absent(runtime: string): string | undefined {
  const r = resolveRuntime(runtime);
  if (!r.ok) return r.error.message;
  const want = RUNTIMES.find((x) => x.name === runtime)!.version;
  const [major, minor] = versionParts(r.value.version ?? '');
  return `${major}.${minor}` === want ? undefined : `no local Python ${want} here (PATH, pyenv, asdf, mise, uv); the nearest would run it (${r.value.version})`;
}

describe('each PythonX.Y runs on a local Python X.Y', () => {
  for (const runtime of RUNTIMES.filter((r) => r.family === 'python').map((r) => r.name)) {
    const skip = absent(runtime);
    test(`${runtime} runs on Python ${runtime.slice(6)}, and the log line names it`, { skip }, async () => {
      const { result, text } = await invoke(emulator, functionSpec({ codeDir: code, handler: 'index.main_handler', runtime }), { key1: 'value1' });
      assert.equal(result.statusCode, 200, `${result.errorMessage}\n${text}`);
      const value = result.result as { version: string; echo: unknown };
      assert.equal(value.version, runtime.slice(6));
      assert.deepEqual(value.echo, { key1: 'value1' });
      assert.match(text, new RegExp(`Runtime ${runtime.replace('.', '\\.')} runs on the local Python ${runtime.slice(6).replace('.', '\\.')}(\\.\\d+)? \\(`));
      assert.match(text, /Hello world\nevent key: value1/);
    });
  }
});

describe('Python2.7 on a real Python 2.7: the bootstrap behaves as on Python 3', { skip: absent('Python2.7') }, () => {
  const spec = (handler: string) => functionSpec({ codeDir: code, handler, runtime: 'Python2.7' });

  test('a warm instance keeps module state; non-ASCII events round-trip', async () => {
    const s = spec('index.main_handler');
    const first = await invoke(emulator, s, { key1: '中文 ünïcode' });
    assert.equal(first.result.statusCode, 200, first.result.errorMessage);
    assert.match(first.text, /event key: 中文 ünïcode/, 'printed unicode reaches the log as UTF-8');
    const second = await invoke(emulator, s, { key1: 'again' });
    const a = first.result.result as { counter: number; pid: number; echo: unknown; request_id: string };
    const b = second.result.result as typeof a;
    assert.deepEqual(a.echo, { key1: '中文 ünïcode' });
    assert.equal(a.request_id, first.result.requestId);
    assert.equal(b.pid, a.pid);
    assert.equal(b.counter, a.counter + 1);
    assert.equal(second.result.coldStart, false);
  });

  test('430 with the Python 2 traceback, 437 for a missing function, 443 for a syntax error, 439 for sys.exit', async () => {
    const raised = await invoke(emulator, spec('index.fails'), { key1: 'x' });
    assert.equal(raised.result.statusCode, 430);
    assert.equal(raised.result.errorMessage, 'ValueError: bad input: x');
    assert.match(raised.result.errorStack!, /Traceback \(most recent call last\):[^]*index\.py", line \d+, in fails/);
    const missing = await invoke(emulator, spec('index.nope'), {});
    assert.equal(missing.result.statusCode, 437);
    assert.match(missing.result.errorMessage!, /'module' object has no attribute 'nope'/);
    const broken = await invoke(emulator, spec('broken.main_handler'), {});
    assert.equal(broken.result.statusCode, 443);
    assert.match(broken.result.errorMessage!, /SyntaxError/);
    const exited = await invoke(emulator, spec('index.exits'), {});
    assert.equal(exited.result.statusCode, 439);
  });
});

describe('a runtime whose Python is not installed', () => {
  test('Python2.7 with no Python 2 anywhere is refused with a clear message, never run on Python 3', async () => {
    const bare = new Emulator({ callerEnv: { PATH: '/nonexistent', HOME: '/nonexistent' } });
    const outcome = await bare.invoke({ spec: functionSpec({ codeDir: code, handler: 'index.main_handler', runtime: 'Python2.7' }), payload: '{}' });
    await bare.dispose();
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.equal(outcome.error.code, 'runtime.notInstalled');
      assert.match(outcome.error.message, /Python2\.7 is not available locally: SCF runs it on Python 2\.7, and no Python 2 was found/);
      assert.match(outcome.error.message, /never run on Python 3/);
      assert.match(outcome.error.message, /scf\.runtimePaths\["Python2\.7"\]/);
    }
  });

  test('a Python 3 runtime without its own version runs on the nearest Python 3 and says so', { skip: absent('Python3.9') === undefined ? 'a Python 3.9 is installed here' : undefined }, async () => {
    const { result, text } = await invoke(emulator, functionSpec({ codeDir: code, handler: 'index.main_handler', runtime: 'Python3.9' }), {});
    assert.equal(result.statusCode, 200);
    assert.notEqual((result.result as { version: string }).version, '3.9');
    assert.match(text, /Runtime Python3\.9 runs on the local Python 3\.\d+\.\d+ \([^)]*\); SCF runs Python 3\.9, which is not installed here \(the nearest version runs it/);
  });

  test('scf.runtimePaths picks the interpreter for one runtime', { skip: absent('Python3.7') }, async () => {
    const python37 = resolveRuntime('Python3.7');
    assert.ok(python37.ok);
    const own = new Emulator({ runtimePaths: { 'Python3.10': python37.value.command } });
    const { result, text } = await invoke(own, functionSpec({ codeDir: code, handler: 'index.main_handler', runtime: 'Python3.10' }), {});
    await own.dispose();
    assert.equal((result.result as { version: string }).version, '3.7');
    assert.match(text, /runs on the local Python 3\.7\.\d+ \(scf\.runtimePaths\["Python3\.10"\]: /);
    assert.doesNotMatch(text, /nearest version/, 'a path the user chose is not called the nearest');
  });
});
