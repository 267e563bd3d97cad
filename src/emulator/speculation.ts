/**
 * The CLI's speculative runtime start (docs/performance.md, "CLI cold invoke"). A cold
 * `scf-toolkit invoke` is two Node.js starts in a row: the CLI's own, then, once it has loaded its
 * bundles and read serverless.yml, the runtime's in its sandbox. Here the second overlaps the first:
 * the CLI's entry, before it loads anything big, looks up how the last cold invoke of the same target
 * started its runtime (the spawn record) and starts that same command line at once. Later, when the
 * emulator is about to start the runtime, it hands the line it computed from serverless.yml to
 * adoptSpeculative(): the process started ahead is used only when that line is identical (command,
 * arguments, working folder, environment, pipes); otherwise it is killed and the runtime starts as
 * usual. Only for runtimes whose bootstrap loads the handler when told to (the channel's first frame,
 * LocalRuntime.initFrame: our Node.js and Python bootstraps), so a start that is discarded has run
 * none of the user's code; never for a Custom Runtime's scf_bootstrap, a web function, Go, PHP or
 * Java, whose start is the user's program or loads its code. The handler's own files are read after
 * the go-ahead, so a handler changed since the last run is the new code.
 *
 * What a record holds, and why (our choice): the whole command line and the handler's environment,
 * values included (the variables from serverless.yml and .env, which may be secrets), because a start
 * made ahead must be exactly the start the CLI would make, and the environment is fixed when a
 * process starts. Records live in the user's cache folder ($XDG_CACHE_HOME or ~/.cache,
 * scf-toolkit/spawn/), the folder 0700 and each file 0600 (readable by the user only, as the .env it
 * copies should be), at most MAX_RECORDS of them (the oldest go), each replaced on the next cold invoke
 * of its target. SCF_TOOLKIT_SPECULATE=0 turns the whole thing off (nothing read, nothing written).
 * The record also lists the files it came from (serverless.yml and its .env, by stamp: modification
 * time, size, inode), so an edited file means no start ahead, and paths whose existence would make the
 * interpreter's start run user code (Python's sitecustomize on PYTHONPATH): then none either.
 *
 * This module is a file of its own (dist/speculation.js), which dist/cli.js runs first, before the
 * code cache and the CLI's bundles load (atCliStart), and which the emulator's code requires as it is:
 * it imports only Node built-ins and the one-stat stamp helper. The start ahead is made from Node's
 * own process and pipe handles (rawSpawn.ts), so that not even child_process loads before it: where
 * those cannot be used, child_process starts it.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { toolkitCachePath } from '../util/cachePath';
import { join } from 'node:path';
import { pathStamp } from '../model/stamp';
import { makeInstanceCgroupSync } from './instanceCgroup';
import { now } from './clock';
import { asChildProcess, killRaw, rawSpawn, type RawProcess } from './rawSpawn';

/** A runtime's spawn as the sandbox makes it: what must be identical for a start made ahead to be used. */
export interface SpawnLine {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdio: StdioOptions;
  detached: boolean;
}

/**
 * In a recorded line, the name of the instance's cgroups (root: pids, cpu): each start makes cgroups
 * of its own, named for its process, which is the one part of the line that differs between two starts.
 */
export const CGROUP_PLACEHOLDER = 'scf-toolkit-speculative';

/** What the emulator does once the sandbox is chosen for a runtime that may be started ahead. */
export interface Speculatable {
  /** Paths that would make the interpreter's start run user code if they existed (checked again before a start ahead). */
  absent: string[];
  /**
   * The frame that tells the runtime to load the handler (the instance's go-ahead, instance.ts), when
   * the instance sends one at once: a start ahead that is adopted gets it written to its channel (fd 3)
   * right then, before its pipes become sockets and the rest of the instance is set up.
   */
  goAhead?: string;
}

interface SpawnRecord {
  v: 1;
  key: string;
  /** pathStamp of each file the line came from (serverless.yml, its .env) when it was recorded. */
  stamps: Record<string, string>;
  absent: string[];
  line: SpawnLine;
  /** The cgroup hierarchies whose folders the line names with CGROUP_PLACEHOLDER (root), to make before the start. */
  cgroupParents: string[];
}

/** A start made ahead, until adopted or discarded. */
interface Pending {
  /** The process, started from Node's handles (rawSpawn.ts), or by child_process where those cannot be used. */
  started: { raw: RawProcess } | { child: ChildProcess };
  record: SpawnRecord;
  spawnedAt: number;
  cgroupDirs: string[];
  /** Why it can no longer be adopted (it exited, failed to start, a pipe closed), when it cannot. */
  gone?: string;
  discarded?: boolean;
}

export interface Adopted {
  child: ChildProcess;
  spawnedAt: number;
  /** Whether Speculatable.goAhead has been written to the runtime's channel. */
  goAheadSent: boolean;
  /** The instance's cgroup folders, made by the start ahead (one per hierarchy, as in the line). */
  cgroupDirs: string[];
}

const MAX_RECORDS = 32;

/** Set by the CLI's entry (speculate()): this process's record key; undefined in every other program. */
let armedKey: string | undefined;
let pending: Pending | undefined;
/** The one spawn this CLI made that can be recorded; null once a second (or unrecordable) spawn happened. */
let noted: { line: SpawnLine; cgroupParents: string[]; absent: string[]; adopted: boolean } | null | undefined;
/** What became of this process's start ahead, and why (SCF_TOOLKIT_SPECULATE=verbose prints it at exit). */
let outcome: { kind: 'none' | 'adopted' | 'discarded'; why: string } = { kind: 'none', why: 'not an invoke' };

/**
 * A folder of the user's records of invokes (`spawn` here, `invoke` for src/cli/invokeCache.ts):
 * $XDG_CACHE_HOME or ~/.cache, scf-toolkit/<name>/.
 */
export function recordsFolder(env: NodeJS.ProcessEnv, name: string): string {
  return toolkitCachePath(name, env);
}

function recordsDir(env: NodeJS.ProcessEnv): string {
  return recordsFolder(env, 'spawn');
}

/**
 * A record's file in `dir`, named by a 32-bit FNV-1a hash of its key (the key itself is inside and
 * compared): not zlib's crc32, so that nothing more than child_process loads before the start ahead.
 */
export function recordFileIn(dir: string, key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return join(dir, `${(h >>> 0).toString(16).padStart(8, '0')}.json`);
}

function recordFile(env: NodeJS.ProcessEnv, key: string): string {
  return recordFileIn(recordsDir(env), key);
}

/** Options that say nothing about how the runtime starts (the event, the output's form): left out of the key. */
const EVENT_OPTIONS = new Set(['--event', '--event-json']);

/** An invoke's arguments (after `invoke`) without the event and --json, which neither record depends on. */
export function argsWithoutEvent(argv: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (EVENT_OPTIONS.has(a)) i++;
    else if (a === '--json' || [...EVENT_OPTIONS].some((o) => a.startsWith(`${o}=`))) continue;
    else kept.push(a);
  }
  return kept;
}

/**
 * The key of an invoke's record: the toolkit's build, where and how it was run. It only chooses which
 * record to try; whether the start is used is decided by comparing whole lines (adoptSpeculative).
 */
function recordKey(argv: string[], cwd: string, env: NodeJS.ProcessEnv, build: string): string {
  return JSON.stringify([1, build, cwd, argsWithoutEvent(argv), env.PATH ?? '', env.HOME ?? '', env.STAGE ?? '', env.SCF_TOOLKIT_CONTAINMENT ?? '']);
}

declare const __SCF_TOOLKIT_VERSION__: string | undefined;
const VERSION = typeof __SCF_TOOLKIT_VERSION__ === 'string' ? __SCF_TOOLKIT_VERSION__ : 'dev';

/** dist/cli.js, first thing: for `scf-toolkit invoke`, speculate() with the toolkit's build (its dist/ folder and version). */
export function atCliStart(argv: string[], distDir: string): void {
  if (argv[0] === 'invoke') speculate(argv.slice(1), process.cwd(), process.env, `${VERSION}:${distDir}`);
}

/**
 * `scf-toolkit invoke`, first thing (argv after the command name): arms recording for this
 * process and, when the record of the last cold invoke of the same target still stands, starts its
 * runtime now. `build` names the toolkit's build (its dist folder and version). Never throws.
 */
export function speculate(argv: string[], cwd: string, env: NodeJS.ProcessEnv, build: string): void {
  if (env.SCF_TOOLKIT_SPECULATE === '0') return;
  if (env.SCF_TOOLKIT_SPECULATE === 'verbose') {
    process.once('exit', () => {
      discardSpeculative();
      process.stderr.write(`scf-toolkit: runtime started ahead: ${outcome.kind} (${outcome.why})\n`);
    });
  }
  const none = (why: string) => void (outcome = { kind: 'none', why });
  // namespaces are Linux's; elsewhere each instance carries a marker of its own host in its environment
  if (process.platform !== 'linux') return none('Linux only');
  // a debug session's instance is its own (started under the debugger), and --async runs its queue
  if (argv.some((a) => a === '--async' || a.startsWith('--inspect') || a === '--help' || a === '-h')) return none('not for --async, --inspect');
  try {
    armedKey = recordKey(argv, cwd, env, build);
    const file = recordFile(env, armedKey);
    let record: SpawnRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as SpawnRecord;
    } catch {
      return none('no record of this invoke yet');
    }
    if (record.v !== 1 || record.key !== armedKey) return none('no record of this invoke yet');
    for (const [path, stamp] of Object.entries(record.stamps)) if (pathStamp(path) !== stamp) return none(`${path} changed since the record`);
    const present = record.absent.find((p) => existsSync(p));
    if (present) return none(`${present} would run at the interpreter's start`);
    startAhead(record);
  } catch (e) {
    // a start ahead is only ever a gain: whatever went wrong, the CLI starts the runtime as usual
    const why = `it could not be made: ${(e as Error).message}`;
    if (pending) discardSpeculative(why);
    else none(why);
  }
}

function startAhead(record: SpawnRecord): void {
  const name = `scf-toolkit-${process.pid}-0`;
  const cgroupDirs: string[] = [];
  for (const parent of record.cgroupParents) {
    const dir = join(parent, name);
    makeInstanceCgroupSync(dir); // as the emulator's own (sandbox.ts CgroupPool): SCF's task limit
    cgroupDirs.push(dir);
  }
  const { line } = record;
  const args = line.args.map((a) => a.split(CGROUP_PLACEHOLDER).join(name));
  const ended = () => {
    p.gone ??= 'exited';
    if (p.discarded) removeDirs(cgroupDirs);
  };
  let raw: RawProcess | undefined;
  try {
    raw = rawSpawn({ ...line, args, stdio: Array.isArray(line.stdio) ? line.stdio : [] });
  } catch (e) {
    removeDirs(cgroupDirs);
    throw e;
  }
  let p: Pending;
  if (raw) {
    p = { started: { raw }, record, spawnedAt: now(), cgroupDirs };
    // (its pipes are read once adopted: an output closed early shows then, as the runtime's exit does)
    raw.onExit = ended;
  } else {
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(line.command, args, { cwd: line.cwd, env: line.env, stdio: line.stdio, detached: line.detached, windowsHide: true });
    p = { started: { child }, record, spawnedAt: now(), cgroupDirs };
    child.on('error', (e) => (p.gone ??= `could not start: ${e.message}`));
    child.once('exit', ended);
    for (const s of [child.stdout, child.stderr]) s?.once('close', () => (p.gone ??= 'closed its output'));
  }
  pending = p;
  // never left behind: a CLI that ends before it adopts the start ends it
  process.once('exit', onExit);
}

const onExit = () => discardSpeculative();

function removeDirs(dirs: string[]): void {
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      /* still in use (its processes are ending), or gone: a later host removes stale ones (sandbox.ts) */
    }
  }
}

/**
 * Which part of two lines differs (the environment compared as a set, named by its variables, never
 * their values), or undefined when they are the same start.
 */
function lineDifference(recorded: SpawnLine, now: SpawnLine): string | undefined {
  if (recorded.command !== now.command || !sameStrings(recorded.args, now.args)) return 'the command line differs';
  if (recorded.cwd !== now.cwd) return 'the working folder differs';
  const names = new Set([...Object.keys(recorded.env), ...Object.keys(now.env)]);
  const changed = [...names].filter((n) => recorded.env[n] !== now.env[n]);
  if (changed.length > 0) return `the environment differs (${changed.sort().join(', ')})`;
  if (JSON.stringify(recorded.stdio) !== JSON.stringify(now.stdio) || recorded.detached !== now.detached) return 'the pipes differ';
  return undefined;
}

/**
 * The sandbox, about to start a runtime whose start may be made ahead, with the line it computed (its
 * cgroups named CGROUP_PLACEHOLDER): the process started ahead when that line is the one it started,
 * else undefined (and that process, if any, is killed). Also notes the line for this CLI's record.
 */
export function adoptSpeculative(line: SpawnLine, cgroupParents: string[], speculatable: Speculatable): Adopted | undefined {
  const p = pending;
  pending = undefined;
  const differs = p === undefined ? undefined : p.gone !== undefined ? `it ${p.gone}` : lineDifference(p.record.line, line) ?? (sameStrings(p.record.cgroupParents, cgroupParents) ? undefined : 'the cgroups differ');
  const adopted = p !== undefined && differs === undefined;
  if (armedKey !== undefined) noted = noted === undefined ? { line, cgroupParents, absent: speculatable.absent, adopted } : null;
  if (!p) return undefined;
  if (!adopted) {
    pending = p;
    discardSpeculative(differs ?? '');
    return undefined;
  }
  outcome = { kind: 'adopted', why: 'the same command line, environment and folder' };
  process.off('exit', onExit);
  const goAheadSent = 'raw' in p.started && speculatable.goAhead !== undefined && writeGoAhead(p.started.raw, speculatable.goAhead);
  const child = 'raw' in p.started ? asChildProcess(p.started.raw) : p.started.child;
  return { child, spawnedAt: p.spawnedAt, cgroupDirs: p.cgroupDirs, goAheadSent };
}

/** Writes the go-ahead to the runtime's channel (fd 3), whole, or nothing (then the instance sends it as usual). */
function writeGoAhead(raw: RawProcess, frame: string): boolean {
  const fd = (raw.pipes[3] as { fd?: number } | null | undefined)?.fd;
  if (typeof fd !== 'number' || fd < 0) return false;
  const bytes = Buffer.from(frame, 'utf8');
  try {
    // (an empty pipe takes a frame of a few bytes whole)
    return writeSync(fd, bytes) === bytes.length;
  } catch {
    return false; // (the runtime has gone: its exit ends the instance as any runtime's does)
  }
}

/** A spawn that cannot be made ahead (another kind of runtime, a second instance): this CLI records nothing. */
export function noteOtherSpawn(): void {
  if (armedKey !== undefined) noted = null;
  discardSpeculative('the runtime started is of another kind');
}

function sameStrings(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** Kills the start made ahead, if one is waiting (its namespace ends with it; its cgroups go once it has exited). */
export function discardSpeculative(why = 'no runtime was started'): void {
  const p = pending;
  if (!p) return;
  pending = undefined;
  p.discarded = true;
  outcome = { kind: 'discarded', why };
  process.off('exit', onExit);
  // setpriv has become unshare (same pid): its death sends its child, the namespace's init, SIGKILL
  // (--kill-child), and the init's death ends every process of the namespace.
  if ('raw' in p.started) {
    killRaw(p.started.raw);
    if (p.started.raw.exit) removeDirs(p.cgroupDirs);
    return;
  }
  const { child } = p.started;
  try {
    child.kill('SIGKILL');
  } catch {
    /* gone */
  }
  for (const s of child.stdio) s?.destroy();
  if (child.exitCode !== null || child.signalCode !== null) removeDirs(p.cgroupDirs);
}

/** What became of this process's start ahead, and why. */
export function speculationOutcome(): { kind: 'none' | 'adopted' | 'discarded'; why: string } {
  return outcome;
}

/**
 * The CLI, after its invoke: records the start it made (when it made exactly one that can be made
 * ahead), with the stamps of `files` (serverless.yml, its .env), for the next cold invoke of the same
 * target. An adopted start whose record still stands is not written again.
 */
export function saveSpawnRecord(files: string[], env: NodeJS.ProcessEnv): void {
  const n = noted;
  if (armedKey === undefined || !n) return;
  const file = recordFile(env, armedKey);
  const stamps = Object.fromEntries(files.map((f) => [f, pathStamp(f)]));
  if (n.adopted) {
    try {
      const old = JSON.parse(readFileSync(file, 'utf8')) as SpawnRecord;
      if (Object.entries(stamps).every(([f, s]) => old.stamps[f] === s)) return;
    } catch {
      /* write it */
    }
  }
  const record: SpawnRecord = { v: 1, key: armedKey, stamps, absent: n.absent, line: n.line, cgroupParents: n.cgroupParents };
  writeRecord(recordsDir(env), file, record);
}

/**
 * Writes a record the user only may read (it may hold secrets): `dir` 0700, the file 0600, replaced
 * whole; at most MAX_RECORDS in `dir`, the oldest go. Never throws: without a writable cache folder
 * the next invoke works as usual.
 */
export function writeRecord(dir: string, file: string, record: object): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    renameSync(tmp, file);
    prune(dir);
  } catch {
    // no writable cache folder
  }
}

/** At most MAX_RECORDS records: the least recently written go first. */
function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_RECORDS) return;
  const byAge = names.map((n) => ({ n, t: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, names.length - MAX_RECORDS)) rmSync(join(dir, n), { force: true });
}
