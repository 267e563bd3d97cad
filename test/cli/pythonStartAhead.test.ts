/**
 * The Python bootstrap's bytecode (pythonBytecode.ts) and the CLI's runtime started ahead
 * (speculation.ts), through the real CLI: a .pyc removed between two cold invokes is made again under
 * a new name, so the start made ahead on the old one is never adopted, and the answer is right.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { resolveRuntime } from '../../src/emulator/runtimes';
import { project } from './projects';

const CLI = join(resolve(__dirname, '../..'), 'dist/cli.js');
const python = resolveRuntime('Python3.9');
const skip = !existsSync(CLI) ? 'dist/ is not built (npm run build)' : process.platform !== 'linux' ? 'the start ahead is made on Linux only' : !python.ok ? python.error.message : false;

function invoke(dir: string, cache: string, nodeArgs: string[] = []): { result: unknown; ahead: string; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, 'invoke', dir, '--event-json', '{"n":2}', '--json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, SCF_TOOLKIT_SPECULATE: 'verbose' },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { result: (JSON.parse(last) as { result: unknown }).result, ahead: /runtime started ahead: (.*)/.exec(r.stderr)?.[1] ?? '', stderr: r.stderr, stdout: r.stdout };
}

test('the bootstrap .pyc removed between two cold invokes: made again under a new name, the start ahead on the old one discarded', { skip }, () => {
  const { dir, cache } = project({
    'serverless.yml': 'component: scf\nname: pyc\ninputs:\n  src: ./src\n  handler: index.main\n  runtime: Python3.9\n',
    'src/index.py': 'import sys\n\ndef main(event, context):\n    return {"n": event["n"], "script": sys.argv[0]}\n',
  });
  const folder = join(cache, 'scf-toolkit', 'python');
  const first = invoke(dir, cache);
  const [pyc] = readdirSync(folder);
  assert.deepEqual(first.result, { n: 2, script: join(folder, pyc!) });
  assert.match(invoke(dir, cache).ahead, /^adopted/);
  unlinkSync(join(folder, pyc!));
  const third = invoke(dir, cache);
  assert.match(third.ahead, /^discarded \(the command line differs\)/);
  const [again] = readdirSync(folder);
  assert.notEqual(again, pyc);
  assert.deepEqual(third.result, { n: 2, script: join(folder, again!) });
  assert.doesNotMatch(third.stderr, /can't open file|Traceback/);
  assert.match(invoke(dir, cache).ahead, /^adopted/);
});

test('an adopted start is read and written through its pipe handles: its log (UTF-8 split across writes) and answer, with neither net nor child_process loaded', { skip }, () => {
  const { dir, cache } = project({
    'serverless.yml': 'component: scf\nname: pipes\ninputs:\n  src: ./src\n  handler: index.main\n  runtime: Python3.9\n',
    'src/index.py': 'import sys, time\n\ndef main(event, context):\n    sys.stdout.buffer.write(b"caf\\xc3"); sys.stdout.flush(); time.sleep(0.02)\n    sys.stdout.buffer.write(b"\\xa9 " + b"x" * 10000 + b"\\n"); sys.stdout.flush()\n    print("to stderr", file=sys.stderr)\n    return {"n": event["n"], "big": "y" * 10000}\n',
  });
  // what the CLI's own process loaded, printed as it exits (a --require of the test's, in the CLI only);
  // the output stays well under a pipe's 64 KB, which the CLI writes to without its stream (stdio.ts)
  const preload = join(cache, 'loaded.js');
  writeFileSync(preload, "process.on('exit', () => require('fs').writeSync(2, 'LOADED ' + JSON.stringify({ net: process.moduleLoadList.includes('NativeModule net'), child_process: process.moduleLoadList.includes('NativeModule child_process') }) + '\\n'));\n");
  invoke(dir, cache);
  const adopted = invoke(dir, cache, ['--require', preload]);
  assert.match(adopted.ahead, /^adopted/);
  assert.deepEqual(adopted.result, { n: 2, big: 'y'.repeat(10000) });
  const logs = adopted.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string; stream?: string }).filter((l) => l.type === 'log').map((l) => l.text);
  assert.ok(logs.includes(`café ${'x'.repeat(10000)}`), 'the log line, whole, its character split across two writes decoded once');
  assert.ok(logs.includes('to stderr'));
  assert.deepEqual(JSON.parse(/LOADED (.*)/.exec(adopted.stderr)![1]!), { net: false, child_process: false });
});
