/**
 * What the operating system tells us about processes, per OS: which processes descend from a runtime,
 * how much memory they hold, and which of them carry an instance's marker in their environment.
 *   Linux: /proc, read synchronously (microseconds per process).
 *   macOS: `ps`, run asynchronously (there is no /proc; a `ps` costs about 10-20 ms).
 *   Windows: `Get-CimInstance Win32_Process` through PowerShell, asynchronously (a few hundred ms).
 * The parsers are pure functions so each OS's format is tested wherever the tests run.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

export interface ProcessRow {
  pid: number;
  ppid: number;
  /** Resident memory in kB (Windows: the working set). */
  rssKb: number;
}

// ---------------------------------------------------------------- Linux (/proc)

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** One process's memory in kB, from /proc/PID/status; all 0 when it is gone. */
export interface ProcMemory {
  /** Resident now (VmRSS) and its peak since the last reset (VmHWM). */
  rss: number;
  hwm: number;
  /** What the process adds beyond the code and files it shares: anonymous and shared-memory pages. */
  own: number;
}

function field(text: string, name: string): number {
  const at = text.indexOf(`${name}:`);
  return at < 0 ? 0 : Number.parseInt(text.slice(at + name.length + 1), 10) || 0;
}

/** Whether a process with this id exists (EPERM: it does, and belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function parseProcStatus(text: string | undefined): ProcMemory {
  if (!text) return { rss: 0, hwm: 0, own: 0 };
  return { rss: field(text, 'VmRSS'), hwm: field(text, 'VmHWM'), own: field(text, 'RssAnon') + field(text, 'RssShmem') };
}

/** `dir` is /proc/PID, or a process's directory in an instance's own /proc. */
export function procMemory(dir: string): ProcMemory {
  return parseProcStatus(readText(`${dir}/status`));
}

export async function procMemoryAsync(dir: string): Promise<ProcMemory> {
  // fs.promises on first use: importing node:fs/promises loads readline and the watchers (a cold start needs neither)
  return parseProcStatus(await (require('node:fs') as typeof import('node:fs')).promises.readFile(`${dir}/status`, 'latin1').catch(() => undefined));
}

/** VmRSS (now) or VmHWM (the peak since the last reset) of one process, in kB; 0 when it is gone. */
export function procStatusKb(pid: number, name: 'VmRSS' | 'VmHWM'): number {
  const m = procMemory(`/proc/${pid}`);
  return name === 'VmRSS' ? m.rss : m.hwm;
}

/** Linux resets a process's VmHWM to its current RSS when "5" is written to clear_refs. */
export function procResetPeak(dir: string): void {
  try {
    writeFileSync(`${dir}/clear_refs`, '5');
  } catch {
    /* gone, or not permitted: the sampled maximum is used instead */
  }
}

/** The pids a /proc directory lists (an instance's own /proc: its namespace's pids). */
export function procPidsIn(procDir: string): number[] {
  try {
    return readdirSync(procDir)
      .filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The children of a process, from every one of its threads: a child started from a worker thread
 * (Python's subprocess in a thread, Java's ProcessBuilder) is listed under that thread only.
 */
export function procChildren(pid: number, procDir = '/proc'): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`${procDir}/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    const text = readText(`${procDir}/${pid}/task/${tid}/children`);
    if (!text) continue;
    for (const p of text.split(' ')) if (p.trim()) out.push(Number(p));
  }
  return out;
}

/** Every descendant of a process (not the process itself), parents before children. */
export function procDescendants(pid: number): number[] {
  const out: number[] = [];
  const queue = procChildren(pid);
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...procChildren(p));
  }
  return out;
}

/**
 * The fields of /proc/PID/stat from the third on (state first), or undefined when it is gone: the
 * command name (field 2) is in parentheses and may hold spaces or parentheses itself.
 */
function procStatFrom3(pid: number): string[] | undefined {
  const text = readText(`/proc/${pid}/stat`);
  return text ? text.slice(text.lastIndexOf(')') + 2).split(' ') : undefined;
}

/**
 * When a process started (clock ticks since boot, field 22 of /proc/PID/stat): with the pid, it names
 * one process for good, so a pid the kernel has reused since is never mistaken for it.
 */
export function procStartTime(pid: number): string | undefined {
  return procStatFrom3(pid)?.[19];
}

/**
 * Whether a process has taken a SIGSTOP (state T, or t when traced) or is gone (Z, X, no entry): a
 * process that was not on a CPU when it was signalled keeps running (R), or sleeping (S), until it is
 * scheduled, and one signalled inside write(2) finishes that write first.
 */
export function procStopped(pid: number): boolean {
  const state = procStatFrom3(pid)?.[0];
  return state === undefined || state === 'T' || state === 't' || state === 'Z' || state === 'X';
}

/**
 * Whether one of `pids` holds a socket listening on TCP `port` (any address, IPv4 or IPv6) in this
 * process's network namespace: the listeners' inodes from /proc/net/tcp and tcp6, then each process's
 * open files. undefined where there is no /proc/net (not Linux).
 */
export function procListensOn(pids: number[], port: number): boolean | undefined {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  let tables = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = readText(table);
    if (text === undefined) continue;
    tables++;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && f[1]!.endsWith(hexPort)) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (tables === 0) return undefined;
  if (inodes.size === 0) return false;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return false;
}

/** Every process id in /proc. */
export function procAllPids(): number[] {
  return procPidsIn('/proc');
}

/** Whether a process's environment (as it was exec'd) holds `name=value` exactly. */
export function procEnvironHas(pid: number, entry: string): boolean {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false;
  }
  const needle = Buffer.from(`${entry}\0`);
  const at = env.indexOf(needle);
  return at === 0 || (at > 0 && env[at - 1] === 0);
}

// ---------------------------------------------------------------- macOS (ps)

/** `ps -A -o pid=,ppid=,rss=`: three numbers per line (rss in kB). */
export function parsePsTable(text: string): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) rows.push({ pid: Number(m[1]), ppid: Number(m[2]), rssKb: Number(m[3]) });
  }
  return rows;
}

/**
 * `ps -A -E -ww -o pid=,command=`: macOS appends each process's environment to its command line (for
 * the user's own processes). The pids whose line holds the entry as a separate word.
 */
export function parsePsEnvironMatches(text: string, entry: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (!m) continue;
    const rest = ` ${m[2]} `;
    if (rest.includes(` ${entry} `)) out.push(Number(m[1]));
  }
  return out;
}

// ---------------------------------------------------------------- Windows (CIM through PowerShell)

export const CIM_COMMAND =
  'Get-CimInstance Win32_Process | ForEach-Object { "{0} {1} {2}" -f $_.ProcessId,$_.ParentProcessId,$_.WorkingSetSize }';

/** Lines of "pid ppid workingSetBytes". */
export function parseCimTable(text: string): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) rows.push({ pid: Number(m[1]), ppid: Number(m[2]), rssKb: Math.round(Number(m[3]) / 1024) });
  }
  return rows;
}

// ---------------------------------------------------------------- tables (macOS, Windows)

/** The descendants of `root` in a process table (not `root` itself). */
export function descendantsIn(rows: ProcessRow[], root: number): ProcessRow[] {
  const byParent = new Map<number, ProcessRow[]>();
  for (const r of rows) {
    if (r.pid === r.ppid) continue; // Windows' System Idle Process is its own parent
    const list = byParent.get(r.ppid);
    if (list) list.push(r);
    else byParent.set(r.ppid, [r]);
  }
  const out: ProcessRow[] = [];
  const queue = [...(byParent.get(root) ?? [])];
  const seen = new Set<number>([root]);
  while (queue.length > 0) {
    const r = queue.shift()!;
    if (seen.has(r.pid)) continue;
    seen.add(r.pid);
    out.push(r);
    queue.push(...(byParent.get(r.pid) ?? []));
  }
  return out;
}

/** Runs a program and resolves with its stdout ('' when it fails or takes too long). */
export function readCommand(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (error, stdout) => resolve(error ? '' : stdout));
  });
}

/** The whole process table of this macOS or Windows machine. */
export async function snapshotTable(platform: NodeJS.Platform): Promise<ProcessRow[]> {
  if (platform === 'win32') {
    return parseCimTable(await readCommand('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', CIM_COMMAND], 10_000));
  }
  return parsePsTable(await readCommand('ps', ['-A', '-o', 'pid=,ppid=,rss='], 5_000));
}
