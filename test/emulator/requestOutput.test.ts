/**
 * What a warm request prints is that request's log, all of it and before its END: the Node.js and
 * Python bootstraps send no end marks after a result (it is written after everything the request
 * printed, and the host reads what the pipes hold before it reports), so these check the cases that
 * could outrun the result: a burst larger than a pipe holds, a child process writing to the inherited
 * descriptors, stderr and stdout interleaved, a last line without its newline, many requests in a row.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import type { LogLine } from '../../src/emulator/types';
import { functionSpec, invoke } from './helpers';

const emulator = new Emulator({ callerEnv: { PATH: process.env.PATH, HOME: process.env.HOME } });
after(() => emulator.dispose());

function codeDir(file: string, code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-output-'));
  writeFileSync(join(dir, file), code);
  return dir;
}

const NODE = `
const { execFileSync } = require('child_process');
exports.main_handler = async (event) => {
  const n = event.n;
  console.log('first ' + n);
  process.stdout.write('x'.repeat(300 * 1024) + '\\n');
  console.error('to stderr ' + n);
  execFileSync('/bin/sh', ['-c', 'echo child ' + n + '; echo child err ' + n + ' >&2'], { stdio: 'inherit' });
  process.stdout.write('last without newline ' + n);
  return n;
};
`;

const PYTHON = `
import subprocess, sys
def main_handler(event, context):
    n = event["n"]
    print("first %d" % n)
    sys.stdout.write("x" * (300 * 1024) + "\\n")
    sys.stderr.write("to stderr %d\\n" % n)
    subprocess.check_call(["/bin/sh", "-c", "echo child %d; echo child err %d >&2" % (n, n)])
    sys.stdout.write("last without newline %d" % n)
    return n
`;

function userLines(logs: LogLine[]): Array<[string, string]> {
  return logs.filter((l) => l.stream !== 'platform').map((l) => [l.stream, l.text.length > 100 ? `${l.text.slice(0, 1)}*${l.text.length}` : l.text]);
}

for (const [runtime, file, code] of [['Nodejs18.15', 'index.js', NODE], ['Python3.9', 'index.py', PYTHON]] as const) {
  describe(`${runtime}: a request's output is all in its own log`, () => {
    test('a 300 KB burst, a child process, stderr and a last line without a newline arrive before END, request after request', async (t) => {
      const spec = functionSpec({ codeDir: codeDir(file, code), handler: 'index.main_handler', runtime });
      const first = await invoke(emulator, spec, { n: 0 });
      if (first.result.statusCode !== 200 && /not installed|not an executable|not found/i.test(first.result.errorMessage ?? '')) return t.skip(`${runtime}: ${first.result.errorMessage}`);
      assert.equal(first.result.statusCode, 200, first.result.errorMessage);
      for (let n = 1; n <= 20; n++) {
        const { result, logs } = await invoke(emulator, spec, { n });
        assert.equal(result.statusCode, 200, result.errorMessage);
        assert.equal(result.coldStart, false);
        assert.deepEqual(result.result, n);
        const user = userLines(logs);
        // stdout and stderr are separate pipes: their lines keep their order within each stream
        assert.deepEqual(user.filter(([s]) => s === 'stdout'), [['stdout', `first ${n}`], ['stdout', `x*${300 * 1024}`], ['stdout', `child ${n}`], ['stdout', `last without newline ${n}`]], `request ${n}`);
        assert.deepEqual(user.filter(([s]) => s === 'stderr'), [['stderr', `to stderr ${n}`], ['stderr', `child err ${n}`]], `request ${n}`);
        const end = logs.findIndex((l) => l.text.startsWith('END RequestId:'));
        assert.ok(end > 0 && logs.slice(end).every((l) => l.stream === 'platform'), 'nothing of the request after its END');
      }
    });
  });
}
