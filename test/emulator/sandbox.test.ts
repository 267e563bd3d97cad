import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './helpers';
import { descendantsIn, parseCimTable, parsePsEnvironMatches, parsePsTable } from '../../src/emulator/processTable';
import { describeExit, INIT_SCRIPT, INSTANCE_CPU_SHARES, INSTANCE_CPU_WEIGHT, planSandbox, probeCapabilities, SandboxedProcess, sandboxCommand, sandboxPlan, SCF_MAX_TASKS, type SandboxCapabilities } from '../../src/emulator/sandbox';

const linuxUser: SandboxCapabilities = { platform: 'linux', root: false, pidNamespace: { mountProc: true }, networkNamespace: true, parentDeathSignal: true };
const linuxRoot: SandboxCapabilities = { platform: 'linux', root: true, pidNamespace: { mountProc: true }, parentDeathSignal: true, pidsCgroup: '/sys/fs/cgroup/pids', cpuCgroup: { dir: '/sys/fs/cgroup/cpu', file: 'cpu.shares' } };

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

  test('an instance of many processes weighs a quarter of the host for the CPU: a cpu cgroup as root, else its autogroup (Linux), its nice value (macOS, tree), nothing on Windows', () => {
    assert.equal(planSandbox(linuxRoot).cpuWeight, 'cgroup');
    assert.equal(planSandbox({ ...linuxRoot, cpuCgroup: undefined }).cpuWeight, 'autogroup', 'root without a writable cpu controller');
    assert.equal(planSandbox(linuxUser).cpuWeight, 'autogroup', 'a user: no cgroup of its own to write');
    assert.equal(planSandbox({ ...linuxUser, forceTree: true }).cpuWeight, 'nice');
    assert.equal(planSandbox({ platform: 'darwin', root: false, parentDeathSignal: false }).cpuWeight, 'nice');
    assert.equal(planSandbox({ platform: 'win32', root: false, parentDeathSignal: false }).cpuWeight, 'none');
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
    assert.equal(plan.onHostDeath, 'none', 'no parent-death signal on macOS');
    assert.equal(plan.watchdog, true, 'the host\'s watchdog ends the instance\'s group and marked processes when the host dies');
  });

  test('the host\'s watchdog runs wherever processes are tracked, not contained: macOS, Linux without namespaces, SCF_TOOLKIT_CONTAINMENT=watchdog (Linux as macOS: no parent-death signal)', () => {
    assert.equal(planSandbox(linuxUser).watchdog, false, 'the namespace ends with the host by itself');
    assert.equal(planSandbox(linuxRoot).watchdog, false);
    assert.equal(planSandbox({ platform: 'win32', root: false, parentDeathSignal: false }).watchdog, false, 'Windows: the job object');
    const tree = planSandbox({ ...linuxUser, forceTree: true });
    assert.equal(tree.watchdog, true);
    assert.equal(tree.onHostDeath, 'firstProcess', 'and setpriv still ends the first process');
    const asMac = planSandbox({ ...linuxUser, forceTree: true, forceWatchdog: true, parentDeathSignal: false });
    assert.equal(asMac.containment, 'tree');
    assert.equal(asMac.onHostDeath, 'none');
    assert.equal(asMac.watchdog, true);
    assert.match(asMac.summary, /SCF_TOOLKIT_CONTAINMENT=watchdog/);
    assert.deepEqual(sandboxCommand(asMac, { root: false, parentDeathSignal: false }, 'node', ['a']), { command: 'node', args: ['a'] }, 'no setpriv: the watchdog alone');
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
    const cpu = '/sys/fs/cgroup/cpu/scf-toolkit-1-2';
    const joined = sandboxCommand(planSandbox(linuxRoot), linuxRoot, 'node', ['a'], { cgroup: { dirs: [cg, cpu], pids: cg, made: true } });
    assert.deepEqual(joined.args.slice(-4), [`${cg} ${cpu}`, '', 'node', 'a'], 'the init joins a spare made ahead, in each hierarchy');
    const fresh = sandboxCommand(planSandbox(linuxRoot), linuxRoot, 'node', ['a'], { cgroup: { dirs: [cg], pids: cg, made: false } });
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

  test('the runtime and what it forks at once are in a cpu cgroup from its first instruction; past 64 processes it weighs a quarter of the host', async (t) => {
    const caps = probeCapabilities();
    if (sandboxPlan().cpuWeight !== 'cgroup' || !caps.cpuCgroup) return t.skip(`no cpu cgroup here (${sandboxPlan().summary})`);
    const { dir: parent, file } = caps.cpuCgroup;
    const v2 = file === 'cpu.weight';
    const line = v2 ? '^0::' : ':cpu[,:]';
    const full = v2 ? '100' : '1024';
    const light = String(v2 ? INSTANCE_CPU_WEIGHT : INSTANCE_CPU_SHARES);
    for (let i = 0; i < 2; i++) {
      // The first start finds no spare (its init makes the cgroup), the next takes one. The runtime
      // starts 80 sleeps, says where it is, and waits for a line on stdin... it has none: it polls the file.
      const p = new SandboxedProcess('/bin/sh', ['-c', `p=$(grep -m1 '${line}' /proc/self/cgroup | cut -d: -f3); echo "$p"; (grep -m1 '${line}' /proc/self/cgroup | cut -d: -f3) & wait; cat "${parent}$p/${file}"; for i in $(seq 80); do sleep 3600 & done; echo started; while [ "$(cat "${parent}$p/${file}")" = ${full} ]; do sleep 0.05; done; cat "${parent}$p/${file}"`], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const closed = new Promise((resolve) => p.child.on('close', resolve));
      await eventually(() => out.includes('started'), `the runtime started its sleeps: ${out}`);
      const [self, forked, weight] = out.trim().split('\n');
      assert.match(self ?? '', /^\/scf-toolkit-\d+-\d+$/, `start ${i}: the runtime's first command is in an instance's cpu cgroup: ${out}`);
      assert.equal(forked, self, 'what it forks at once is in it too');
      assert.equal(weight, full, 'a small instance keeps the full weight');
      p.memoryKb(); // a memory sample lists the instance: 81 processes
      await eventually(() => out.trim().endsWith(`\n${light}`), `the weight is lowered once the instance is large: ${out}`);
      p.kill();
      await closed;
    }
    const own = readFileSync('/proc/self/cgroup', 'utf8');
    assert.doesNotMatch(own, /scf-toolkit-/, 'the host is not in an instance\'s cgroup');
  });
});
