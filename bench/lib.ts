/**
 * What every benchmark shares: cases run interleaved (each round runs every case once, in a rotated
 * order, so the machine's noise hits them alike), figures as medians with their spread (the middle
 * half, p25-p75), each printed as a ratio against its peer or floor measured in the same run, and a
 * line saying which machine and whether NODE_EXTRA_CA_CERTS is set (it adds ~50 ms to every Node
 * start that has it in its environment).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

export interface Stats {
  median: number;
  p25: number;
  p75: number;
  n: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
  return { median: at(0.5), p25: at(0.25), p75: at(0.75), n: s.length };
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `12.3 ms (11.9-13.0)`: the median and the middle half. */
export function ms(s: Stats, digits = 1): string {
  return `${s.median.toFixed(digits)} ms (${s.p25.toFixed(digits)}-${s.p75.toFixed(digits)})`;
}

/** A ratio with its target: `0.62x (target <= 0.70: met)`. */
export function ratio(value: number, peer: number, target?: { max?: number; min?: number }): string {
  const r = value / peer;
  if (!target) return `${r.toFixed(2)}x`;
  const met = (target.max === undefined || r <= target.max) && (target.min === undefined || r >= target.min);
  const bound = target.max !== undefined ? `<= ${target.max.toFixed(2)}` : `>= ${target.min!.toFixed(2)}`;
  return `${r.toFixed(2)}x (target ${bound}: ${met ? 'met' : 'NOT met'})`;
}

export function machine(): string {
  const cpu = cpus();
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  return [
    `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    `Node ${process.version}, ${new Date().toISOString()}`,
    `NODE_EXTRA_CA_CERTS ${ca ? `is set (${ca}): rows marked "with CA" start Node with it, "clean" without it` : 'is not set'}`,
  ].join('\n');
}

export interface Case {
  name: string;
  /** One measurement, in ms. */
  run: () => Promise<number>;
}

/** The mean CPU of a case's processes (ms), or '' when not measured. */
export function cpuMean(name: string, skip = 0): string {
  const xs = (cpuTimes.get(name) ?? []).slice(skip);
  return xs.length ? `${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0)} ms` : '';
}

/** Runs every case `rounds` times, interleaved, after `warmup` unrecorded rounds; times by case name. */
export async function interleave(cases: Case[], rounds: number, warmup = 1): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length]!;
      const t = await c.run();
      if (r >= warmup) times.get(c.name)!.push(t);
    }
  }
  return times;
}

/**
 * CPU time (user + system, ms) of everything this process has started, summed since it began.
 * Where it can (root, cgroup v1's cpuacct), this process moves into a cpuacct cgroup of its own, which
 * every process it starts inherits and stays in, so the count is the whole process tree's: the
 * kernel's cpuacct.usage less this process's own CPU. Otherwise Linux's cutime + cstime
 * (/proc/self/stat, clock ticks of 10 ms), which counts only processes that were waited for, with
 * theirs: a runtime in a PID namespace whose init is killed at the end (scf-toolkit invoke's sandbox)
 * is reaped by no one of ours, and its CPU is missing (cpuAccounting() says which applies).
 */
export function childrenCpuMs(): number {
  if (treeCgroup) {
    try {
      const own = process.cpuUsage();
      return Number(readFileSync(join(treeCgroup, 'cpuacct.usage'), 'utf8')) / 1e6 - (own.user + own.system) / 1000;
    } catch {
      return NaN;
    }
  }
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

/** The cpuacct cgroup this process moved into (see childrenCpuMs), or undefined. */
let treeCgroup: string | undefined;

/** Counts the CPU of whole process trees from now on, where the machine allows it (see childrenCpuMs). */
export function countWholeTrees(): void {
  const parent = '/sys/fs/cgroup/cpuacct';
  const dir = join(parent, `scf-bench-${process.pid}`);
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /:(?:[^:]*,)?cpuacct(?:,[^:]*)?:/.test(l));
    const before = line ? join(parent, line.slice(line.lastIndexOf(':') + 1)) : parent;
    mkdirSync(dir);
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
    treeCgroup = dir;
    process.once('exit', () => {
      try {
        writeFileSync(join(before, 'cgroup.procs'), String(process.pid));
        rmdirSync(dir);
      } catch {
        // a process still in it: the kernel keeps the empty group until it is removed
      }
    });
  } catch {
    treeCgroup = undefined;
  }
}

/** How CPU is counted in this run, for the bench's header. */
export function cpuAccounting(): string {
  return treeCgroup
    ? 'CPU: each whole process tree (a cpuacct cgroup), runtimes in their sandbox included'
    : 'CPU: waited-for processes only (getrusage; no cpuacct cgroup here): a sandboxed runtime reaped outside the tree is missing';
}

/** CPU of each measured process, by case name (filled by timeProcess when `cpu` names the case). */
export const cpuTimes = new Map<string, number[]>();

/** Wall time of a whole process, from spawn to exit; it must exit with `exitCode` (default 0; its output is discarded). */
export function timeProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; cpu?: string; exitCode?: number } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()).length > 4000 && (err = err.slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = performance.now() - t0;
      if (code !== (options.exitCode ?? 0)) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err}`));
      if (options.cpu) {
        // the exit event comes once the child has been waited for, so its CPU is in cutime now
        const list = cpuTimes.get(options.cpu) ?? [];
        list.push(childrenCpuMs() - c0);
        cpuTimes.set(options.cpu, list);
      }
      resolve(wall);
    });
  });
}

/** The environment without NODE_EXTRA_CA_CERTS (like a handler's runtime, which starts clean). */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ca, ...rest } = env;
  return rest;
}

/** A table with a header row; the first column left-aligned. */
export function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
}

/** Keeps the figures of a run in bench/results/<name>.json (git-ignored), for docs/performance.md. */
export function keep(name: string, figures: unknown): void {
  try {
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', `${name}.json`), JSON.stringify({ date: new Date().toISOString(), machine: machine(), figures }, null, 2));
  } catch {
    // results are a convenience
  }
}
