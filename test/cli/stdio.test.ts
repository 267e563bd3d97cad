/**
 * The CLI writes its output straight to the file descriptor (src/cli/stdio.ts) and falls back to
 * Node's stream where that could differ. Real processes (dist/cli.js), real pipes and files: the whole
 * output arrives, in order, with the exit code, whatever stdout is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '../../dist/cli.js');

/** A serverless.yml with 4,000 invalid environment keys: ~1.3 MB of `validate --json`, 20 times a pipe's buffer. */
function bigProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-stdio-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.js'), 'exports.main_handler = async () => 1;\n');
  const keys = Array.from({ length: 4000 }, (_, i) => `      ${i}bad-${i}: v`);
  writeFileSync(
    join(dir, 'serverless.yml'),
    [
      'component: scf',
      'name: x',
      'inputs:',
      '  src: ./src',
      '  handler: index.main_handler',
      '  runtime: Nodejs16.13',
      '  region: ap-guangzhou',
      '  environment:',
      '    variables:',
      ...keys,
      '',
    ].join('\n'),
  );
  return dir;
}

function checkRecords(text: string): void {
  const records = JSON.parse(text) as Array<{ code: string; line: number }>;
  assert.equal(records.length, 4000);
  assert.ok(
    records.every((r, i) => r.code === 'scf.env.keyInvalid' && r.line === 10 + i),
    'every record, in order',
  );
}

test('validate --json through a pipe, into a file and to a closed stdout: the whole output and exit code 1', async (t) => {
  const dir = bigProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const piped = spawnSync(process.execPath, [CLI, 'validate', '--json', dir], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(piped.status, 1, piped.stderr);
  checkRecords(piped.stdout);

  const file = join(dir, 'out.json');
  const toFile = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" validate --json "${dir}" > "${file}"`], { encoding: 'utf8' });
  assert.equal(toFile.status, 1, toFile.stderr);
  assert.equal(readFileSync(file, 'utf8'), piped.stdout);

  const closed = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" validate --json "${dir}" >&-`], { encoding: 'utf8' });
  assert.equal(closed.status, 1, 'no stdout to write to: still the exit code of the check');
});

// A pipe whose reader waits until it is full before it reads: the CLI's writes certainly wait for the
// reader. Blocking, a write waits in the kernel; non-blocking (another process set O_NONBLOCK on the
// pipe it shares with the CLI), a direct write would stop short at the first EAGAIN. The harness is
// Python because Node cannot set O_NONBLOCK on a descriptor nor ask how full a pipe is.
const python = spawnSync('python3', ['-c', 'import fcntl, termios'], {
  encoding: 'utf8',
});
const HARNESS = `
import fcntl, hashlib, os, struct, subprocess, sys, termios
r, w = os.pipe()
if sys.argv[1] == 'nonblocking':
    fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(sys.argv[2:], stdout=w)
os.close(w)
capacity = fcntl.fcntl(r, 1032)  # F_GETPIPE_SZ
while p.poll() is None and struct.unpack('i', fcntl.ioctl(r, termios.FIONREAD, b'\\0\\0\\0\\0'))[0] < capacity:
    os.sched_yield()
full = p.poll() is None
data = b''
while True:
    b = os.read(r, 1 << 16)
    if not b:
        break
    data += b
sys.stdout.write('%d %d %s %s' % (p.wait(), len(data), hashlib.sha1(data).hexdigest(), 'full' if full else 'ended'))
`;
for (const mode of ['blocking', 'nonblocking']) {
  test(
    `validate --json into a ${mode} pipe that fills up: the whole output, then the exit code`,
    {
      skip: python.status === 0 ? false : 'needs python3 (fcntl, termios) for the pipe harness',
    },
    (t) => {
      const dir = bigProject();
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const expected = spawnSync(process.execPath, [CLI, 'validate', '--json', dir], { maxBuffer: 64 << 20 });
      const r = spawnSync('python3', ['-c', HARNESS, mode, process.execPath, CLI, 'validate', '--json', dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const [code, length, sha, state] = r.stdout.split(' ');
      assert.equal(state, 'full', 'the CLI filled the pipe and had to wait for its reader');
      assert.equal(code, '1');
      assert.equal(Number(length), expected.stdout.length);
      assert.equal(sha, createHash('sha1').update(expected.stdout).digest('hex'));
    },
  );
}

test('usage errors reach stderr (exit 2) and --help reaches stdout (exit 0) as separate processes', () => {
  const bad = spawnSync(process.execPath, [CLI, 'validate', '--bogus'], {
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^scf-toolkit validate: unknown option --bogus\nRun `scf-toolkit validate --help` for the options\.\n$/);
  const help = spawnSync(process.execPath, [CLI, 'validate', '--help'], {
    encoding: 'utf8',
  });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: scf-toolkit validate/);
  assert.equal(help.stderr, '');
});
