/**
 * The one wrapper around a runtime's spawn: every process an instance starts ends with the instance
 * (retired, recycled on 433/434/439, the host or CLI exiting or killed), however it detached (setsid,
 * double fork, nohup, a shell `&`), and its memory counts against memorySize. The mechanism is chosen
 * per OS from what it offers (docs/reliability.md, "Process containment"):
 *
 *   Linux, where unshare(1) may create namespaces: the instance runs in its own PID namespace (with a
 *     user namespace when we are not root; the handler keeps the user's uid) and its own /proc. Every
 *     process it starts stays in that namespace, orphans are reaped by the namespace's init (a POSIX
 *     shell running the runtime in the foreground, so the runtime is not PID 1 and keeps ordinary signal
 *     semantics), and when the init ends the kernel ends everything in the namespace. `setpriv
 *     --pdeathsig KILL` ends the namespace when the host dies, even by SIGKILL. SCF's 1,024 processes
 *     and threads per instance hold as RLIMIT_NPROC (counted per user namespace) or, as root, a pids
 *     cgroup. The handler's /proc shows only its instance: the host's and the CLI's environments
 *     (/proc/<ppid>/environ) are out of its reach.
 *   Linux without namespaces (e.g. Ubuntu 24.04 restricts unprivileged user namespaces), macOS, other
 *     Unix: the runtime leads its own process group; the instance's processes are its descendants,
 *     every process seen among them since, and (when the instance ends) every process whose
 *     environment still holds the instance's marker variable, found through /proc or `ps -E`.
 *   Windows: the runtime is spawned inside Node's own job object (libuv's, with KILL_ON_JOB_CLOSE: it
 *     ends with the host); the instance ends with `taskkill /T /F` over its process tree.
 *
 * Between requests a warm instance's processes are frozen (SIGSTOP, then SIGCONT when the next request
 * comes), as SCF freezes an idle instance: a background task does not progress after the response
 * here either. Where the instance's processes cannot all be known (Windows), they keep running.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { constants as osConstants, release, setPriority } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { InstanceMemory, type ProcListing } from './instanceMemory';
import { ProcFile } from './procFile';
import { isProcessAlive, descendantsIn, parsePsEnvironMatches, procAllPids, procChildren, procDescendants, procEnvironHas, procPidsIn, procStartTime, procStopped, readCommand } from './processTable';
import { fail, ok, type Outcome } from '../model/outcome';
import { now } from './clock';
import { probe } from './probeCache';
import { adoptSpeculative, CGROUP_PLACEHOLDER, noteOtherSpawn, type Speculatable } from './speculation';
import { SandboxWatchdog } from './sandboxWatchdog';
import { makeInstanceCgroup, makeInstanceCgroupSync, SCF_MAX_TASKS } from './instanceCgroup';

/** SCF's per-instance limits (quota page, "function runtime environment limits"). */
export { SCF_MAX_TASKS };
export const SCF_MAX_OPEN_FILES = 1024;

/** What this machine offers, probed once per process (probeCapabilities) or given by a unit test. */
export interface SandboxCapabilities {
  platform: NodeJS.Platform;
  /** Running as root (uid 0): namespaces need no user namespace, and a pids cgroup can be made. */
  root: boolean;
  /** `unshare` gave a test process its own PID namespace here: with its own /proc or without. */
  pidNamespace?: { mountProc: boolean };
  /** `unshare --net` works here as well (and the loopback can be brought up inside). */
  networkNamespace?: boolean;
  /** `setpriv --pdeathsig` works: the first process of an instance dies with the host, even a killed one. */
  parentDeathSignal: boolean;
  /**
   * Where the tools are, found once on the host's PATH and the system folders: the handler's PATH
   * (serverless.yml, a test that removes it) must not decide whether an instance is contained.
   */
  tools?: { setpriv?: string; unshare?: string; ip?: string };
  /** A writable pids cgroup hierarchy (root only): per-instance task limits where RLIMIT_NPROC cannot. */
  pidsCgroup?: string;
  /**
   * A writable cpu cgroup hierarchy (root only) and its weight file: cgroup v1's `cpu.shares` (1024 for
   * everyone by default) or v2's `cpu.weight` (100). On v2 the same folder as pidsCgroup.
   */
  cpuCgroup?: { dir: string; file: 'cpu.shares' | 'cpu.weight' };
  /** SCF_TOOLKIT_CONTAINMENT=tree: use the process-tree fallback even where namespaces work. */
  forceTree?: boolean;
  /**
   * SCF_TOOLKIT_CONTAINMENT=watchdog: the process tree, and no parent-death signal, as on macOS, so
   * that the host's watchdog alone ends an instance when the host dies (how macOS is tested on Linux).
   */
  forceWatchdog?: boolean;
  /** Why namespaces are not used, when they are not (for the docs' troubleshooting and the log). */
  namespaceProblem?: string;
}

export type Containment = 'namespace' | 'tree' | 'job';

/** How instances are started, measured and ended here: a pure function of the capabilities. */
export interface SandboxPlan {
  containment: Containment;
  /** Linux only: a user namespace maps the user's uid to itself (not root). */
  userNamespace: boolean;
  /** The handler's /proc shows only its own instance. */
  ownProc: boolean;
  /** Where memory comes from, and how often it can be sampled while a request runs. */
  memory: 'proc' | 'ps' | 'cim';
  memoryPollMs: number;
  /** How the instance's processes are limited to SCF_MAX_TASKS. */
  tasksLimit: 'rlimit' | 'cgroup' | 'none';
  /**
   * How the instance's processes weigh less for the CPU scheduler than the host (a quarter), so that a
   * fork bomb's thousand runnable tasks cannot starve the host's timers and its 433 (docs/reliability.md):
   * a cpu cgroup per instance (root), the weight of the instance's own autogroup (Linux: it is a session
   * of its own, and the kernel's autogroups weigh sessions against each other), or the nice value of
   * its processes (macOS, other Unix). Only matters when the CPU is contended: an idle machine gives
   * the handler all of it.
   */
  cpuWeight: 'cgroup' | 'autogroup' | 'nice' | 'none';
  /** How the instance ends when the host dies without cleaning up (killed). */
  onHostDeath: 'namespace' | 'firstProcess' | 'none';
  /**
   * The host's watchdog (sandboxWatchdog.ts) kills the instance's process group and its marked
   * processes when the host dies: wherever processes are tracked, not contained (POSIX).
   */
  watchdog: boolean;
  /** How processes that left the tree are found when the instance ends. */
  sweep: 'namespace' | 'proc-environ' | 'ps-environ' | 'taskkill-tree';
  /** Idle instances are frozen between requests. */
  freezesIdle: boolean;
  /** The runtime leads a process group of its own (POSIX). */
  detached: boolean;
  /** `unshare` can give this instance a network namespace (SandboxOptions.network). */
  networkNamespace: boolean;
  /** One line for the log and the docs. */
  summary: string;
}

export function planSandbox(caps: SandboxCapabilities): SandboxPlan {
  if (caps.platform === 'win32') {
    return {
      containment: 'job',
      userNamespace: false,
      ownProc: false,
      memory: 'cim',
      memoryPollMs: 1000,
      tasksLimit: 'none',
      cpuWeight: 'none',
      onHostDeath: 'firstProcess',
      watchdog: false,
      sweep: 'taskkill-tree',
      freezesIdle: false,
      detached: false,
      networkNamespace: false,
      summary: "Windows: the runtime is in Node's job object (it ends with the host); taskkill /T /F ends the instance's process tree; memory sampled about once a second",
    };
  }
  if (caps.platform === 'linux' && caps.pidNamespace && !caps.forceTree && !caps.forceWatchdog) {
    const tasksLimit = caps.root ? (caps.pidsCgroup ? 'cgroup' : 'none') : 'rlimit';
    return {
      containment: 'namespace',
      userNamespace: !caps.root,
      ownProc: caps.pidNamespace.mountProc,
      memory: 'proc',
      memoryPollMs: 25,
      tasksLimit,
      cpuWeight: caps.root && caps.cpuCgroup ? 'cgroup' : 'autogroup',
      onHostDeath: caps.parentDeathSignal ? 'namespace' : 'none',
      watchdog: false,
      sweep: 'namespace',
      freezesIdle: true,
      detached: true,
      networkNamespace: caps.networkNamespace === true,
      summary:
        `Linux: each instance in its own PID namespace${caps.root ? '' : ' (in a user namespace, with your uid)'}` +
        `${caps.pidNamespace.mountProc ? ' with its own /proc' : ' (the host /proc stays visible: mounting a new one was refused)'}` +
        `${tasksLimit === 'none' ? '' : `; at most ${SCF_MAX_TASKS} processes and threads (${tasksLimit === 'rlimit' ? 'RLIMIT_NPROC' : 'pids cgroup'})`}`,
    };
  }
  const linux = caps.platform === 'linux';
  return {
    containment: 'tree',
    userNamespace: false,
    ownProc: false,
    memory: linux ? 'proc' : 'ps',
    memoryPollMs: linux ? 25 : 200,
    tasksLimit: 'none',
    cpuWeight: 'nice',
    onHostDeath: linux && caps.parentDeathSignal && !caps.forceWatchdog ? 'firstProcess' : 'none',
    watchdog: true,
    sweep: linux ? 'proc-environ' : 'ps-environ',
    freezesIdle: linux,
    detached: true,
    networkNamespace: false,
    summary:
      `${linux ? 'Linux' : caps.platform === 'darwin' ? 'macOS' : caps.platform}: the instance's process tree and process group, and processes marked by its environment` +
      `${caps.forceWatchdog ? ' (SCF_TOOLKIT_CONTAINMENT=watchdog)' : caps.forceTree ? ' (SCF_TOOLKIT_CONTAINMENT=tree)' : caps.namespaceProblem ? ` (no PID namespace: ${caps.namespaceProblem})` : ''}` +
      '; a watchdog ends them when the host dies',
  };
}

// ---------------------------------------------------------------- probing

let probed: SandboxCapabilities | undefined;
/** A probe ran out of time (a loaded machine): its answer says nothing about the machine, so it is not kept. */
let probeTimedOut = false;

/** Whether a probe command succeeds; why not (its first line on stderr), when it does not. */
function runs(command: string, args: string[]): Outcome {
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000, encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') probeTimedOut = true;
  if (r.error) return fail('sandbox.probe', `${command}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  return r.status === 0 ? ok() : fail('sandbox.probe', (r.stderr ?? '').trim().split('\n')[0] ?? '');
}

/** The namespace flags of unshare(1) for an instance (without --mount-proc and --net). */
export function namespaceFlags(root: boolean): string[] {
  // --kill-child implies --fork: the forked child becomes the namespace's init; when unshare dies the
  // child gets SIGKILL, and when the init dies the kernel ends every process in the namespace.
  return root ? ['--pid', '--kill-child'] : ['--user', '--map-current-user', '--pid', '--kill-child'];
}

function findPidsCgroup(): string | undefined {
  for (const dir of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup']) {
    try {
      if (dir === '/sys/fs/cgroup' && !/\bpids\b/.test(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8'))) continue;
      if (!existsSync(join(dir, 'cgroup.procs'))) continue;
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

function findCpuCgroup(pidsCgroup: string | undefined): SandboxCapabilities['cpuCgroup'] {
  // cgroup v2: one hierarchy, where the pids controller is (cpu enabled for children too).
  if (pidsCgroup === '/sys/fs/cgroup') {
    try {
      if (/\bcpu\b/.test(readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8'))) return { dir: pidsCgroup, file: 'cpu.weight' };
    } catch {
      /* no cpu controller */
    }
    return undefined;
  }
  // cgroup v1: a hierarchy of its own, named cpu or cpu,cpuacct.
  for (const dir of ['/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpu']) {
    try {
      if (!existsSync(join(dir, 'cpu.shares'))) continue;
      accessSync(dir, constants.W_OK);
      return { dir, file: 'cpu.shares' };
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    // (existsSync first: a miss that throws builds an error with its stack, 3 tools x the PATH's folders)
    if (!existsSync(p)) continue;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Sysctls that decide whether an unprivileged user may create user namespaces (Debian, Ubuntu 24.04). */
const USERNS_SYSCTLS = ['/proc/sys/kernel/unprivileged_userns_clone', '/proc/sys/user/max_user_namespaces', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'];

function readSysctl(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '-';
  }
}

function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '-';
  }
}

/** What the probe processes find: setpriv's parent-death signal, PID and network namespaces. */
function probeNamespaces(
  tools: NonNullable<SandboxCapabilities['tools']>,
  root: boolean,
  forceTree: boolean,
): Pick<SandboxCapabilities, 'parentDeathSignal' | 'pidNamespace' | 'networkNamespace' | 'namespaceProblem'> {
  const setpriv = tools.setpriv ?? 'setpriv';
  const unshare = tools.unshare ?? 'unshare';
  const parentDeathSignal = runs(setpriv, ['--pdeathsig', 'KILL', '--', '/bin/sh', '-c', 'exit 0']).ok;
  const flags = namespaceFlags(root);
  let pidNamespace: SandboxCapabilities['pidNamespace'];
  let namespaceProblem: string | undefined;
  let networkNamespace = false;
  if (!forceTree) {
    const withProc = runs(unshare, [...flags, '--mount-proc', '--', '/bin/sh', '-c', 'exit 0']);
    if (withProc.ok) pidNamespace = { mountProc: true };
    else {
      const plain = runs(unshare, [...flags, '--', '/bin/sh', '-c', 'exit 0']);
      if (plain.ok) pidNamespace = { mountProc: false };
      else namespaceProblem = plain.error.message || withProc.error.message || 'unshare failed';
    }
    if (pidNamespace) {
      networkNamespace = tools.ip !== undefined && runs(unshare, [...flags, '--net', ...(root ? [] : ['--keep-caps']), '--', tools.ip, 'link', 'set', 'lo', 'up']).ok;
    }
  }
  return { parentDeathSignal, pidNamespace, networkNamespace, namespaceProblem };
}

/** Probes this machine once: what unshare, setpriv and the cgroup file system allow. */
export function probeCapabilities(): SandboxCapabilities {
  if (probed) return probed;
  const platform = process.platform;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const forceWatchdog = process.env.SCF_TOOLKIT_CONTAINMENT === 'watchdog';
  const forceTree = process.env.SCF_TOOLKIT_CONTAINMENT === 'tree' || forceWatchdog;
  if (platform !== 'linux') {
    probed = { platform, root, parentDeathSignal: false, forceTree };
    return probed;
  }
  const tools = { setpriv: findTool('setpriv'), unshare: findTool('unshare'), ip: findTool('ip') };
  // The probes start five processes (~40 ms of a CLI's cold start, synchronously), so their answers
  // are kept across processes (probeCache.ts) while the tools' files stay the same, for this kernel,
  // user, set of namespaces the caller runs in (a container is another) and user-namespace sysctls.
  const { parentDeathSignal, pidNamespace, networkNamespace, namespaceProblem } = probe(
    `sandbox:${[process.getuid?.(), release(), forceTree, ...['user', 'pid', 'mnt', 'net'].map((ns) => readLink(`/proc/self/ns/${ns}`)), ...USERNS_SYSCTLS.map(readSysctl)].join(':')}`,
    [tools.setpriv, tools.unshare, tools.ip].filter((t): t is string => t !== undefined),
    () => probeNamespaces(tools, root, forceTree),
    () => !probeTimedOut,
  );
  const pidsCgroup = root && pidNamespace ? findPidsCgroup() : undefined;
  const cpuCgroup = root && pidNamespace ? findCpuCgroup(pidsCgroup) : undefined;
  probed = { platform, root, pidNamespace, networkNamespace, parentDeathSignal: parentDeathSignal && !forceWatchdog, pidsCgroup, cpuCgroup, forceTree, forceWatchdog, namespaceProblem, tools };
  if (pidsCgroup) removeStaleCgroups(pidsCgroup);
  if (cpuCgroup && cpuCgroup.dir !== pidsCgroup) removeStaleCgroups(cpuCgroup.dir);
  return probed;
}

/** The plan for this machine. */
export function sandboxPlan(): SandboxPlan {
  return planSandbox(probeCapabilities());
}

// ---------------------------------------------------------------- the command line

export interface SandboxOptions {
  /**
   * Give the instance a network namespace of its own with only a loopback interface (brought up by the
   * init, which then drops its capabilities before starting the runtime), e.g. so that a web function
   * can listen on port 9000 as on SCF. Only where plan.networkNamespace; otherwise the option is
   * ignored and SandboxedProcess.networkIsolated is false.
   */
  network?: 'isolated';
  /** `tree`: track this instance's processes instead of containing them (benchmarks, tests). */
  containment?: 'tree';
  /**
   * The runtime's start runs none of the user's code (its bootstrap loads the handler when told to): in
   * the CLI it may have been started ahead of time (speculation.ts), and its line is recorded for that.
   */
  speculatable?: Speculatable;
}

/**
 * The namespace's init: joins the instance's cgroups (root: pids, cpu), sets SCF's limits, brings the
 * loopback up (network namespace), then runs the runtime in the foreground, so that it is not PID 1
 * (PID 1 ignores signals it has no handler for, SIGKILL from inside included) and the shell reaps every
 * orphan while it waits. Its exit status is the runtime's (128+N: killed by signal N).
 * $1 tasks limit, $2 open files (soft), $3 and $4 (network namespace: the paths of ip and setpriv,
 * else ""), $5 the instance's cgroup folders, one per hierarchy, separated by spaces (root; else ""),
 * $6 "new" when the init must make them itself (no spare was ready, see CgroupPool), then the command.
 * The process limit is `ulimit -p` in dash (Debian's and Ubuntu's /bin/sh), busybox ash and mksh, `-u`
 * in bash: -p is tried first, so dash sets it with no error (its "ulimit: Illegal option -u" went to
 * /dev/null, but through dash's error path on every start); bash's -p (the pipe size, read-only) fails
 * quietly and -u sets it.
 *
 * How the init joins: on cgroup v1 it writes 0 (itself) to the folder's `tasks`, which moves the
 * writing thread, the init's only one, and so every process it forks from then on. Writing its pid
 * to `cgroup.procs` instead (how it joined before, and still on cgroup v2, which has no `tasks`) makes
 * the kernel take the lock that keeps thread groups still, which waits for an RCU grace period: 5-20
 * ms per hierarchy here, 20-70 ms under load, on every start's path; the `tasks` write of the writer
 * itself skips that lock (kernel/cgroup/cgroup.c, cgroup_procs_write_start: a single thread that is
 * the writer cannot exit or exec under it) and takes ~0.05 ms. The result is the same: the init is in
 * the cgroup before the runtime starts.
 *
 * As root RLIMIT_NPROC does not apply, so SCF's 1,024 tasks hold only as a pids cgroup, and only if
 * the init is in it before the runtime starts: a cgroup joined from outside, after the start, came
 * too late for a program that starts at once (a Go binary forked 2,800 shells of a fork bomb before
 * the host's join landed, 600 ms in under load; they and their 20,000 descendants ran unlimited, the
 * 433 took 11 s and the namespace's teardown tens of seconds). The join costs one write on the start's
 * path (4-6 ms measured, see docs/reliability.md); making the cgroup does not, as a spare is made ahead.
 * The cpu cgroup is joined the same way (one more write on cgroup v1, none on v2), so that all of a
 * fork bomb is in it when its weight is lowered (SandboxedProcess.lowerCpuWeight).
 */
/**
 * The CPU weight of an instance of more than LARGE_INSTANCE processes against the host's: a quarter.
 * cgroup v1's cpu.shares (everyone 1024), v2's cpu.weight (everyone 100), and for autogroups and nice
 * the nice value of that weight (nice 6 weighs 272 against nice 0's 1024, in the kernel's table).
 */
export const INSTANCE_CPU_SHARES = 256;
export const INSTANCE_CPU_WEIGHT = 25;
export const INSTANCE_NICE = 6;

/**
 * An instance of more processes than this is a fork bomb or close to one (a handler's own tools run a
 * few): from then on it weighs a quarter of the host for the CPU, so that its thousand runnable tasks
 * cannot starve the host's timer and its 433. Below it, a handler keeps the full weight: a CPU-bound
 * handler on a busy machine runs as fast as any other program there.
 */
export const LARGE_INSTANCE = 64;

export const INIT_SCRIPT =
  'for d in $5; do { [ "$6" != new ] || { mkdir "$d" && { [ ! -e "$d/pids.max" ] || echo "$1" > "$d/pids.max"; }; }; } 2>/dev/null; if [ -e "$d/tasks" ]; then echo 0 2>/dev/null > "$d/tasks"; else echo $$ 2>/dev/null > "$d/cgroup.procs"; fi; done; ' +
  'ulimit -S -n "$2" 2>/dev/null; ' +
  'ulimit -p "$1" 2>/dev/null || ulimit -u "$1" 2>/dev/null; ' +
  'ip=$3; sp=$4; shift 6; ' +
  'if [ -n "$ip" ]; then "$ip" link set lo up || exit 126; set -- "$sp" --inh-caps=-all --ambient-caps=-all -- "$@"; fi; ' +
  '"$@"; exit $?';

export interface SpawnLine {
  command: string;
  args: string[];
}

/** The command line that starts `command args` under the plan (pure: tested per plan). */
export function sandboxCommand(
  plan: SandboxPlan,
  caps: Pick<SandboxCapabilities, 'root' | 'parentDeathSignal' | 'tools'>,
  command: string,
  args: string[],
  extra: { network?: boolean; cgroup?: CgroupSlot } = {},
): SpawnLine {
  const setpriv = caps.tools?.setpriv ?? 'setpriv';
  const pdeath = caps.parentDeathSignal ? [setpriv, '--pdeathsig', 'KILL', '--'] : [];
  if (plan.containment === 'namespace') {
    const ns = [...namespaceFlags(caps.root), ...(plan.ownProc ? ['--mount-proc'] : []), ...(extra.network ? ['--net', ...(caps.root ? [] : ['--keep-caps'])] : [])];
    const net = extra.network ? [caps.tools?.ip ?? 'ip', setpriv] : ['', ''];
    const cgroup = extra.cgroup ? [extra.cgroup.dirs.join(' '), extra.cgroup.made ? '' : 'new'] : ['', ''];
    const init = ['/bin/sh', '-c', INIT_SCRIPT, 'scf-init', String(SCF_MAX_TASKS), String(SCF_MAX_OPEN_FILES), ...net, ...cgroup];
    const line = [...pdeath, caps.tools?.unshare ?? 'unshare', ...ns, '--', ...init, command, ...args];
    return { command: line[0]!, args: line.slice(1) };
  }
  if (plan.containment === 'tree' && plan.onHostDeath === 'firstProcess' && pdeath.length > 0) return { command: pdeath[0]!, args: [...pdeath.slice(1), command, ...args] };
  return { command, args };
}

/**
 * Why `command` cannot be started, checked before it is wrapped (a wrapped command that cannot start
 * would otherwise surface as the init shell's exit 127): spawning it directly then fails with the error
 * Node would have given (ENOENT, EACCES), and nothing runs.
 */
export function cannotExec(command: string, path: string | undefined): boolean {
  const found = isAbsolute(command) || command.includes('/') ? command : (path ?? '').split(delimiter).map((d) => join(d, command)).find((p) => existsSync(p));
  if (!found) return true;
  try {
    accessSync(found, constants.X_OK);
  } catch {
    return true;
  }
  // A script's interpreter (#!) must exist too.
  try {
    const fd = openSync(found, 'r');
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, 256, 0);
    closeSync(fd);
    const text = head.subarray(0, n).toString('latin1');
    if (text.startsWith('#!')) {
      const interpreter = text.slice(2).split('\n')[0]!.trim().split(/\s+/)[0];
      if (interpreter && isAbsolute(interpreter) && !existsSync(interpreter)) return true;
    }
  } catch {
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- cgroups (root)

let cgroupSeq = 0;

/**
 * The cgroups an instance's init joins, one folder per hierarchy (cgroup v1: pids and cpu apart; v2:
 * one folder): made ahead (a spare), or to be made by the init itself.
 */
export interface CgroupSlot {
  dirs: string[];
  /** The folder whose pids.events says whether the task limit was reached (when there is a pids cgroup). */
  pids?: string;
  made: boolean;
}

/**
 * Per-instance cgroups (root). Making one takes writes that each wait for the kernel (on cgroup v1
 * 4-12 ms measured, more under load), so one spare is made ahead, off any start's path, and each
 * start takes it and makes the next. A start that finds none ready (the first, or a burst) has its
 * init make its own: slower, never unlimited.
 */
class CgroupPool {
  private spare: CgroupSlot | undefined;
  private making = false;

  /** `parents`: the hierarchies' folders (pids first, when there is one); `pids`: whether it is. */
  constructor(
    readonly parents: string[],
    readonly hasPids: boolean,
  ) {
    process.once('exit', () => {
      for (const d of this.spare?.dirs ?? []) removeCgroupNow(d);
    });
  }

  take(): CgroupSlot {
    const ready = this.spare;
    this.spare = undefined;
    this.refill();
    return ready ?? this.makeNow();
  }

  /**
   * No spare ready (the first start of a process, one of a burst): made here, synchronously. A mkdir
   * and a small write per hierarchy take ~0.1-0.2 ms each on this machine's cgroup v1; the init shell
   * making them cost two forks of mkdir(1), 10-20 ms on the start's path (strace of a CLI invoke). Where
   * that fails, the init tries, as before.
   */
  private makeNow(): CgroupSlot {
    const slot = this.nextSlot(true);
    try {
      for (const dir of slot.dirs) makeInstanceCgroupSync(dir);
      return slot;
    } catch {
      for (const d of slot.dirs) removeCgroupNow(d);
      return this.nextSlot(false);
    }
  }

  refill(): void {
    if (this.making || this.spare) return;
    this.making = true;
    const slot = this.nextSlot(true);
    void (async () => {
      try {
        for (const dir of slot.dirs) await makeInstanceCgroup(dir);
        this.spare = slot;
      } catch {
        for (const d of slot.dirs) removeCgroupNow(d);
      } finally {
        this.making = false;
      }
    })();
  }

  private nextSlot(made: boolean): CgroupSlot {
    const name = `scf-toolkit-${process.pid}-${++cgroupSeq}`;
    const dirs = this.parents.map((p) => join(p, name));
    return { dirs, pids: this.hasPids ? dirs[0] : undefined, made };
  }
}

let cgroupPool: CgroupPool | undefined;

/** The pool of the instances' cgroups under the plan (root: pids, cpu, or both); undefined when they have none. */
function cgroupPoolFor(plan: SandboxPlan, caps: SandboxCapabilities): CgroupPool | undefined {
  const pids = plan.tasksLimit === 'cgroup' ? caps.pidsCgroup : undefined;
  const cpu = plan.cpuWeight === 'cgroup' ? caps.cpuCgroup?.dir : undefined;
  const parents = [pids, cpu].filter((d, i, all): d is string => d !== undefined && all.indexOf(d) === i);
  if (parents.length === 0) return undefined;
  cgroupPool ??= new CgroupPool(parents, pids !== undefined);
  return cgroupPool;
}

/** The instance's cgroups under the plan (root): pids, cpu, or both; undefined when it has none. */
function cgroupSlot(plan: SandboxPlan, caps: SandboxCapabilities): CgroupSlot | undefined {
  return cgroupPoolFor(plan, caps)?.take();
}

/**
 * Gets ready for the first instance ahead of its start: the probes (cached). A spare cgroup is not
 * made here: the CLI reads serverless.yml and starts the runtime in one synchronous stretch, so a
 * spare made in the background was never ready in time, and the start made its own anyway (now
 * synchronously, ~0.3 ms: CgroupPool.makeNow).
 */
export function prepareSandbox(): void {
  probeCapabilities();
}

function removeCgroupNow(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Removes an instance's cgroup once its last task has gone: the namespace's teardown (a fork bomb's
 * thousand processes) may outlast the runtime's exit by a while, so retries back off up to ~20 s.
 */
function removeCgroup(dir: string, attempt = 0): void {
  if (removeCgroupNow(dir) || attempt >= 12) return;
  setTimeout(() => removeCgroup(dir, attempt + 1), Math.min(50 * 2 ** attempt, 5000)).unref();
}

/**
 * Empty cgroups of hosts that were killed before they could remove theirs (and of CLIs, which end
 * without waiting for their instance's teardown). Removing a cgroup takes the kernel ~0.5-1 ms and
 * the first probe is on a cold start's path (the CLI's, before the go-ahead), so it is done on the
 * loop's next turn, when the process first waits (the CLI: for its runtime to be ready); on the
 * thread pool it would start the pool's threads, which a cold invoke does not use otherwise.
 */
function removeStaleCgroups(parent: string): void {
  setImmediate(() => {
    try {
      for (const name of readdirSync(parent)) {
        const m = /^scf-toolkit-(\d+)-\d+$/.exec(name);
        if (!m || isProcessAlive(Number(m[1]))) continue;
        try {
          rmdirSync(join(parent, name));
        } catch {
          /* still in use */
        }
      }
    } catch {
      /* not readable */
    }
  }).unref();
}


// ---------------------------------------------------------------- the sandboxed process

/** The environment variable that marks an instance's processes where they are tracked, not contained. */
export const INSTANCE_MARKER = '_SCF_TOOLKIT_INSTANCE';
let instanceSeq = 0;
const hostStart = process.platform === 'linux' ? procStartTime(process.pid) ?? '0' : String(Date.now());

let watchdog: SandboxWatchdog | undefined;
function hostWatchdog(): SandboxWatchdog {
  return (watchdog ??= new SandboxWatchdog(`${process.pid}-${hostStart}`));
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

export class SandboxedProcess {
  readonly child: ChildProcess;
  readonly plan: SandboxPlan;
  /** Whether SandboxOptions.network took effect. */
  readonly networkIsolated: boolean;
  /** The instance's cgroups (root: pids, cpu), joined by its init before the runtime starts. */
  private readonly cgroup: CgroupSlot | undefined;
  private readonly marker: string | undefined;
  private readonly memory: InstanceMemory;
  /** Processes seen in the instance since it started (tree containment): pid -> start time. */
  private readonly seen = new Map<number, string>();
  /** Namespace: the init's host pid, the runtime's host pid and its pid inside the namespace. */
  private initPid: number | undefined;
  private runtimeHostPid: number | undefined;
  private runtimeNsPid: number | undefined;
  private frozen: number[] = [];

  /**
   * Whether the instance's pids cgroup refused a fork (its `pids.events` counts them as `max N`): a
   * fork bomb that hit SCF's 1,024 tasks. Such an instance is recycled after its request, whatever its
   * status (a JVM that cannot start a thread answers 430), so its processes do not outlive the request.
   * Read once per request (one small file); false where there is no pids cgroup.
   */
  reachedTaskLimit(): boolean {
    if (!this.cgroup?.pids) return false;
    // kept open: one pread per request (procFile.ts)
    this.tasksEvents ??= new ProcFile(join(this.cgroup.pids, 'pids.events'), 'r');
    const events = /^max (\d+)/m.exec(this.tasksEvents.read() ?? '');
    return events !== null && Number(events[1]) > 0;
  }

  private tasksEvents: ProcFile | undefined;

  constructor(command: string, args: string[], options: { cwd: string; env: Record<string, string>; stdio: StdioOptions }, sandbox: SandboxOptions = {}) {
    const caps = probeCapabilities();
    this.plan = planSandbox(sandbox.containment === 'tree' ? { ...caps, forceTree: true } : caps);
    const env = { ...options.env };
    if (this.plan.containment !== 'namespace') {
      this.marker = `${INSTANCE_MARKER}=${process.pid}-${hostStart}-${++instanceSeq}`;
      env[INSTANCE_MARKER] = this.marker.slice(INSTANCE_MARKER.length + 1);
      if (this.plan.sweep === 'proc-environ' && instanceSeq === 1) setImmediate(sweepStrays);
    }
    this.networkIsolated = sandbox.network === 'isolated' && this.plan.networkNamespace;
    const direct = cannotExec(command, env.PATH);
    const contained = !direct && this.plan.containment === 'namespace';
    // A start the CLI made ahead of time with this very line (speculation.ts), its cgroups made with it.
    const adopted = contained && sandbox.speculatable ? this.adoptStartedAhead(caps, command, args, options, env, sandbox.speculatable) : undefined;
    // any other spawn means this CLI run has nothing to record for next time
    if (!(contained && sandbox.speculatable)) noteOtherSpawn();
    this.cgroup = adopted?.cgroup ?? (contained ? cgroupSlot(this.plan, caps) : undefined);
    const cpu = caps.cpuCgroup;
    const cpuDir = cpu ? this.cgroup?.dirs.find((d) => d.startsWith(`${cpu.dir}/`)) : undefined;
    this.cpuWeightFile = cpu && cpuDir ? { path: join(cpuDir, cpu.file), value: String(cpu.file === 'cpu.weight' ? INSTANCE_CPU_WEIGHT : INSTANCE_CPU_SHARES) } : undefined;
    this.goAheadSent = adopted?.goAheadSent === true;
    if (adopted) {
      this.child = adopted.child;
      this.spawnedAt = adopted.spawnedAt;
    } else {
      const line = direct ? { command, args } : sandboxCommand(this.plan, caps, command, args, { network: this.networkIsolated, cgroup: this.cgroup });
      this.spawnedAt = now();
      this.child = spawn(line.command, line.args, { cwd: options.cwd, env, stdio: options.stdio, detached: this.plan.detached, windowsHide: true });
    }
    this.child.once('exit', () => {
      this.memory.close();
      this.tasksEvents?.close();
      for (const d of this.cgroup?.dirs ?? []) removeCgroup(d);
    });
    if (this.plan.containment === 'tree' && this.child.pid !== undefined) this.remember(this.child.pid);
    if (this.plan.watchdog && this.child.pid !== undefined) hostWatchdog().add(this.child.pid);
    this.memory = new InstanceMemory(
      this.plan.memory,
      this.plan.memoryPollMs,
      () => this.listing(),
      () => ({ root: this.child.pid, known: this.seen.keys() }),
      this.cgroup?.pids && this.plan.memory === 'proc' ? { runtimeDir: () => this.runtimeDir(), tasksFile: join(this.cgroup.pids, 'pids.current'), ownTasks: 1 } : undefined,
    );
  }

  /** When the runtime's process was started (clock.ts now()): for a start made ahead, before this object. */
  readonly spawnedAt: number;

  /** Whether the start made ahead that this process is has been sent SandboxOptions.speculatable.goAhead already. */
  readonly goAheadSent: boolean;

  /**
   * The process the CLI started ahead of time, if its line is the one this start would make now (the
   * instance's cgroups, which each start names for itself, aside): it is used as if spawned here.
   */
  private adoptStartedAhead(
    caps: SandboxCapabilities,
    command: string,
    args: string[],
    options: { cwd: string; stdio: StdioOptions },
    env: Record<string, string>,
    speculatable: Speculatable,
  ): { child: ChildProcess; spawnedAt: number; goAheadSent: boolean; cgroup: CgroupSlot | undefined } | undefined {
    const pool = cgroupPoolFor(this.plan, caps);
    const parents = pool?.parents ?? [];
    const named = parents.length > 0 ? { dirs: parents.map((p) => join(p, CGROUP_PLACEHOLDER)), made: true } : undefined;
    const line = sandboxCommand(this.plan, caps, command, args, { network: this.networkIsolated, cgroup: named });
    const adopted = adoptSpeculative({ command: line.command, args: line.args, cwd: options.cwd, env, stdio: options.stdio, detached: this.plan.detached }, parents, speculatable);
    if (!adopted) return undefined;
    const dirs = adopted.cgroupDirs;
    return { child: adopted.child, spawnedAt: adopted.spawnedAt, goAheadSent: adopted.goAheadSent, cgroup: dirs.length > 0 ? { dirs, pids: pool?.hasPids ? dirs[0] : undefined, made: true } : undefined };
  }

  /** The runtime's host pid once known (namespace: the init's only child; else the process we spawned). */
  private runtimePid: number | undefined;

  /** The runtime's /proc directory as the host sees it (for the memory files kept open, instanceMemory.ts). */
  private runtimeDir(): string | undefined {
    if (this.runtimePid === undefined) {
      if (this.plan.containment !== 'namespace') this.runtimePid = this.child.pid;
      else {
        const init = this.findInit();
        const children = init === undefined ? [] : procChildren(init);
        if (children.length === 1) this.runtimePid = children[0];
      }
    }
    return this.runtimePid === undefined ? undefined : `/proc/${this.runtimePid}`;
  }

  /** "exited with code N" or "killed by SIGNAME", as the runtime itself ended. */
  describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    return describeExit(this.plan, code, signal);
  }

  /** Host pids of every process of the instance now (the namespace's init and our wrappers excluded). */
  processes(): number[] {
    const root = this.child.pid;
    if (root === undefined) return [];
    if (this.plan.containment === 'namespace') {
      const init = this.findInit();
      if (init === undefined) return [];
      // The common case, cheaply: the instance's own /proc lists nothing but the runtime.
      const ns = this.nsProc();
      if (ns && this.runtimeHostPid !== undefined) {
        const inside = procPidsIn(ns);
        if (inside.length === 2 && inside.includes(this.runtimeNsPid!)) return [this.runtimeHostPid];
      }
      return procDescendants(init);
    }
    if (this.plan.memory === 'proc') {
      for (const p of procDescendants(root)) if (!this.seen.has(p)) this.remember(p);
      const alive: number[] = [];
      for (const [pid, start] of this.seen) {
        if (procStartTime(pid) === start) alive.push(pid);
        else this.seen.delete(pid);
      }
      return alive;
    }
    // macOS, Windows: from the last process table sample.
    const rows = this.memory.lastTable;
    for (const r of descendantsIn(rows, root)) if (!this.seen.has(r.pid)) this.remember(r.pid);
    this.noteSize(this.seen.size);
    return [...this.seen.keys()];
  }

  private remember(pid: number): void {
    this.seen.set(pid, this.plan.memory === 'proc' ? procStartTime(pid) ?? '' : '');
  }

  /** The namespace's init: unshare's only child. */
  private findInit(): number | undefined {
    if (this.initPid === undefined && this.child.pid !== undefined) this.initPid = procChildren(this.child.pid)[0];
    return this.initPid;
  }

  /** The instance's own /proc, seen from the host through its init's root. */
  private nsProc(): string | undefined {
    if (!this.plan.ownProc) return undefined;
    const init = this.findInit();
    if (init === undefined) return undefined;
    if (this.runtimeNsPid !== undefined && !existsSync(`/proc/${init}/root/proc/${this.runtimeNsPid}`)) this.runtimeNsPid = undefined;
    if (this.runtimeNsPid === undefined) {
      // The runtime is the init's first child (before it, the init only runs `ip`, which has ended).
      this.runtimeNsPid = procChildren(1, `/proc/${init}/root/proc`)[0];
      this.runtimeHostPid = procChildren(init)[0];
      if (this.runtimeNsPid === undefined || this.runtimeHostPid === undefined) {
        this.runtimeNsPid = undefined;
        this.runtimeHostPid = undefined;
        return undefined;
      }
    }
    return `/proc/${init}/root/proc`;
  }

  /** The instance's processes as /proc directories, the runtime's apart (for the memory of the instance). */
  private listing(): ProcListing {
    if (this.plan.containment === 'namespace') {
      const ns = this.nsProc();
      if (ns) {
        const others = procPidsIn(ns).filter((p) => p !== 1 && p !== this.runtimeNsPid).map((p) => `${ns}/${p}`);
        this.noteSize(others.length + 1);
        return { runtime: `${ns}/${this.runtimeNsPid}`, others };
      }
    }
    const all = this.processes();
    this.noteSize(all.length);
    const runtime = this.plan.containment === 'namespace' ? all[0] : this.child.pid;
    return { runtime: runtime === undefined ? undefined : `/proc/${runtime}`, others: all.filter((p) => p !== runtime).map((p) => `/proc/${p}`) };
  }

  private weightLowered = false;

  /** Seen the instance's size (each memory sample lists it): past LARGE_INSTANCE, its weight is lowered. */
  private noteSize(processes: number): void {
    if (processes > LARGE_INSTANCE && !this.weightLowered) this.lowerCpuWeight();
  }

  /**
   * From now on the instance weighs a quarter of the host for the CPU (plan.cpuWeight): its cpu
   * cgroup's weight, its session's autogroup (the init's, a session of its own), or the nice value of
   * each of its processes (those forked later inherit it). Once per instance; an instance that was
   * large stays light until it ends.
   */
  lowerCpuWeight(): void {
    this.weightLowered = true;
    if (!this.plan.detached) return;
    if (this.plan.cpuWeight === 'cgroup' && this.cpuWeightFile) writeQuietly(this.cpuWeightFile.path, this.cpuWeightFile.value);
    else if (this.plan.cpuWeight === 'autogroup') {
      const init = this.findInit();
      if (init !== undefined) writeQuietly(`/proc/${init}/autogroup`, String(INSTANCE_NICE));
    } else if (this.plan.cpuWeight === 'nice') {
      for (const p of this.processes()) {
        try {
          setPriority(p, INSTANCE_NICE);
        } catch {
          /* gone */
        }
      }
    }
  }

  /** The instance's cpu cgroup's weight file, and the weight it is given once large (root). */
  private readonly cpuWeightFile: { path: string; value: string } | undefined;

  /** Resident memory of the whole instance now, in kB (instanceMemory.ts). */
  memoryKb(): number {
    return this.memory.currentKb();
  }

  /** The instance's memory as last read, if it has been (instanceMemory.ts). */
  lastMemoryKb(): number | undefined {
    return this.memory.lastReadKb();
  }

  /** Starts a request's peak. */
  resetPeakMemory(): void {
    this.memory.resetPeak();
  }

  /** The request's peak: the runtime's high-water mark plus what the others hold now. */
  peakMemoryKb(): number {
    return this.memory.peakKb();
  }

  /** Stops every process of an idle instance (SCF freezes idle instances). */
  freeze(): void {
    if (!this.plan.freezesIdle) return;
    // The common case in two preads (a runtime alone in its cgroup), else the instance's processes listed.
    this.frozen = this.memory.runtimeAlone() && this.runtimePid !== undefined ? [this.runtimePid] : this.processes();
    for (const p of this.frozen) signal(p, 'SIGSTOP');
  }

  /** Lets a frozen instance run again, before its next request. */
  thaw(): void {
    for (const p of this.frozen) signal(p, 'SIGCONT');
    this.frozen = [];
  }

  /**
   * Stops every process of the instance now (SIGSTOP, which cannot be caught), before it is killed:
   * one signal to its process group, which the kernel also delivers to a child being forked meanwhile
   * (a fork bomb cannot outrun it), and one to each process it knows of outside the group (a child
   * that called setsid: in a PID namespace too, where one kept running and writing until the kill, so
   * the drain was cut at 300 ms). false on Windows, where processes cannot be stopped.
   */
  halt(): boolean {
    const root = this.child.pid;
    if (root === undefined || !this.plan.detached) return false;
    try {
      process.kill(-root, 'SIGSTOP');
    } catch {
      return false;
    }
    for (const p of this.processes()) signal(p, 'SIGSTOP');
    return true;
  }

  /**
   * Whether every process of the instance has stopped since halt() (Linux, /proc): kill(2) returns once
   * SIGSTOP is pending, not taken, and on a busy machine a process can wait tens of ms for a CPU before
   * it stops ('R' right after the signal in a third of the tries at load 6), finishing a write(2) it
   * was in. One not stopped yet is sent SIGSTOP again: a process outside the group forked after
   * halt() listed them is stopped too. Where process states cannot be read cheaply (macOS), true.
   * A process seen stopped stays so (nothing continues it before the kill): it is not read again, so a
   * fork bomb's thousand stat files are read about once.
   */
  haltTaken(): boolean {
    if (this.plan.memory !== 'proc') return true;
    let all = true;
    for (const p of this.processes()) {
      if (this.seenStopped.has(p)) continue;
      if (procStopped(p)) {
        this.seenStopped.add(p);
        continue;
      }
      all = false;
      signal(p, 'SIGSTOP');
    }
    return all;
  }

  private readonly seenStopped = new Set<number>();

  /** Ends the instance and everything it started. Safe to call more than once and after it exited. */
  kill(): void {
    const root = this.child.pid;
    if (root === undefined) return;
    if (this.plan.containment === 'namespace') {
      // The init's death ends the namespace, and the kernel reports it to unshare (which waits for it
      // and then exits) only once every other process of the namespace has gone: so unshare is left
      // to exit by itself, and the instance's exit means that nothing of it holds its pipes any more.
      // (Killing unshare too reported the exit while the kernel was still ending the rest: under load
      // a detached child held stdout for longer than the drain's quiet.) halt() stopped unshare with
      // its group: it is continued so it can reap. Without an init yet (unshare has not forked, or
      // the fork is under way), unshare is killed: its death kills a child it forked (--kill-child).
      const init = this.findInit();
      if (this.child.exitCode !== null || this.child.signalCode !== null) return;
      if (init === undefined) {
        signal(root, 'SIGKILL');
        return;
      }
      signal(init, 'SIGKILL');
      signal(root, 'SIGCONT');
      return;
    }
    if (this.plan.containment === 'job') {
      const pids = [root, ...this.processes()].filter((p, i, all) => all.indexOf(p) === i);
      void readCommand('taskkill', ['/F', '/T', ...pids.flatMap((p) => ['/PID', String(p)])], 10_000);
      this.child.kill('SIGKILL');
      return;
    }
    try {
      process.kill(-root, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
    if (this.plan.watchdog) hostWatchdog().remove(root);
    for (const p of this.processes()) signal(p, 'SIGKILL');
    if (this.marker) {
      if (this.plan.sweep === 'proc-environ') killMarked(this.marker);
      else void killMarkedPs(this.marker);
    }
  }
}

/** How the runtime ended, from the exit of the process we spawned. */
export function describeExit(plan: Pick<SandboxPlan, 'containment'>, code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  // The namespace's init reports a runtime killed by signal N as exit status 128+N.
  if (plan.containment === 'namespace' && code !== null && code > 128 && SIGNAL_NAMES.has(code - 128)) return `killed by ${SIGNAL_NAMES.get(code - 128)}`;
  return `exited with code ${code}`;
}

function writeQuietly(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch {
    /* gone, or not allowed: a matter of priority, not a bound */
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** Linux, tree containment: kills every process whose environment holds the marker, until none is left. */
function killMarked(marker: string): void {
  for (let round = 0; round < 10; round++) {
    const marked = procAllPids().filter((p) => p !== process.pid && procEnvironHas(p, marker));
    if (marked.length === 0) return;
    for (const p of marked) signal(p, 'SIGKILL');
  }
}

async function killMarkedPs(marker: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const marked = parsePsEnvironMatches(await readCommand('ps', ['-A', '-E', '-ww', '-o', 'pid=,command='], 5000), marker).filter((p) => p !== process.pid);
    if (marked.length === 0) return;
    for (const p of marked) signal(p, 'SIGKILL');
  }
}

/**
 * Linux, tree containment: processes left by hosts that were killed (SIGKILL leaves no time to clean up),
 * found by their marker naming a host that is no longer running.
 */
export function sweepStrays(): void {
  const prefix = Buffer.from(`${INSTANCE_MARKER}=`);
  for (const pid of procAllPids()) {
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    const at = env.indexOf(prefix);
    if (at < 0 || (at > 0 && env[at - 1] !== 0)) continue;
    const end = env.indexOf(0, at);
    const [hostPid, started] = env.subarray(at + prefix.length, end < 0 ? undefined : end).toString().split('-');
    if (Number(hostPid) === process.pid && started === hostStart) continue;
    if (procStartTime(Number(hostPid)) !== started) signal(pid, 'SIGKILL');
  }
}
