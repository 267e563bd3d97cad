import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmulatorClient } from '../../src/emulator/client';
import { Emulator } from '../../src/emulator/emulator';
import { DISCOVERY_VARIABLES } from '../../src/emulator/runtimes/interpreters';
import { awaitAnswer, RuntimeProcess } from '../../src/emulator/runtimeProcess';
import { sandboxPlan } from '../../src/emulator/sandbox';
import { alive, copyFixture, eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

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

/** The marked processes that are `sleep`s: what a handler detached, apart from the instance's own. */
function sleepsMarked(mark: string): number[] {
  return processesMarked(mark).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith('sleep');
    } catch {
      return false;
    }
  });
}

/** Runs a script of test/fixtures/emulator/scripts with tsx; `onLine` sees its stdout line by line. */
function runScript(name: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'scripts', name), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
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

  test('a 434 (memory over memorySize) takes the detached processes with the instance', async () => {
    const { mark, spec: s } = spec('index.detachThenGrow', { memorySize: 64 });
    const { result } = await invoke(emulator, s, { how: 'doubleFork' });
    assert.equal(result.statusCode, 434, result.errorMessage);
    await eventually(() => processesMarked(mark).length === 0, 'the recycled instance and its orphan are gone');
  });

  test('an instance retired when idle (idleTimeoutMs) or when its code changed ends with what it detached', async () => {
    const own = new Emulator({ idleTimeoutMs: 300 });
    const idle = spec('index.detach');
    assert.equal((await invoke(own, idle.spec, { how: 'setsid' })).result.statusCode, 200);
    assert.equal(sleepsMarked(idle.mark).length, 1);
    await eventually(() => processesMarked(idle.mark).length === 0, 'the idle instance and its sleep are gone once it is retired');
    const code = mkdtempSync(join(tmpdir(), 'scf-retire-'));
    const source = readFileSync(join(detach, 'index.js'), 'utf8');
    writeFileSync(join(code, 'index.js'), source);
    const changed = spec('index.detach', { codeDir: code });
    assert.equal((await invoke(own, changed.spec, { how: 'nohup' })).result.statusCode, 200);
    assert.equal(sleepsMarked(changed.mark).length, 1);
    writeFileSync(join(code, 'index.js'), `${source}\n// changed\n`);
    const next = await invoke(own, changed.spec, { how: 'none' });
    assert.equal(next.result.coldStart, true, 'a changed file retires the warm instance');
    await eventually(() => sleepsMarked(changed.mark).length === 0, 'the retired instance\'s nohup sleep is gone');
    await own.dispose();
    rmSync(code, { recursive: true, force: true });
  });

  test('a web function is contained like any instance: what its server detaches (setsid, double fork) ends after a 433 and when the instance ends', async () => {
    const web = (timeout: number) => {
      const mark = testMark();
      return { mark, spec: functionSpec({ codeDir: join(FIXTURES, 'web'), handler: 'x', name: `web-detach-${timeout}`, timeout, extraInputs: ['  type: web'], variables: { TEST_MARK: mark } }) };
    };
    const hang = web(1);
    const timedOut = await invoke(emulator, hang.spec, { httpMethod: 'GET', path: '/detach', queryString: { hang: '1' } });
    assert.equal(timedOut.result.statusCode, 433, timedOut.result.errorMessage);
    await eventually(() => processesMarked(hang.mark).length === 0, 'the web instance and its detached sleeps are gone after the 433');
    const own = new Emulator();
    const warm = web(30);
    const served = await invoke(own, warm.spec, { httpMethod: 'GET', path: '/detach' });
    assert.equal(served.result.statusCode, 200, served.result.errorMessage);
    assert.equal(sleepsMarked(warm.mark).length, 2, 'its server and both sleeps run while the instance is warm');
    await own.dispose();
    await eventually(() => processesMarked(warm.mark).length === 0, 'nothing of the web instance is left once it ended');
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

  test('a CLI killed with SIGKILL leaves no detached process once the next CLI has started (its watchdog ends them at once; the next CLI sweeps what a watchdog could not)', { timeout: 60_000 }, async () => {
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

describe('the emulator host (the editor\'s path): what an instance detached ends with the host, however the host ends', () => {
  const modes = plan.containment === 'tree' ? (['tree'] as const) : (['default', 'tree'] as const);
  for (const mode of modes) {
    test(`${mode === 'tree' ? 'SCF_TOOLKIT_CONTAINMENT=tree' : plan.containment}: the host shut down (the window closes), killed with SIGKILL, or left by its parent (the extension host gone)`, { timeout: 90_000 }, async () => {
      const env = mode === 'tree' ? { ...process.env, SCF_TOOLKIT_CONTAINMENT: 'tree' } : process.env;
      const saved = process.env.SCF_TOOLKIT_CONTAINMENT;
      if (mode === 'tree') process.env.SCF_TOOLKIT_CONTAINMENT = 'tree';
      // Disposed whatever happens: a host left running after a failed assertion kept `npm test` from ending.
      const clients: EmulatorClient[] = [];
      try {
        const hostScript = join(ROOT, 'dist/host.js');
        // shut down, as deactivate() does when the window closes
        const closed = spec('index.detach');
        const a = new EmulatorClient({ hostScript });
        clients.push(a);
        const ra = await a.invoke({ target: closed.spec.file, payload: '{"how":"setsid"}' }, () => undefined).outcome;
        assert.ok(ra.ok && ra.value.statusCode === 200);
        assert.equal(sleepsMarked(closed.mark).length, 1, 'the handler returns once its sleep runs');
        await a.dispose();
        await eventually(() => processesMarked(closed.mark).length === 0, 'nothing is left once the host shut down', 5000);
        // killed with SIGKILL: no time to clean up
        const killed = spec('index.detach');
        const b = new EmulatorClient({ hostScript });
        clients.push(b);
        const rb = await b.invoke({ target: killed.spec.file, payload: '{"how":"doubleFork"}' }, () => undefined).outcome;
        assert.ok(rb.ok && rb.value.statusCode === 200);
        process.kill(b.hostPid()!, 'SIGKILL');
        await eventually(() => b.hostPid() === undefined, 'the client saw its host die');
        if (mode === 'tree') {
          // Tracked, not contained: the runtime died with the host (parent-death signal); the next host sweeps the rest.
          const next = await b.invoke({ target: functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.plainValue' }).file, payload: '{"n":1}' }, () => undefined).outcome;
          assert.ok(next.ok && next.value.statusCode === 200);
        }
        await eventually(() => processesMarked(killed.mark).length === 0, 'nothing is left of the killed host\'s instance', 5000);
        await b.dispose();
        // the host's parent killed (VS Code's extension host gone): the host sees its channel close and ends
        const orphaned = spec('index.detach');
        const parent = runScript('hostParent.ts', [orphaned.spec.file, '{"how":"nohup"}'], env);
        await eventually(() => parent.out().includes('statusCode'), `the parent invoked through its host (${parent.err()})`, 30_000);
        const { statusCode, hostPid } = JSON.parse(parent.out().trim()) as { statusCode: number; hostPid: number };
        assert.equal(statusCode, 200);
        parent.child.kill('SIGKILL');
        await parent.exited;
        await eventually(() => !alive(hostPid), 'the host ended when its parent went away', 10_000);
        await eventually(() => processesMarked(orphaned.mark).length === 0, 'nothing is left once the orphaned host ended', 5000);
      } finally {
        await Promise.all(clients.map((c) => c.dispose().catch(() => undefined)));
        if (saved === undefined) delete process.env.SCF_TOOLKIT_CONTAINMENT;
        else process.env.SCF_TOOLKIT_CONTAINMENT = saved;
      }
    });
  }

  test('an Emulator that is never disposed lets its Node process end once its instances are idle, and they end with it', { timeout: 120_000 }, async () => {
    const mark = testMark();
    const hasGo = spawnSync('sh', ['-c', 'command -v go']).status === 0;
    const goDir = hasGo ? copyFixture('go') : '';
    const script = runScript('undisposed.ts', [mark, goDir]);
    const ended = await Promise.race([script.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100_000).unref())]);
    if (!ended) script.child.kill('SIGKILL');
    assert.ok(ended, `the script still ran with its idle instances (Node.js, Custom Runtime, web${hasGo ? ', Go' : ''}): ${script.out()} ${script.err()}`);
    const { statuses } = JSON.parse(script.out().trim().split('\n').at(-1)!) as { statuses: number[] };
    assert.deepEqual(statuses, statuses.map(() => 200), script.err());
    await eventually(() => processesMarked(mark).length === 0, 'its instances ended with it', 5000);
    if (goDir) rmSync(goDir, { recursive: true, force: true });
  });
});

describe('after a kill, the last output is read until the pipes close, not cut at 300 ms (17.6)', () => {
  for (const containment of plan.containment === 'tree' ? (['tree'] as const) : ([undefined, 'tree'] as const)) {
    for (const halted of [false, true]) {
      test(`${containment ?? plan.containment}: a detached child holding stdout and stderr dies with the instance, so its pipes close${halted ? ' (stopped first, as at a limit)' : ''}`, async () => {
        const mark = testMark();
        // 100 detached children: the kernel takes a while to end them all, longer than the instance's
        // exit took to be reported when it did not wait for them
        const proc = new RuntimeProcess('/bin/sh', ['-c', 'for i in $(seq 100); do setsid sleep 3600 & done; echo started; sleep 3600'], { cwd: tmpdir(), env: { PATH: process.env.PATH!, TEST_MARK: mark }, extraPipes: 0, sandbox: { containment } }, () => undefined);
        await eventually(() => sleepsMarked(mark).length === 101, 'the runtime and its setsid children run');
        const namespace = plan.containment === 'namespace' && containment === undefined;
        // the namespace's init: the only child of the process we spawned (unshare)
        const init = namespace ? readFileSync(`/proc/${proc.child.pid}/task/${proc.child.pid}/children`, 'utf8').trim() : '';
        if (halted) assert.ok(proc.sandbox.halt(), 'the instance is stopped');
        proc.kill();
        await proc.exited();
        // In a PID namespace the exit is unshare's, which it reports once it has reaped the init, and the
        // kernel lets the init end only once every other process of the namespace has gone.
        const initLeft = namespace && existsSync(`/proc/${init}`);
        const left = processesMarked(mark);
        await proc.drained();
        if (namespace) {
          assert.match(init, /^\d+$/);
          assert.equal(initLeft, false, "when the instance reports its exit, the namespace's init has gone");
          assert.deepEqual(left, [], 'and none of its processes is left');
        }
        assert.equal(proc.lastDrain, 'closed', 'every holder of the pipes ended with the instance');
        await eventually(() => processesMarked(mark).length === 0, 'nothing is left');
      });
    }
  }
});

describe('at a limit the answer comes first, the cleanup after (16: within timeout + 100 ms)', () => {
  /** The state letter of /proc/<pid>/stat (T: stopped), or 'gone'. */
  const stateOf = (pid: number) => {
    try {
      return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '?';
    } catch {
      return 'gone';
    }
  };
  for (const containment of plan.containment === 'tree' ? (['tree'] as const) : ([undefined, 'tree'] as const)) {
    test(`${containment ?? plan.containment}: every process is stopped where it stands and its last output read before the kill, so the 433 waits for neither the kernel's teardown nor output still being written`, async () => {
      const mark = testMark();
      let lines = 0;
      // A child and the runtime both writing as fast as they can: the pipes are never quiet while they run.
      const proc = new RuntimeProcess('/bin/sh', ['-c', '(while :; do echo child; done) & while :; do echo runtime; done'], { cwd: tmpdir(), env: { PATH: process.env.PATH!, TEST_MARK: mark }, extraPipes: 0, sandbox: { containment } }, () => void lines++);
      await eventually(() => lines > 100 && proc.sandbox.processes().length >= 2, 'both write');
      const events: string[] = [];
      const waited = await awaitAnswer(proc, new Promise<never>(() => undefined), { timeoutMs: 200, memoryLimitMb: 4096 }, () => {
        const pids = proc.sandbox.processes();
        events.push(`kill: drained ${proc.lastDrain ?? 'not yet'}, ${pids.length >= 2 ? 'processes' : 'fewer than 2 processes'} ${[...new Set(pids.map(stateOf))].join('')}`);
        proc.kill();
      });
      events.push('answer');
      assert.deepEqual(events, ['kill: drained quiet, processes T', 'answer'], 'stopped (T) and drained before the kill; the answer after');
      assert.ok(!waited.ok && waited.measure.outcome.kind === 'timeout');
      await eventually(() => processesMarked(mark).length === 0, 'and then everything ends');
    });

    // In a PID namespace only the process group was stopped: a setsid child went on writing until the
    // kill, so the drain was never quiet and was cut at 300 ms ('cut, processes TR').
    test(`${containment ?? plan.containment}: a child that left the process group (setsid) is stopped too, and the drain ends quiet`, async () => {
      const mark = testMark();
      let child = 0;
      const proc = new RuntimeProcess('/bin/sh', ['-c', "setsid sh -c 'while :; do echo child; done' & while :; do echo runtime; done"], { cwd: tmpdir(), env: { PATH: process.env.PATH!, TEST_MARK: mark }, extraPipes: 0, sandbox: { containment } }, (_stream, line) => void (line === 'child' && child++));
      await eventually(() => child > 100 && proc.sandbox.processes().length >= 2, 'the runtime and its setsid child write');
      const events: string[] = [];
      await awaitAnswer(proc, new Promise<never>(() => undefined), { timeoutMs: 200, memoryLimitMb: 4096 }, () => {
        events.push(`kill: drained ${proc.lastDrain ?? 'not yet'}, processes ${[...new Set(proc.sandbox.processes().map(stateOf))].join('')}`);
        proc.kill();
      });
      assert.deepEqual(events, ['kill: drained quiet, processes T'], 'every process stopped, the setsid child too, and the pipes quiet before the kill');
      await eventually(() => processesMarked(mark).length === 0, 'and then everything ends');
    });
  }
});

describe('a handler\'s output streams with back-pressure', () => {
  test('a Node.js handler that floods stdout (96 MB, memorySize 64) streams every line and ends with 200', async () => {
    const { spec: s } = spec('index.flood', { memorySize: 64 });
    let lines = 0;
    const outcome = await emulator.invoke({ spec: s, payload: '{"mb":96}' }, { onLog: (l) => void (l.stream === 'stdout' && lines++) });
    assert.ok(outcome.ok);
    if (!outcome.ok) return;
    assert.equal(outcome.value.statusCode, 200, outcome.value.errorMessage);
    assert.equal(lines, 96 * 1024, 'every line reached the log');
    assert.ok(outcome.value.maxMemoryUsedMB <= 64);
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
      assert.ok(outcome.ok && outcome.value.statusCode === 200);
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
