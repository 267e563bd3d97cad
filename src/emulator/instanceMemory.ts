/**
 * The memory of a whole instance, as memorySize limits it (434): the runtime's resident memory plus
 * what each other process of the instance adds, its anonymous and shared-memory pages. The code and
 * files a child shares with the runtime (libc, the interpreter) are not counted again for every child,
 * as a cgroup would not: summing resident sizes made 1,000 `sleep`s weigh 1.4 GB.
 *
 * Linux reads /proc: an instance in its own PID namespace is listed by its own /proc (one directory
 * read), otherwise by its process tree. Sampling is synchronous (microseconds per process) until an
 * instance runs more than LARGE processes (a fork bomb), then asynchronous, so that reading a thousand
 * processes never holds up the host's timers (the 433 at the timeout). macOS and Windows sample their
 * process table asynchronously (processTable.ts).
 *
 * Per request (Linux) the peak is reset at the start and read at the end. Where the instance has a pids
 * cgroup, both take one system call each in the common case of a runtime alone in its instance: the
 * runtime's status and clear_refs and the cgroup's pids.current are kept open (procFile.ts), and the
 * runtime is alone when the cgroup's tasks are the init's one plus the runtime's threads (its status
 * says how many); otherwise the instance's processes are listed as above.
 */
import { descendantsIn, parseProcStatus, procMemory, procMemoryAsync, procResetPeak, snapshotTable, type ProcessRow } from './processTable';
import { ProcFile } from './procFile';
import { now } from './clock';

/** The instance's processes now, as /proc directories: the runtime's and the others'. */
export interface ProcListing {
  runtime: string | undefined;
  others: string[];
}

const LARGE = 64;

export class InstanceMemory {
  private lastKb = 0;
  /** Whether lastKb is a reading (currentKb() or peakKb() has run), not its initial 0. */
  private read = false;
  private sampling = false;
  private sampledAt = 0;
  private nextListAt = 0;
  private large = false;
  private table: ProcessRow[] = [];

  constructor(
    private readonly mode: 'proc' | 'ps' | 'cim',
    private readonly pollMs: number,
    /** Linux: the instance's processes now. */
    private readonly list: () => ProcListing,
    /** macOS, Windows: the pid whose tree is the instance, and pids known to belong to it. */
    private readonly tree: () => { root: number | undefined; known: Iterable<number> },
    /**
     * Linux, where the instance has a pids cgroup: the runtime's /proc directory (seen from the host)
     * and the cgroup's pids.current, whose tasks beside the runtime's threads are the init's one.
     */
    private readonly quick?: { runtimeDir: () => string | undefined; tasksFile: string; ownTasks: number },
  ) {}

  private files: { status: ProcFile; clearRefs: ProcFile; tasks: ProcFile } | undefined;

  private quickFiles(): { status: ProcFile; clearRefs: ProcFile; tasks: ProcFile } | undefined {
    if (this.files || !this.quick || this.mode !== 'proc') return this.files;
    const dir = this.quick.runtimeDir();
    if (!dir) return undefined;
    this.files = { status: new ProcFile(`${dir}/status`, 'r'), clearRefs: new ProcFile(`${dir}/clear_refs`, 'w'), tasks: new ProcFile(this.quick.tasksFile, 'r') };
    return this.files;
  }

  /**
   * The runtime's memory when it is alone in its instance (no other process), from two preads;
   * undefined when that cannot be told that way (no cgroup, other processes, a file gone).
   */
  private alone(): { rss: number; hwm: number } | undefined {
    const files = this.quickFiles();
    if (!files) return undefined;
    const status = files.status.read();
    const tasks = files.tasks.read();
    if (status === undefined || tasks === undefined) return undefined;
    const threads = /\nThreads:\s*(\d+)/.exec(status);
    if (!threads || Number(threads[1]) + this.quick!.ownTasks !== Number.parseInt(tasks, 10)) return undefined;
    const m = parseProcStatus(status);
    return { rss: m.rss, hwm: m.hwm };
  }

  /** Whether the runtime is the instance's only process now (undefined: not known this cheaply). */
  runtimeAlone(): boolean | undefined {
    return this.alone() === undefined ? undefined : true;
  }

  /** Closes the files kept open (the instance has ended). */
  close(): void {
    if (!this.files) return;
    for (const f of Object.values(this.files)) f.close();
    this.files = undefined;
  }

  /** The rows of the last process-table sample (macOS, Windows). */
  get lastTable(): ProcessRow[] {
    return this.table;
  }

  /** The instance's memory as last read (currentKb(), or the resident part of peakKb()), if read yet. */
  lastReadKb(): number | undefined {
    return this.read ? this.lastKb : undefined;
  }

  /** The instance's memory now in kB (the latest sample while it is large, or on macOS and Windows). */
  currentKb(): number {
    this.read = true;
    if (this.mode !== 'proc') {
      this.sampleTable();
      return this.lastKb;
    }
    if (this.sampling || now() < this.nextListAt) return this.lastKb;
    const alone = this.alone();
    if (alone) {
      this.large = false;
      return (this.lastKb = alone.rss);
    }
    // Listing is one directory read in a namespace's own /proc, but a walk of the process tree
    // elsewhere: when that walk gets slow (a fork bomb), it runs less often.
    const started = now();
    const listing = this.list();
    const elapsed = now() - started;
    this.nextListAt = elapsed > 2 ? now() + 4 * elapsed : 0;
    this.large = listing.others.length > LARGE;
    if (!this.large) {
      let kb = listing.runtime ? procMemory(listing.runtime).rss : 0;
      for (const d of listing.others) kb += procMemory(d).own;
      this.lastKb = kb;
      return kb;
    }
    this.sampling = true;
    const sampleStarted = now();
    void this.sumAsync(listing).then((kb) => {
      this.sampling = false;
      this.lastKb = kb;
      // A fork bomb's thousand /proc files took the host 1.5 s of CPU in 2 s when read back to back,
      // CPU its timers (the 433) then lacked: the next sample waits 4 times as long as this one took.
      this.nextListAt = now() + 4 * (now() - sampleStarted);
    });
    return this.lastKb;
  }

  /** Reads a large instance's processes a few at a time, letting the host's timers run in between. */
  private async sumAsync(listing: ProcListing): Promise<number> {
    let kb = listing.runtime ? (await procMemoryAsync(listing.runtime)).rss : 0;
    for (let i = 0; i < listing.others.length; i += 32) {
      const chunk = await Promise.all(listing.others.slice(i, i + 32).map((d) => procMemoryAsync(d)));
      for (const m of chunk) kb += m.own;
    }
    return kb;
  }

  private sampleTable(): void {
    if (this.sampling || now() - this.sampledAt < this.pollMs) return;
    this.sampling = true;
    const done = (kb: number | undefined) => {
      this.sampling = false;
      this.sampledAt = now();
      if (kb !== undefined) this.lastKb = kb;
    };
    const { root, known } = this.tree();
    void snapshotTable(this.mode === 'cim' ? 'win32' : 'darwin').then((rows) => {
      if (rows.length === 0 || root === undefined) return done(undefined);
      this.table = rows;
      const mine = new Set<number>([root, ...descendantsIn(rows, root).map((r) => r.pid), ...known]);
      done(rows.filter((r) => mine.has(r.pid)).reduce((sum, r) => sum + r.rssKb, 0));
    });
  }

  /** Starts a request's peak: Linux resets the runtime's high-water mark. */
  resetPeak(): void {
    if (this.mode !== 'proc') return;
    const files = this.quickFiles();
    if (files?.clearRefs.write('5')) return;
    const runtime = this.list().runtime;
    if (runtime) procResetPeak(runtime);
  }

  /** The request's peak so far: the runtime's high-water mark plus what the others hold now (Linux). */
  peakKb(): number {
    if (this.mode !== 'proc' || this.large) return this.lastKb;
    // What is resident now is kept as the last reading too: the next request starts from it (RequestWatch).
    this.read = true;
    const alone = this.alone();
    if (alone) {
      this.lastKb = alone.rss;
      return alone.hwm;
    }
    const listing = this.list();
    let kb = 0;
    let own = 0;
    if (listing.runtime) {
      const m = procMemory(listing.runtime);
      kb = m.hwm;
      own = m.rss;
    }
    for (const d of listing.others) {
      const o = procMemory(d).own;
      kb += o;
      own += o;
    }
    this.lastKb = own;
    return kb;
  }
}
