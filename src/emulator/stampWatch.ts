/**
 * Stamps (model/stamp.ts) that a long-lived process keeps from one invoke to the next, where inotify
 * (fs.watch) guarantees that a change would have been reported, instead of a stat per path per invoke.
 * A warm invoke in the emulator host checked ~5 paths (serverless.yml, its folder, `.env`, the code
 * folder, each code file the handler loaded: one stat each, ~8-12 µs here, more for a handler of many
 * files); now it stats one: the project's folder.
 *
 * What makes a kept stamp as good as a fresh stat:
 * - **Ordering.** A change made before the caller sent its invoke (the editor saved, the test wrote the
 *   file, then invoked) queued its inotify event before the invoke's bytes reached the host, so any
 *   poll made after the host read those bytes reports the inotify descriptor ready, and libuv delivers
 *   all of its events in that poll. The host handles the requests read in one loop turn in the next
 *   turn's check phase (hostMain.ts: sealReading), after such a poll, so by then every such event has
 *   invalidated what it concerns (the poll that reported the channel ready may have come before the
 *   change: a request can arrive between that poll and the read). Only a process that keeps that
 *   contract may enable this (`enableStampWatch`); anywhere else stamps are a stat, as before. The
 *   API's in-process mode keeps it in the caller's process (api/inProcess.ts: pastPoll), and undoes it
 *   on close() (`disableStampWatch`).
 * - **Coverage.** A path is kept only below a root (the serverless.yml's folder, `addStampRoot`) on
 *   the same local file system (ext4, xfs, btrfs, tmpfs, ...: not NFS, 9p, FUSE, whose other side's
 *   changes inotify never sees), with no symbolic link on the way (its real path is itself), and with
 *   every folder from the root down to it watched, and the file itself (its inode: a write through a
 *   hard link elsewhere). An event in a folder invalidates that entry and everything below it, and the
 *   folder's own stamp; an event on a folder itself (moved, deleted) everything below it. The root
 *   itself is stat'ed every time (once per batch of invokes): a root moved, replaced, or something
 *   mounted over it or above it changes its device or inode, and everything below is dropped.
 * - **Lost events.** When inotify's queue overflows, events are dropped (libuv does not report the
 *   overflow); it overflows only once `max_queued_events` (16,384) are waiting unread, which libuv then
 *   reads in one go. So when half that many events arrive between two checks, every kept stamp and
 *   every watch is dropped and taken again.
 * - **Generation.** `keptGeneration()` moves whenever a kept stamp or a watch is dropped, a kept stamp
 *   is replaced by another, or a root is added: while it has not moved, every stamp that was kept is
 *   still kept with the same value. A caller that found all its paths kept (`isKept`) may then skip
 *   asking again path by path, if it still has each of their roots checked (`keptSince`: the root's
 *   stat once per run and the overflow check, which asking for a path would have done).
 * Left out on purpose (a stat stays the answer): anything outside a root, anything that could not be
 * watched (no inotify watch left: ENOSPC), non-Linux systems. Not seen: a file system mounted over a
 * folder *inside* a project while the host runs (mounting raises no inotify event there).
 */
import { readFileSync, realpathSync, statfsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { pathStamp, pathStampThisRun } from '../model/stamp';

/** statfs f_type of file systems whose every change goes through this kernel (inotify sees it). */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0x52654973, // reiserfs
  0x3153464a, // jfs
  0xca451a4e, // bcachefs
]);

interface Root {
  /** dev:ino of the root when its watches were set; another one drops everything below it. */
  identity: string;
  dev: number;
  local: boolean;
}

let enabled = false;
/** How many callers enabled it (disableStampWatch). */
let enables = 0;
const roots = new Map<string, Root>();
const kept = new Map<string, string>();
const watchers = new Map<string, FSWatcher>();
/** The stamps of the roots checked in this run (until the next microtask checkpoint), as pathStampThisRun keeps. */
const rootStamps = new Map<string, string>();
let checkClearQueued = false;
let eventsSinceCheck = 0;
let overflowAt = 8192;
/** Moves whenever a kept stamp or watch is dropped or replaced, or the roots change (see the header). */
let generation = 0;

/** Lets this process keep stamps between invokes (it handles invokes after the poll phase: see above). */
export function enableStampWatch(): void {
  if (process.platform !== 'linux' || typeof watch !== 'function' || typeof statfsSync !== 'function') return;
  enabled = true;
  enables++;
  try {
    overflowAt = Math.max(1, Math.floor(Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8')) / 2)) || 8192;
  } catch {
    /* the default's half */
  }
}

/** A folder below which stamps may be kept (the host adds each serverless.yml's folder). */
export function addStampRoot(dir: string): void {
  if (!enabled || roots.has(dir) || roots.size >= 256) return;
  const root = describeRoot(dir);
  if (root) {
    roots.set(dir, root);
    rootOfPath.clear();
    generation++; // (a path's root may now be this one)
  }
}

function describeRoot(dir: string): Root | undefined {
  try {
    const st = statSync(dir);
    let local = false;
    try {
      local = realpathSync.native(dir) === dir && LOCAL_FILE_SYSTEMS.has(statfsSync(dir).type);
    } catch {
      local = false;
    }
    return { identity: `${st.dev}:${st.ino}`, dev: st.dev, local };
  } catch {
    return undefined;
  }
}

/**
 * The path's stamp, to check it against one taken earlier: kept from an earlier call while nothing can
 * have changed it, else a stat (once per path in one run, as pathStampThisRun).
 */
export function watchedStamp(path: string): string {
  return stampOf(path, false);
}

/** The path's stamp now, to be checked later (a fresh stat, never one of this run's): watched from here on. */
export function takeStamp(path: string): string {
  return stampOf(path, true);
}

function stampOf(path: string, fresh: boolean): string {
  const plain = fresh ? pathStamp : pathStampThisRun;
  if (!enabled) return plain(path);
  const rootDir = rootOf(path);
  if (rootDir === undefined) return plain(path);
  if (path === rootDir && !fresh) {
    checkRoot(rootDir);
    return rootStamps.get(rootDir) ?? plain(path);
  }
  const root = checkRoot(rootDir);
  if (!root?.local || path === rootDir) return plain(path);
  const known = fresh ? undefined : kept.get(path);
  if (known !== undefined) return known;
  if (!watchChain(rootDir, path, root)) return plain(path);
  // Watched first, stat'ed after: a change from here on is an event.
  const stamp = pathStamp(path);
  const before = kept.get(path);
  if (before !== undefined && before !== stamp) generation++;
  kept.set(path, stamp);
  return stamp;
}

/** rootOf's answers ('' for none) while the set of roots is the same: a warm invoke checks the same few paths. */
const rootOfPath = new Map<string, string>();

function rootOf(path: string): string | undefined {
  const known = rootOfPath.get(path);
  if (known !== undefined) return known === '' ? undefined : known;
  const found = longestRootOf(path);
  if (rootOfPath.size >= 4096) rootOfPath.clear();
  rootOfPath.set(path, found ?? '');
  return found;
}

function longestRootOf(path: string): string | undefined {
  let best: string | undefined;
  for (const dir of roots.keys()) {
    if ((path === dir || path.startsWith(dir + sep)) && (best === undefined || dir.length > best.length)) best = dir;
  }
  return best;
}

/** The root, checked once per run: moved, replaced or mounted over, everything below it goes. */
function checkRoot(dir: string): Root | undefined {
  // (keptSince relies on this being all that asking for a path below the root checks once per run)
  const root = roots.get(dir)!;
  if (eventsSinceCheck >= overflowAt) dropAll();
  if (rootStamps.has(dir)) return root;
  eventsSinceCheck = 0;
  if (!checkClearQueued) {
    checkClearQueued = true;
    queueMicrotask(() => {
      checkClearQueued = false;
      rootStamps.clear();
    });
  }
  const st = statSync(dir, { throwIfNoEntry: false });
  rootStamps.set(dir, st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'absent');
  if (st && `${st.dev}:${st.ino}` === root.identity) return root;
  // Another folder at the root's path now (or none): what is below it is forgotten, and the root
  // described again (its file system, whether its path is its real path).
  drop(dir);
  const now = st ? describeRoot(dir) : undefined;
  if (now) roots.set(dir, now);
  else {
    roots.delete(dir);
    rootOfPath.clear();
  }
  generation++;
  return now;
}

/** Watches every folder from the root down to the path's, and the path itself when it exists. */
function watchChain(rootDir: string, path: string, root: Root): boolean {
  const dirs: string[] = [];
  for (let d = dirname(path); d !== rootDir; d = dirname(d)) {
    if (d.length <= rootDir.length) return false;
    dirs.push(d);
  }
  dirs.push(rootDir);
  // (its real path is itself: no symbolic link below the root, whose target's folders nobody watches)
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
    const real = realpathSync.native(st ? path : dirname(path));
    if (real !== (st ? path : dirname(path))) return false;
  } catch {
    return false;
  }
  if (st && st.dev !== root.dev) return false; // a mount point on the way
  for (const d of dirs.reverse()) if (!watchOne(d)) return false;
  if (st && !watchOne(path)) return false;
  return true;
}

/**
 * At most this many watches: inotify's watches are shared by the user's programs (the editor's own
 * file watcher among them), and past this many a stat is cheap enough.
 */
const MAX_WATCHES = 512;

function watchOne(path: string): boolean {
  if (watchers.has(path)) return true;
  if (watchers.size >= MAX_WATCHES) return false;
  try {
    const w = watch(path, { persistent: false }, (_event, name) => onEvent(path, name));
    w.on('error', () => drop(path));
    watchers.set(path, w);
    return true;
  } catch {
    return false;
  }
}

function onEvent(watched: string, name: string | Buffer | null): void {
  eventsSinceCheck++;
  if (kept.delete(watched)) generation++; // its own stamp (a folder's entries changed, or the file itself)
  // libuv names an event on the watched path itself (moved, deleted, its attributes) by the path's own
  // base name, like an entry of that name inside it: both are dropped.
  const n = name === null || name === undefined ? '' : String(name);
  if (n === '' || n === basename(watched)) drop(watched);
  if (n !== '') drop(`${watched}${sep}${n}`);
}

/** Forgets the path and everything below it, and closes their watches (they may name old inodes). */
function drop(path: string): void {
  const below = path + sep;
  for (const p of kept.keys()) {
    if (p === path || p.startsWith(below)) {
      kept.delete(p);
      generation++;
    }
  }
  for (const [p, w] of watchers) {
    if (p === path || p.startsWith(below)) {
      w.close();
      watchers.delete(p);
      generation++;
    }
  }
}

/**
 * Undoes enableStampWatch (its callers counted: the last one's call does it): every watch is closed and
 * every kept stamp forgotten, so stamps are a stat again.
 */
export function disableStampWatch(): void {
  if (!enabled || --enables > 0) return;
  enabled = false;
  dropAll();
  roots.clear();
  rootOfPath.clear();
  rootStamps.clear();
}

function dropAll(): void {
  eventsSinceCheck = 0;
  generation++;
  kept.clear();
  for (const w of watchers.values()) w.close();
  watchers.clear();
}

/** See "Generation" in the header. */
export function keptGeneration(): number {
  return generation;
}

/**
 * The root below which the path's stamp is kept now (after watchedStamp or takeStamp asked for it), or
 * undefined where it is a stat.
 */
export function keptRootOf(path: string): string | undefined {
  if (!kept.has(path)) return undefined;
  return rootOf(path);
}

/**
 * Whether every stamp kept at `gen` is still kept with the same value, after the checks asking for a
 * path below each root would make in this run (the root's stat: moved, replaced, mounted over; the
 * lost events' check): what watchedStamp would answer for paths that were all kept at `gen`.
 */
export function keptSince(gen: number, rootDirs: readonly string[]): boolean {
  for (const dir of rootDirs) {
    if (!roots.has(dir)) return false;
    checkRoot(dir);
  }
  return generation === gen;
}

/** For tests: how many stamps are kept and watches open. */
export function stampWatchState(): { kept: number; watches: number; enabled: boolean } {
  return { kept: kept.size, watches: watchers.size, enabled };
}
