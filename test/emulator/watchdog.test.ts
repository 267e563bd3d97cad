/**
 * Where there is no namespace and no parent-death signal (macOS, other Unix), the host's watchdog
 * (src/emulator/sandboxWatchdog.ts) ends an instance when the host dies. SCF_TOOLKIT_CONTAINMENT=watchdog
 * runs exactly that on Linux (process tree, no setpriv, the watchdog alone), so it is tested here for
 * real: a warm Go program (no channel to the host whose closing it would notice) and what it started,
 * in its group and detached from it, end when the host is killed with SIGKILL, without another host
 * starting to sweep them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { EmulatorClient } from '../../src/emulator/client';
import { alive, eventually, FIXTURES, functionSpec, processesMarked, testMark } from './helpers';

const ROOT = resolve(__dirname, '../..');
const hostScript = join(ROOT, 'dist/host.js');
const hasGo = spawnSync('sh', ['-c', 'command -v go']).status === 0;
const skip = process.platform !== 'linux' ? 'the test reads /proc' : !hasGo ? 'no go here' : false;

const code = mkdtempSync(join(tmpdir(), 'scf-watchdog-go-'));
if (!skip) {
  cpSync(join(FIXTURES, 'go/go.mod'), join(code, 'go.mod'));
  cpSync(join(FIXTURES, 'go/vendor'), join(code, 'vendor'), { recursive: true });
  cpSync(join(FIXTURES, 'go-watchdog/main.go'), join(code, 'main.go'));
}
after(() => rmSync(code, { recursive: true, force: true }));

/** Watchdogs of host `hostPid` (their command line names the host's marker prefix). */
function watchdogsOf(hostPid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const argv = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
        return argv.includes('scf-watchdog') && argv.some((a) => a.startsWith(`${hostPid}-`));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function withWatchdogHost<T>(run: (client: EmulatorClient) => Promise<T>): Promise<T> {
  const saved = process.env.SCF_TOOLKIT_CONTAINMENT;
  process.env.SCF_TOOLKIT_CONTAINMENT = 'watchdog';
  const client = new EmulatorClient({ hostScript });
  try {
    return await run(client);
  } finally {
    if (saved === undefined) delete process.env.SCF_TOOLKIT_CONTAINMENT;
    else process.env.SCF_TOOLKIT_CONTAINMENT = saved;
    await client.dispose();
  }
}

async function startGo(client: EmulatorClient, mark: string): Promise<number> {
  const spec = functionSpec({ codeDir: code, handler: 'main', runtime: 'Go1', variables: { TEST_MARK: mark } });
  const outcome = await client.invoke({ target: spec.file, payload: '{}' }, () => undefined).outcome;
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
  assert.equal(outcome.value.statusCode, 200, outcome.value.errorMessage);
  const { pid } = outcome.value.result as { pid: number };
  await eventually(() => processesMarked(mark).length >= 4, `the Go program and its three sleeps run (${processesMarked(mark).length})`, 10_000);
  return pid;
}

test('SCF_TOOLKIT_CONTAINMENT=watchdog (as on macOS): a host killed with SIGKILL takes its warm Go program and what it started, in its group or detached, with it', { skip, timeout: 180_000 }, async () => {
  const mark = testMark();
  await withWatchdogHost(async (client) => {
    const goPid = await startGo(client, mark);
    const hostPid = client.hostPid()!;
    assert.equal(watchdogsOf(hostPid).length, 1, 'one watchdog for the host');
    process.kill(hostPid, 'SIGKILL');
    await eventually(() => !alive(goPid), 'the Go program ended with the host', 5000);
    await eventually(() => processesMarked(mark).length === 0, `nothing of the instance is left: ${processesMarked(mark).join(' ')}`, 5000);
    await eventually(() => watchdogsOf(hostPid).length === 0, 'and the watchdog has ended', 5000);
  });
});

test('SCF_TOOLKIT_CONTAINMENT=watchdog: a host that shuts down ends its instances itself, and its watchdog with it', { skip, timeout: 180_000 }, async () => {
  const mark = testMark();
  let hostPid = 0;
  await withWatchdogHost(async (client) => {
    await startGo(client, mark);
    hostPid = client.hostPid()!;
  });
  await eventually(() => processesMarked(mark).length === 0, 'nothing is left once the host shut down', 5000);
  await eventually(() => watchdogsOf(hostPid).length === 0, 'its watchdog ended with it', 5000);
});
