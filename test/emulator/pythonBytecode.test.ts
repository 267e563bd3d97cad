/**
 * pythonBytecode.ts: the bootstrap compiled once per interpreter into the cache folder, by that
 * interpreter, made again when the source or interpreter changes or the .pyc is gone, and the .py
 * itself where nothing can be written or the compile fails. Real interpreters.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, closeSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveRuntime } from '../../src/emulator/runtimes';
import { pythonBootstrapFile } from '../../src/emulator/runtimes/pythonBytecode';

const BOOTSTRAP = join(__dirname, '../../src/emulator/runtimes/assets/python-bootstrap.py');
// this test file's own process: its cache folder (and probes.json) in a new folder
const cacheHome = mkdtempSync(join(tmpdir(), 'scf-pyc-'));
process.env.XDG_CACHE_HOME = cacheHome;

const MAGIC = [
  'import sys, binascii',
  'try:\n    from importlib.util import MAGIC_NUMBER as m\nexcept ImportError:\n    import imp\n    m = imp.get_magic()',
  'sys.stdout.write(binascii.hexlify(m).decode())',
].join('\n');

function magic(file: string): string {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, 0);
  closeSync(fd);
  return b.toString('hex');
}

const pythons = ['Python3.9', 'Python2.7'].map((r) => resolveRuntime(r)).filter((r) => r.ok).map((r) => (r.ok ? r.value : undefined)!);

describe('the bootstrap compiled once per interpreter', { skip: pythons.length ? undefined : 'no local Python here' }, () => {
  for (const py of pythons) {
    test(`${py.scfRuntime} (${py.command}): made once, by this interpreter, runnable; again when the source changes or the .pyc is gone`, () => {
      const source = join(mkdtempSync(join(tmpdir(), 'scf-pyc-src-')), 'python-bootstrap.py');
      copyFileSync(BOOTSTRAP, source);
      const first = pythonBootstrapFile(py.command, py.version, source);
      assert.equal(dirname(first), join(cacheHome, 'scf-toolkit', 'python'));
      assert.match(first, /bootstrap-[0-9a-f]{8}-[0-9a-z]+\.pyc$/);
      const own = spawnSync(py.command, ['-c', MAGIC], { encoding: 'utf8' });
      assert.equal(magic(first), own.stdout.trim(), 'the magic number of the interpreter that runs it');
      // it runs as the script: with the channel closed before the go-ahead it ends at once, cleanly
      const [channel, replies] = [openSync('/dev/null', 'r'), openSync('/dev/null', 'w')];
      const run = spawnSync(py.command, ['-u', first, '/nonexistent', 'index.main'], { stdio: ['ignore', 'pipe', 'pipe', channel, replies], encoding: 'utf8', timeout: 20_000 });
      closeSync(channel);
      closeSync(replies);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(pythonBootstrapFile(py.command, py.version, source), first, 'kept while nothing changed');
      appendFileSync(source, '\n# edited\n');
      const edited = pythonBootstrapFile(py.command, py.version, source);
      assert.notEqual(edited, first);
      assert.ok(existsSync(edited));
      assert.ok(!existsSync(first), 'the one it replaces is removed');
      unlinkSync(edited);
      const again = pythonBootstrapFile(py.command, py.version, source);
      assert.notEqual(again, edited, 'a .pyc made again has a new name: a line recorded with the old one is never the same');
      assert.ok(existsSync(again));
    });
  }

  test('a source that does not compile, or a cache folder that cannot be made: the .py runs', () => {
    const py = pythons[0]!;
    const broken = join(mkdtempSync(join(tmpdir(), 'scf-pyc-src-')), 'python-bootstrap.py');
    writeFileSync(broken, 'def (:\n');
    assert.equal(pythonBootstrapFile(py.command, py.version, broken), broken);
    const source = join(mkdtempSync(join(tmpdir(), 'scf-pyc-src-')), 'python-bootstrap.py');
    copyFileSync(BOOTSTRAP, source);
    const file = join(cacheHome, 'a-file');
    writeFileSync(file, '');
    process.env.XDG_CACHE_HOME = join(file, 'below');
    try {
      assert.equal(pythonBootstrapFile(py.command, py.version, source), source);
    } finally {
      process.env.XDG_CACHE_HOME = cacheHome;
    }
  });
});
