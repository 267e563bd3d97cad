/**
 * The async queue's state on disk: an append-only journal of JSON lines. Every change to an event is
 * appended before it takes effect, so a host killed at any point loses no accepted event; replaying the
 * journal on start gives back every event that has not finished (one that was running may run again:
 * delivery is at least once, as on SCF).
 *
 * What "nothing lost" covers: the host or the editor being killed (SIGKILL, a crash, closing the window)
 * at any moment. Each append is one write(2) into the operating system's file cache, which the OS writes
 * out even when our process dies. Appends are not fsync'd one by one (10,000 events would take minutes
 * of disk flushes), so a power cut or an OS crash may lose the events of the last seconds. The compacted
 * journal written on start replaces the old one through util/atomicFile.ts (fsync'd file and folder), so
 * no crash of any kind leaves it half-written or empty.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomicFile';

export interface QueuedEvent {
  requestId: string;
  /** The serverless.yml the function comes from, and the function's name in it. */
  file: string;
  functionName: string;
  payload: string;
  enqueuedAt: number;
  /** Retries made so far for runtime errors. */
  retries: number;
  /** Attempts made so far, of any kind. */
  attempts: number;
  nextAt: number;
  lastStatusCode?: number;
  lastError?: string;
}

type JournalEntry = { op: 'put'; event: QueuedEvent } | { op: 'done'; requestId: string };

export class Journal {
  private readonly path: string;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.path = join(stateDir, 'queue.jsonl');
  }

  /** Reads the journal back and rewrites it with only the unfinished events. */
  load(): QueuedEvent[] {
    const events = unfinished(this.path);
    writeFileAtomic(this.path, events.map((event) => `${JSON.stringify({ op: 'put', event } satisfies JournalEntry)}\n`).join(''));
    return events;
  }

  put(event: QueuedEvent): void {
    appendFileSync(this.path, `${JSON.stringify({ op: 'put', event } satisfies JournalEntry)}\n`);
  }

  done(requestId: string): void {
    appendFileSync(this.path, `${JSON.stringify({ op: 'done', requestId } satisfies JournalEntry)}\n`);
  }
}

/** The events of a journal that have not finished, read without changing it. */
function unfinished(path: string): QueuedEvent[] {
  const live = new Map<string, QueuedEvent>();
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // a line cut short by a crash mid-write: the event before it is still whole
      }
      if (entry.op === 'put') live.set(entry.event.requestId, entry.event);
      else live.delete(entry.requestId);
    }
  }
  return [...live.values()];
}

/** How many accepted async events a state folder still holds (0 when it has no journal): read only. */
export function pendingEvents(stateDir: string): number {
  return unfinished(join(stateDir, 'queue.jsonl')).length;
}
