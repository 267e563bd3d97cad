/**
 * The CLI's runtime started ahead of time (src/emulator/speculation.ts), through the real CLI: the
 * first cold invoke of a target records how it started its runtime, the next starts that runtime
 * before reading serverless.yml and uses it only when the line it then computes is identical.
 * SCF_TOOLKIT_SPECULATE=verbose makes the CLI say on stderr what became of its start ahead.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { resolveRuntime } from '../../src/emulator/runtimes';
import { project, rewriteKeepingStamp } from './projects';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const skip = !existsSync(CLI) ? 'dist/ is not built (npm run build)' : process.platform !== 'linux' ? 'the start ahead is made on Linux only' : false;

interface Run {
  pid: number;
  status: number | null;
  result: unknown;
  ahead: string;
  stderr: string;
}

/** One `scf-toolkit invoke --json` with its own cache folder; what its start ahead became. */
function invoke(dir: string, cache: string, extraEnv: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [CLI, 'invoke', dir, '--event-json', '{"n":1}', '--json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, SCF_TOOLKIT_SPECULATE: 'verbose', ...extraEnv },
    timeout: 60_000,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const ahead = /runtime started ahead: (.*)/.exec(r.stderr)?.[1] ?? '';
  return { pid: r.pid ?? 0, status: r.status, result: last.startsWith('{') ? (JSON.parse(last) as { result: unknown }).result : undefined, ahead, stderr: r.stderr };
}


const yml = (handler: string, runtime = 'Nodejs18.15') =>
  `component: scf\nname: ahead\ninputs:\n  src: ./src\n  handler: ${handler}\n  runtime: ${runtime}\n  environment:\n    variables:\n      GREETING: hello\n`;

/** A module that notes each time it is loaded (a line in `loads`), so a test sees which code ran. */
const noting = (name: string, value: string) =>
  `require('fs').appendFileSync(__dirname + '/../loads', '${name}\\n');\n` +
  `exports.main = async (event) => ({ from: '${value}', n: event.n, greeting: process.env.GREETING, secret: process.env.SECRET || null, cwd: process.cwd() });\n`;

const loads = (dir: string) => (existsSync(join(dir, 'loads')) ? readFileSync(join(dir, 'loads'), 'utf8').trim().split('\n') : []);

/** Processes whose command line names `dir` (the instance's runtime and its sandbox), once the kernel has ended a discarded namespace. */
async function processesOf(dir: string): Promise<string[]> {
  const find = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
          return cmd.includes(dir) ? [`${p}: ${cmd}`] : [];
        } catch {
          return [];
        }
      });
  // a namespace killed with SIGKILL is torn down by the kernel just after the CLI has exited
  for (let i = 0; i < 100 && find().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  return find();
}


test('a runtime started ahead gives the answer a normal start gives; the record is the user\'s only (0600 in a 0700 folder)', { skip }, async () => {
  const { dir, cache } = project({ 'serverless.yml': yml('index.main'), 'src/index.js': noting('index', 'v1'), '.env': 'SECRET=s3cret\n' }, 'scf-ahead-');
  const first = invoke(dir, cache);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.ahead, /^none \(no record/);
  const records = join(cache, 'scf-toolkit', 'spawn');
  const [record] = readdirSync(records);
  assert.ok(record, 'the first cold invoke wrote a record');
  assert.equal(statSync(records).mode & 0o777, 0o700);
  assert.equal(statSync(join(records, record)).mode & 0o777, 0o600);

  const second = invoke(dir, cache);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.ahead, /^adopted/);
  const normal = invoke(dir, cache, { SCF_TOOLKIT_SPECULATE: '0' });
  assert.equal(normal.status, 0, normal.stderr);
  assert.deepEqual(second.result, normal.result);
  assert.deepEqual(second.result, { from: 'v1', n: 1, greeting: 'hello', secret: 's3cret', cwd: join(dir, 'src') });
  assert.deepEqual(loads(dir), ['index', 'index', 'index'], 'each run loaded the handler once');
  assert.deepEqual(await processesOf(dir), []);
});

test('a handler changed between two runs is the new code in the runtime started ahead', { skip }, () => {
  const { dir, cache } = project({ 'serverless.yml': yml('index.main'), 'src/index.js': noting('index', 'v1') }, 'scf-ahead-');
  assert.equal(invoke(dir, cache).status, 0);
  writeFileSync(join(dir, 'src/index.js'), noting('index', 'v2 (edited)'));
  const second = invoke(dir, cache);
  assert.match(second.ahead, /^adopted/);
  assert.equal((second.result as { from: string }).from, 'v2 (edited)');
});

test('serverless.yml edited: no start ahead; edited with its stamp kept (same size, times restored): started, discarded before any user code, nothing left behind', { skip }, async () => {
  const { dir, cache } = project({ 'serverless.yml': yml('first.main'), 'src/first.js': noting('first', 'first'), 'src/other.js': noting('other', 'other') }, 'scf-ahead-');
  assert.equal(invoke(dir, cache).status, 0);
  assert.deepEqual(loads(dir), ['first']);

  // an ordinary edit changes the file's stamp: the record is not used at all
  writeFileSync(join(dir, 'serverless.yml'), yml('first.main') + '# edited\n');
  const edited = invoke(dir, cache);
  assert.match(edited.ahead, /^none \(.*serverless\.yml changed since the record\)/);
  assert.equal((edited.result as { from: string }).from, 'first');

  // the handler renamed without the stamp changing: the start ahead (of first.main) is made, and the
  // line computed from the file (other.main) differs, so it is killed having loaded nothing
  assert.equal(invoke(dir, cache).status, 0); // records the edited file's stamp
  rewriteKeepingStamp(join(dir, 'serverless.yml'), yml('other.main') + '# edited\n');
  const renamed = invoke(dir, cache);
  assert.equal(renamed.status, 0, renamed.stderr);
  assert.match(renamed.ahead, /^discarded \(the command line differs\)/);
  assert.equal((renamed.result as { from: string }).from, 'other');
  assert.deepEqual(loads(dir), ['first', 'first', 'first', 'other'], 'the discarded start loaded no handler');
  assert.deepEqual(await processesOf(dir), [], 'the discarded start left a process behind');
});

test('.env changed with its stamp kept: the environment differs, the start ahead is discarded (its variable named, not its value)', { skip }, async () => {
  const { dir, cache } = project({ 'serverless.yml': yml('index.main'), 'src/index.js': noting('index', 'v1'), '.env': 'SECRET=aaaa\n' }, 'scf-ahead-');
  assert.equal(invoke(dir, cache).status, 0);
  rewriteKeepingStamp(join(dir, '.env'), 'SECRET=bbbb\n');
  const run = invoke(dir, cache);
  assert.match(run.ahead, /^discarded \(the environment differs \(SECRET\)\)/);
  assert.doesNotMatch(run.stderr, /aaaa|bbbb/);
  assert.equal((run.result as { secret: string }).secret, 'bbbb');
  assert.deepEqual(loads(dir), ['index', 'index']);
  assert.deepEqual(await processesOf(dir), []);
});

const python = resolveRuntime('Python3.9');
test('Python: the runtime started ahead imports the handler only once used, and answers as a normal start', { skip: skip || (python.ok ? false : `no Python 3 here: ${python.ok ? '' : python.error.message}`) }, async () => {
  const handler = `import os\nopen(os.path.join(os.path.dirname(__file__), '..', 'loads'), 'a').write('index\\n')\n\ndef main(event, context):\n    return {"n": event["n"], "greeting": os.environ.get("GREETING")}\n`;
  const { dir, cache } = project({ 'serverless.yml': yml('index.main', 'Python3.9'), 'src/index.py': handler }, 'scf-ahead-');
  assert.equal(invoke(dir, cache).status, 0);
  const second = invoke(dir, cache);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.ahead, /^adopted/);
  assert.deepEqual(second.result, { n: 1, greeting: 'hello' });
  // a sitecustomize in the code folder (on PYTHONPATH) would run at the interpreter's start: no start ahead
  writeFileSync(join(dir, 'src', 'sitecustomize.py'), '');
  assert.match(invoke(dir, cache).ahead, /^none \(.*sitecustomize\.py would run at the interpreter's start\)/);
  assert.deepEqual(loads(dir), ['index', 'index', 'index']);
  assert.deepEqual(await processesOf(dir), []);
});

test('the Node.js and Python bootstraps load nothing of the handler before the go-ahead: a channel closed before it ends them with nothing loaded', async () => {
  const { dir } = project({ 'src/index.js': noting('index', 'v1'), 'src/index.py': `open(__file__ + '/../../loads', 'a').write('index.py\\n')\ndef main(event, context):\n    return 1\n` }, 'scf-ahead-');
  const starts: Array<[string, string[]]> = [[process.execPath, [join(ROOT, 'src/emulator/runtimes/assets/node-bootstrap.js'), join(dir, 'src'), 'index.main']]];
  if (python.ok) starts.push([python.value.command, ['-u', join(ROOT, 'src/emulator/runtimes/assets/python-bootstrap.py'), join(dir, 'src'), 'index.main']]);
  for (const [command, args] of starts) {
    const { spawn } = await import('node:child_process');
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    (child.stdio[3] as NodeJS.WritableStream).end();
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, `${command} ended with ${code}`);
  }
  assert.deepEqual(loads(dir), [], 'a bootstrap loaded the handler before it was told to');
});

test('the start ahead is made from Node\'s handles, or by child_process where those would warn (--pending-deprecation): the same answer, no warning', { skip }, async () => {
  const { dir, cache } = project({ 'serverless.yml': yml('index.main'), 'src/index.js': noting('index', 'v1') }, 'scf-ahead-');
  assert.equal(invoke(dir, cache).status, 0);
  const raw = invoke(dir, cache);
  const viaChildProcess = invoke(dir, cache, { NODE_OPTIONS: '--pending-deprecation' });
  for (const run of [raw, viaChildProcess]) {
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.ahead, /^adopted/);
    assert.doesNotMatch(run.stderr, /Warning/);
    assert.deepEqual(run.result, { from: 'v1', n: 1, greeting: 'hello', secret: null, cwd: join(dir, 'src') });
  }
  assert.deepEqual(await processesOf(dir), []);
});

test('a start ahead that cannot be made (its code folder removed since the record) is not made: the CLI reports the folder, nothing left behind', { skip }, async () => {
  const { dir, cache } = project({ 'serverless.yml': yml('index.main'), 'src/index.js': noting('index', 'v1') }, 'scf-ahead-');
  assert.equal(invoke(dir, cache).status, 0);
  rmSync(join(dir, 'src'), { recursive: true });
  const run = invoke(dir, cache);
  assert.notEqual(run.status, 0);
  assert.match(run.ahead, /^none \(it could not be made: spawn /);
  assert.match(run.stderr, /src/);
  assert.deepEqual(await processesOf(dir), []);
  for (const hierarchy of ['pids', 'cpu']) assert.equal(existsSync(`/sys/fs/cgroup/${hierarchy}/scf-toolkit-${run.pid}-0`), false, `the start's ${hierarchy} cgroup was left`);
});
