import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmulatorClient } from '../../src/emulator/client';
import { Emulator } from '../../src/emulator/emulator';
import { DISCOVERY_VARIABLES } from '../../src/emulator/runtimes/interpreters';
import { sandboxPlan } from '../../src/emulator/sandbox';
import { eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const detach = join(FIXTURES, 'detach');
const plan = sandboxPlan();
const emulator = new Emulator();
after(() => emulator.dispose());

function spec(handler: string, extra: Partial<Parameters<typeof functionSpec>[0]> = {}) {
  const mark = testMark();
  return { mark, spec: functionSpec({ codeDir: detach, handler, timeout: 30, ...extra, variables: { TEST_MARK: mark, ...extra.variables } }) };
}

/** Runs the real CLI to its end; resolves with its exit code and output. */
function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe(`every process an instance starts ends with the instance (${plan.containment}: ${plan.summary})`, () => {
  for (const how of ['setsid', 'doubleFork', 'nohup', 'shellAmp'] as const) {
    test(`a handler that detaches a process with ${how} leaves nothing once its instance ends`, async () => {
      const own = new Emulator();
      const { mark, spec: s } = spec('index.detach');
      const { result } = await invoke(own, s, { how });
      assert.equal(result.statusCode, 200, result.errorMessage);
      assert.ok(processesMarked(mark).length >= 2, 'the warm instance and its detached sleep are there');
      await own.dispose();
      await eventually(() => processesMarked(mark).length === 0, `no process of the instance is left (${how})`);
    });
  }

  test('a handler that starts `setsid sleep 3600` and never returns: 433, and nothing of it is left', async () => {
    const { mark, spec: s } = spec('index.detachThenHang', { timeout: 1 });
    const { result } = await invoke(emulator, s, { how: 'setsid' });
    assert.equal(result.statusCode, 433);
    await eventually(() => processesMarked(mark).length === 0, 'the runtime and the setsid sleep are gone after the 433');
  });

  test('a runtime that exits during a request (439) takes its detached processes with it', async () => {
    const { mark, spec: s } = spec('index.detachThenExit');
    const { result } = await invoke(emulator, s, { how: 'setsid' });
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /exited with code 3/);
    await eventually(() => processesMarked(mark).length === 0, 'the recycled instance and its orphan are gone');
  });

  test('a web function whose server exits mid-request is 439 (the process exited), and the next request gets a new instance', async () => {
    const web = functionSpec({ codeDir: join(FIXTURES, 'web'), handler: 'x', name: 'web-exit', extraInputs: ['  type: web'] });
    const { result } = await invoke(emulator, web, { httpMethod: 'GET', path: '/exit' });
    assert.equal(result.statusCode, 439, result.errorMessage);
    assert.match(result.errorMessage!, /exited with code 3/);
    const next = await invoke(emulator, web, { httpMethod: 'GET', path: '/' });
    assert.equal(next.result.statusCode, 200);
    assert.equal(next.result.coldStart, true);
  });

  test('`scf-toolkit invoke` with a detached child holding stdout and stderr open prints the result, exits, and leaves nothing', { timeout: 60_000 }, async () => {
    const { mark, spec: s } = spec('index.detach');
    const r = await runCli(['invoke', s.file, '--event-json', '{"how":"holdsStdout"}', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { statusCode: number; result: unknown };
    assert.equal(last.statusCode, 200);
    assert.deepEqual(last.result, { started: 'holdsStdout' });
    await eventually(() => processesMarked(mark).length === 0, 'nothing of the instance outlives the CLI');
  });

  test('`scf-toolkit invoke` ends a 433 whose detached child holds the pipes, and leaves nothing', { timeout: 60_000 }, async () => {
    const { mark, spec: s } = spec('index.detachThenHang', { timeout: 1 });
    const r = await runCli(['invoke', s.file, '--event-json', '{"how":"holdsStdout"}', '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { statusCode: number }).statusCode, 433);
    await eventually(() => processesMarked(mark).length === 0, 'nothing of the instance outlives the CLI');
  });

  test('a CLI killed with SIGKILL mid-request leaves no process of its instance', { timeout: 60_000 }, async () => {
    const { mark, spec: s } = spec('index.detachThenHang');
    const child = spawn(process.execPath, [CLI, 'invoke', s.file, '--event-json', '{"how":"setsid"}'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => out.includes('detached; now never returning'), 'the handler detached its child', 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    if (plan.onHostDeath !== 'namespace') {
      // Tracked, not contained: the first process died with the CLI; the next CLI sweeps the rest.
      const next = await runCli(['invoke', functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.plainValue' }).file, '--event-json', '{"n":1}']);
      assert.equal(next.code, 0, next.stderr);
    }
    await eventually(() => processesMarked(mark).length === 0, 'the killed CLI\'s instance is gone', 5000);
  });

  test('memory counts each child process for what it adds, not for the libraries it shares: 150 sleeps fit in 128 MB', async () => {
    const own = new Emulator();
    const { mark, spec: s } = spec('index.manySleeps', { memorySize: 128 });
    const { result } = await invoke(own, s, { n: 150 });
    assert.equal(result.statusCode, 200, result.errorMessage);
    assert.ok(result.maxMemoryUsedMB < 128, `${result.maxMemoryUsedMB} MB`);
    await own.dispose();
    await eventually(() => processesMarked(mark).length === 0, 'the sleeps are gone with the instance', 5000);
  });

  test('a warm instance is frozen between requests, as on SCF: its background process does not run while it is idle', async (t) => {
    if (!plan.freezesIdle) return t.skip(`idle instances are not frozen here (${plan.summary})`);
    const dir = mkdtempSync(join(tmpdir(), 'scf-ticker-'));
    const file = join(dir, 'ticks');
    const { spec: s } = spec('index.ticker');
    await invoke(emulator, s, { file });
    const ticks = () => readFileSync(file, 'utf8').split('\n').length;
    await new Promise((r) => setTimeout(r, 100)); // frozen once the answer is out
    const atRelease = ticks();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(ticks(), atRelease, 'no tick while the instance is idle');
    const during = await invoke(emulator, s, { file, ms: 300 });
    assert.equal(during.result.coldStart, false, 'the same warm instance');
    assert.ok(ticks() > atRelease, 'it ticks again while the next request runs');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the fallback where namespaces are not allowed (SCF_TOOLKIT_CONTAINMENT=tree): tracked processes end too', () => {
  const tree = { ...process.env, SCF_TOOLKIT_CONTAINMENT: 'tree' };

  test('`scf-toolkit invoke`: a 433 whose setsid child holds stdout open leaves nothing; nor does a detached double fork', { timeout: 60_000 }, async () => {
    const hang = spec('index.detachThenHang', { timeout: 1 });
    const r = await runCli(['invoke', hang.spec.file, '--event-json', '{"how":"holdsStdout"}', '--json'], tree);
    assert.equal((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { statusCode: number }).statusCode, 433, r.stderr);
    const fork = spec('index.detach');
    const ok = await runCli(['invoke', fork.spec.file, '--event-json', '{"how":"doubleFork"}'], tree);
    assert.equal(ok.code, 0, ok.stderr);
    await eventually(() => processesMarked(hang.mark).length + processesMarked(fork.mark).length === 0, 'nothing of either instance is left');
  });

  test('a CLI killed with SIGKILL leaves its detached process only until the next CLI starts', { timeout: 60_000 }, async () => {
    const { mark, spec: s } = spec('index.detachThenHang');
    const child = spawn(process.execPath, [CLI, 'invoke', s.file, '--event-json', '{"how":"setsid"}'], { cwd: ROOT, env: tree, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => out.includes('detached; now never returning'), 'the handler detached its child', 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const next = await runCli(['invoke', functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.plainValue' }).file, '--event-json', '{"n":1}'], tree);
    assert.equal(next.code, 0, next.stderr);
    await eventually(() => processesMarked(mark).length === 0, 'the next CLI ended the killed one\'s strays', 5000);
  });
});

describe('a handler\'s output streams with back-pressure', () => {
  test('a Node.js handler that floods stdout (96 MB, memorySize 64) streams every line and ends with 200', async () => {
    const { spec: s } = spec('index.flood', { memorySize: 64 });
    let lines = 0;
    const outcome = await emulator.invoke({ spec: s, payload: '{"mb":96}' }, { onLog: (l) => void (l.stream === 'stdout' && lines++) });
    assert.ok(outcome.ok);
    if (!outcome.ok) return;
    assert.equal(outcome.result.statusCode, 200, outcome.result.errorMessage);
    assert.equal(lines, 96 * 1024, 'every line reached the log');
    assert.ok(outcome.result.maxMemoryUsedMB <= 64);
  });
});

describe('what a handler can reach', () => {
  test('the CLI\'s own environment (deploy credentials) is out of reach: not in /proc/<ppid>/environ, nor up the parents, nor anywhere in /proc', { timeout: 60_000 }, async (t) => {
    if (!plan.ownProc) return t.skip(`the handler's /proc shows the host's processes here (${plan.summary}); docs/reliability.md says what it can read`);
    const secret = `topsecret-${randomUUID()}`;
    const { spec: s } = spec('index.lookForSecret');
    const r = await runCli(['invoke', s.file, '--event-json', JSON.stringify({ secret }), '--json'], { ...process.env, TENCENT_SECRET_ID: 'AKID-test', TENCENT_SECRET_KEY: secret });
    assert.equal(r.code, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { result: { found: number[]; parents: number[]; visible: number } };
    assert.deepEqual(last.result.found, [], 'no readable environment holds the CLI\'s secret');
    assert.ok(last.result.parents.length <= 1, `the handler sees at most its namespace's init above it, not the CLI (${last.result.parents.join(' <- ')})`);
  });

  test('the emulator host starts with nothing of its caller\'s environment, so a handler that reads its parents finds no credentials there', async () => {
    process.env.TENCENT_SECRET_KEY = 'should-not-reach-the-host';
    const client = new EmulatorClient({ hostScript: join(ROOT, 'dist/host.js') });
    try {
      const outcome = await client.invoke({ target: join(ROOT, 'examples/hello-nodejs'), payload: '{}' }, () => undefined).outcome;
      assert.ok(outcome.ok && outcome.result.statusCode === 200);
      const environ = readFileSync(`/proc/${client.hostPid()}/environ`, 'utf8').split('\0').filter(Boolean);
      const keys = environ.map((e) => e.slice(0, e.indexOf('=')));
      const allowed = new Set<string>(['PATH', 'HOME', 'TMPDIR', 'SCF_TOOLKIT_CONTAINMENT', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', ...DISCOVERY_VARIABLES]);
      assert.deepEqual(keys.filter((k) => !allowed.has(k)), []);
    } finally {
      delete process.env.TENCENT_SECRET_KEY;
      await client.dispose();
    }
  });

  test(`an instance may run at most SCF's 1,024 processes and threads`, async (t) => {
    if (plan.tasksLimit === 'none') return t.skip(`no per-instance process limit here (${plan.summary})`);
    const { spec: s } = spec('index.limits');
    const { result } = await invoke(emulator, s);
    const got = result.result as { processes: string; pidsMax?: string; uid: number };
    if (plan.tasksLimit === 'cgroup') assert.equal(got.pidsMax, '1024');
    else assert.equal(got.processes, '1024');
    assert.equal(got.uid, process.getuid!(), 'the handler keeps the user\'s uid');
  });
});
