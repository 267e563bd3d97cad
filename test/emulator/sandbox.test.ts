import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendantsIn, parseCimTable, parsePsEnvironMatches, parsePsTable } from '../../src/emulator/processTable';
import { describeExit, INIT_SCRIPT, planSandbox, probeCapabilities, SandboxedProcess, sandboxCommand, sandboxPlan, SCF_MAX_TASKS, type SandboxCapabilities } from '../../src/emulator/sandbox';

const linuxUser: SandboxCapabilities = { platform: 'linux', root: false, pidNamespace: { mountProc: true }, networkNamespace: true, parentDeathSignal: true };
const linuxRoot: SandboxCapabilities = { platform: 'linux', root: true, pidNamespace: { mountProc: true }, parentDeathSignal: true, pidsCgroup: '/sys/fs/cgroup/pids' };

describe('the sandbox is chosen per OS from what it offers (a pure function of platform and capabilities)', () => {
  test('Linux with namespaces: a PID namespace with its own /proc; as a user in a user namespace with RLIMIT_NPROC, as root with a pids cgroup', () => {
    const user = planSandbox(linuxUser);
    assert.equal(user.containment, 'namespace');
    assert.equal(user.userNamespace, true);
    assert.equal(user.ownProc, true);
    assert.equal(user.tasksLimit, 'rlimit');
    assert.equal(user.onHostDeath, 'namespace');
    assert.equal(user.freezesIdle, true);
    assert.equal(user.networkNamespace, true);
    const root = planSandbox(linuxRoot);
    assert.equal(root.userNamespace, false);
    assert.equal(root.tasksLimit, 'cgroup');
    assert.equal(planSandbox({ ...linuxRoot, pidsCgroup: undefined }).tasksLimit, 'none', 'root is exempt from RLIMIT_NPROC: no limit without a cgroup');
  });

  test('Linux where a new /proc cannot be mounted (e.g. inside a container): still a PID namespace, but the host /proc stays visible', () => {
    const plan = planSandbox({ ...linuxUser, pidNamespace: { mountProc: false } });
    assert.equal(plan.containment, 'namespace');
    assert.equal(plan.ownProc, false);
    assert.match(plan.summary, /host \/proc stays visible/);
  });

  test('Linux without namespaces (Ubuntu 24.04 restricts unprivileged user namespaces) or with SCF_TOOLKIT_CONTAINMENT=tree: the process tree, /proc and environment markers', () => {
    const restricted = planSandbox({ platform: 'linux', root: false, parentDeathSignal: true, namespaceProblem: 'unshare: write failed /proc/self/uid_map: Operation not permitted' });
    assert.equal(restricted.containment, 'tree');
    assert.equal(restricted.memory, 'proc');
    assert.equal(restricted.sweep, 'proc-environ');
    assert.equal(restricted.onHostDeath, 'firstProcess');
    assert.equal(restricted.tasksLimit, 'none');
    assert.match(restricted.summary, /no PID namespace: unshare: write failed/);
    const forced = planSandbox({ ...linuxUser, forceTree: true });
    assert.equal(forced.containment, 'tree');
    assert.match(forced.summary, /SCF_TOOLKIT_CONTAINMENT=tree/);
    assert.equal(planSandbox({ platform: 'linux', root: false, parentDeathSignal: false }).onHostDeath, 'none');
  });

  test('macOS: the process tree from ps (memory too, sampled every 200 ms), environment markers through ps -E', () => {
    const plan = planSandbox({ platform: 'darwin', root: false, parentDeathSignal: false });
    assert.equal(plan.containment, 'tree');
    assert.equal(plan.memory, 'ps');
    assert.equal(plan.memoryPollMs, 200);
    assert.equal(plan.sweep, 'ps-environ');
    assert.equal(plan.detached, true);
    assert.equal(plan.freezesIdle, false);
    assert.equal(plan.onHostDeath, 'none');
  });

  test("Windows: Node's job object (not detached) ends the runtime with the host; taskkill /T /F ends the tree; memory from CIM about once a second", () => {
    const plan = planSandbox({ platform: 'win32', root: false, parentDeathSignal: false });
    assert.equal(plan.containment, 'job');
    assert.equal(plan.detached, false, 'a detached process would leave libuv\'s job object');
    assert.equal(plan.memory, 'cim');
    assert.equal(plan.memoryPollMs, 1000);
    assert.equal(plan.sweep, 'taskkill-tree');
    assert.equal(plan.onHostDeath, 'firstProcess');
  });
});

describe('the command line per plan', () => {
  test('a user on Linux: setpriv --pdeathsig, then unshare into user + PID + mount namespaces, then the init shell, then the runtime', () => {
    const line = sandboxCommand(planSandbox(linuxUser), linuxUser, '/usr/bin/node', ['bootstrap.js', 'index.main']);
    assert.deepEqual([line.command, ...line.args], [
      'setpriv', '--pdeathsig', 'KILL', '--',
      'unshare', '--user', '--map-current-user', '--pid', '--kill-child', '--mount-proc', '--',
      '/bin/sh', '-c', INIT_SCRIPT, 'scf-init', String(SCF_MAX_TASKS), '1024', '', '', '', '',
      '/usr/bin/node', 'bootstrap.js', 'index.main',
    ]);
  });

  test('root: no user namespace; a network namespace when asked, its loopback brought up by the init', () => {
    const tools = { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare', ip: '/sbin/ip' };
    const line = sandboxCommand(planSandbox(linuxRoot), { ...linuxRoot, tools }, 'python3', ['-u'], { network: true });
    assert.equal(line.command, '/usr/bin/setpriv', 'the tools by their paths: the handler\'s PATH does not decide containment');
    assert.deepEqual(line.args.slice(3, 10), ['/usr/bin/unshare', '--pid', '--kill-child', '--mount-proc', '--net', '--', '/bin/sh']);
    assert.deepEqual(line.args.slice(13, 20), ['1024', '1024', '/sbin/ip', '/usr/bin/setpriv', '', '', 'python3']);
    const cg = '/sys/fs/cgroup/pids/scf-toolkit-1-2';
    const joined = sandboxCommand(planSandbox(linuxRoot), linuxRoot, 'node', ['a'], { cgroup: { dir: cg, made: true } });
    assert.deepEqual(joined.args.slice(-4), [cg, '', 'node', 'a'], 'the init joins a spare made ahead');
    const fresh = sandboxCommand(planSandbox(linuxRoot), linuxRoot, 'node', ['a'], { cgroup: { dir: cg, made: false } });
    assert.deepEqual(fresh.args.slice(-4), [cg, 'new', 'node', 'a'], 'no spare ready: the init makes its own');
    const user = sandboxCommand(planSandbox(linuxUser), linuxUser, 'node', [], { network: true });
    assert.ok(user.args.includes('--keep-caps'), 'a user namespace keeps its capabilities for the init to bring the loopback up');
  });

  test('tree containment: only setpriv --pdeathsig where it exists; macOS and Windows spawn the runtime itself', () => {
    const restricted: SandboxCapabilities = { platform: 'linux', root: false, parentDeathSignal: true };
    assert.deepEqual(sandboxCommand(planSandbox(restricted), restricted, 'node', ['a']), { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', 'node', 'a'] });
    const mac: SandboxCapabilities = { platform: 'darwin', root: false, parentDeathSignal: false };
    assert.deepEqual(sandboxCommand(planSandbox(mac), mac, 'node', ['a']), { command: 'node', args: ['a'] });
    const win: SandboxCapabilities = { platform: 'win32', root: false, parentDeathSignal: false };
    assert.deepEqual(sandboxCommand(planSandbox(win), win, 'node.exe', ['a']), { command: 'node.exe', args: ['a'] });
  });

  test('how the runtime ended: the namespace init\'s 128+N is signal N', () => {
    const ns = planSandbox(linuxUser);
    assert.equal(describeExit(ns, 137, null), 'killed by SIGKILL');
    assert.equal(describeExit(ns, 3, null), 'exited with code 3');
    assert.equal(describeExit(ns, null, 'SIGKILL'), 'killed by SIGKILL');
    assert.equal(describeExit(planSandbox({ platform: 'darwin', root: false, parentDeathSignal: false }), 137, null), 'exited with code 137');
  });
});

describe('what each OS reports about processes', () => {
  test('ps (macOS): pid, ppid and rss; descendants of a runtime, however deep', () => {
    const rows = parsePsTable('    1     0  9000\n  500     1 40000\n  501   500  2000\n  502   501  1000\n  600     1  5000\ngarbage\n');
    assert.equal(rows.length, 5);
    assert.deepEqual(descendantsIn(rows, 500).map((r) => r.pid), [501, 502]);
    assert.equal(descendantsIn(rows, 500).reduce((s, r) => s + r.rssKb, 0), 3000);
  });

  test('ps -E (macOS): the processes whose environment holds the instance marker, not those whose value merely starts with it', () => {
    const out = [
      '  501 /usr/bin/node bootstrap.js PATH=/usr/bin _SCF_TOOLKIT_INSTANCE=42-7-1 HOME=/Users/me',
      '  502 sleep 3600 _SCF_TOOLKIT_INSTANCE=42-7-1',
      '  503 sleep 3600 _SCF_TOOLKIT_INSTANCE=42-7-10',
      '  504 vim',
    ].join('\n');
    assert.deepEqual(parsePsEnvironMatches(out, '_SCF_TOOLKIT_INSTANCE=42-7-1'), [501, 502]);
  });

  test('CIM (Windows): working sets in bytes become kB; the System Idle Process (its own parent) is no one\'s descendant', () => {
    const rows = parseCimTable('0 0 8192\r\n4 0 143360\r\n7000 6000 52428800\r\n7001 7000 1048576\r\n');
    assert.deepEqual(rows.find((r) => r.pid === 7000), { pid: 7000, ppid: 6000, rssKb: 51200 });
    assert.deepEqual(descendantsIn(rows, 7000).map((r) => r.pid), [7001]);
    assert.deepEqual(descendantsIn(rows, 0).map((r) => r.pid), [4]);
  });
});

describe('the pids cgroup on this machine (root)', () => {
  /** Runs `script` as an instance's runtime; resolves with its stdout. */
  function runAsRuntime(script: string): Promise<string> {
    const p = new SandboxedProcess('/bin/sh', ['-c', script], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    return new Promise((resolve) => p.child.on('close', () => resolve(out)));
  }
  const pidsDir = (cgroupFile: string) => /^\d+:pids:(.*)$/m.exec(cgroupFile)?.[1];

  test('the runtime is in its instance\'s cgroup (pids.max 1024) from its first instruction, and so is what it forks at once', async (t) => {
    if (sandboxPlan().tasksLimit !== 'cgroup') return t.skip(`no pids cgroup here (${sandboxPlan().summary})`);
    const root = probeCapabilities().pidsCgroup!;
    // Three starts: the first finds no spare (its init makes the cgroup), the next ones take spares.
    for (let i = 0; i < 3; i++) {
      const out = await runAsRuntime(`cat /proc/self/cgroup; echo ---; (cat /proc/self/cgroup) & wait; echo ---; cat "${root}$(grep -m1 ':pids:' /proc/$$/cgroup | cut -d: -f3)/pids.max"`);
      const [self, forked, max] = out.split('---\n');
      const dir = pidsDir(self!);
      assert.match(dir ?? '', /^\/scf-toolkit-\d+-\d+$/, `start ${i}: the runtime's first command is in an instance cgroup: ${self}`);
      assert.equal(pidsDir(forked!), dir, 'what it forks at once is counted there too');
      assert.equal(max!.trim(), String(SCF_MAX_TASKS));
      await new Promise((r) => setTimeout(r, 20));
      const until = Date.now() + 5000;
      while (existsSync(join(root, dir!)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(existsSync(join(root, dir!)), false, 'the cgroup is removed once the instance has ended');
    }
    assert.ok(readFileSync('/proc/self/cgroup', 'utf8').includes(':pids:'), 'the test itself is not moved');
  });
});
