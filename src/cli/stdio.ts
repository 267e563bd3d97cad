/**
 * How the CLI writes to its stdout and stderr: straight to the file descriptor (fs.writeSync) on
 * POSIX, not through `process.stdout` / `process.stderr`. Node builds those streams on first use,
 * and for a pipe (CI, `| jq`, a test harness) that loads net, the stream classes and libuv's pipe
 * wrapper: ~15M instructions, ~6 ms of a `validate --json` run that otherwise takes ~130 ms (measured
 * with valgrind; `node -e 0` with one process.stdout.write is 101M instructions, with one writeSync
 * 86M). A write to a file, a pipe or a terminal is synchronous on Linux either way (Node's docs, "A
 * note on process I/O"), so the order and the blocking are what they were.
 *
 * The stream is used after all, from the first write on and for that descriptor for good (so nothing
 * overtakes what it still holds), where the direct write cannot do it as Node would: on Windows (the
 * console's encoding), on a descriptor that is non-blocking (EAGAIN: a pipe another process set so;
 * the stream waits for it), and on any error (EPIPE, EBADF, ENOSPC...), which the stream then reports
 * the way it always has. `flushStdio` waits for what the streams hold, if any was made, by the CLI or
 * by anything else in the process (a warning Node prints): the exit never cuts their output short.
 */
import { writeSync } from 'node:fs';

type Fd = 1 | 2;

/** Descriptors whose output goes through Node's stream from now on. */
const viaStream = new Set<Fd>();
/** The streams Node has made (by us or anyone else), once watchStdio() runs. */
const made = new Set<NodeJS.WriteStream>();
let watching = false;

const streamOf = (fd: Fd): NodeJS.WriteStream => (fd === 1 ? process.stdout : process.stderr);

/**
 * Notes each of process.stdout and process.stderr when Node makes it (their getters make them on
 * first use), so that flushStdio knows which to wait for without making the others.
 */
export function watchStdio(): void {
  if (watching) return;
  watching = true;
  for (const name of ['stdout', 'stderr'] as const) {
    const own = Object.getOwnPropertyDescriptor(process, name);
    if (!own?.get || !own.configurable) {
      made.add(process[name]); // not a lazy getter: it exists already
      continue;
    }
    const get = own.get;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: own.enumerable,
      get(): NodeJS.WriteStream {
        const stream = get.call(process) as NodeJS.WriteStream;
        made.add(stream);
        return stream;
      },
    });
  }
}

/** Writes `text` to stdout (1) or stderr (2): directly where that is the same as Node's stream (above). */
export function writeStdio(fd: Fd, text: string): void {
  if (process.platform === 'win32' || viaStream.has(fd)) {
    streamOf(fd).write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } catch {
    // EAGAIN, EPIPE, EBADF, ENOSPC...: the rest through the stream, which waits or reports it its way
    viaStream.add(fd);
    streamOf(fd).write(bytes.subarray(done));
  }
}

/** Whether stdout's stream holds more than it wants (a slow reader): settles when it has taken it. */
export function stdoutBacklog(): Promise<void> | undefined {
  if (!viaStream.has(1) && process.platform !== 'win32') return undefined; // direct writes return once written
  const out = process.stdout;
  return out.writableNeedDrain ? new Promise<void>((resolve) => out.once('drain', () => resolve())) : undefined;
}

/** Calls `done` once every stdio stream Node has made has written what it holds (at once if none was made). */
export function flushStdio(done: () => void): void {
  const streams = watching ? [...made] : [process.stdout, process.stderr];
  let pending = streams.length;
  if (pending === 0) return done();
  for (const stream of streams) stream.write('', () => --pending === 0 && done());
}
