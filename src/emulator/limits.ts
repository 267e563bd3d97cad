/** SCF's limits (facts §3) and how the emulator measures and enforces them. */
import { readFileSync, writeFileSync } from 'node:fs';

export const SYNC_EVENT_LIMIT = 6 * 1024 * 1024;
export const ASYNC_EVENT_LIMIT = 128 * 1024;
export const RESPONSE_LIMIT = 6 * 1024 * 1024;

function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childPids(pid: number): number[] {
  try {
    // The main thread's children; children started from other threads are rare in handlers.
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** Resident memory of a process and all its descendants, in kB. */
export function treeRssKb(pid: number): number {
  let total = readStatusKb(pid, 'VmRSS');
  for (const child of childPids(pid)) total += treeRssKb(child);
  return total;
}

/**
 * Peak resident memory of the runtime process since the last reset, in kB, plus its children's
 * current memory. Linux resets the peak (VmHWM) when "5" is written to /proc/PID/clear_refs.
 */
export function peakRssKb(pid: number): number {
  let total = readStatusKb(pid, 'VmHWM');
  for (const child of childPids(pid)) total += treeRssKb(child);
  return total;
}

export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not Linux or not permitted: the sampled maximum is used instead */
  }
}

/** Kills the runtime's whole process group (it is started as a group leader). */
export function killTree(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
