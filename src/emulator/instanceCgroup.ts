/**
 * Making an instance's cgroup folder (root: one per hierarchy, pids and cpu): the emulator's own
 * (sandbox.ts CgroupPool) and the CLI's runtime started ahead (speculation.ts) make them alike. Node
 * built-ins only: speculation.ts runs before the CLI loads anything big.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** SCF's per-instance task limit (quota page, "function runtime environment limits"). */
export const SCF_MAX_TASKS = 1024;

/** Makes `dir` with SCF's task limit where it is a pids cgroup (`pids.max`); throws as mkdir does. */
export function makeInstanceCgroupSync(dir: string): void {
  mkdirSync(dir);
  if (existsSync(join(dir, 'pids.max'))) writeFileSync(join(dir, 'pids.max'), String(SCF_MAX_TASKS));
}

/** makeInstanceCgroupSync off the caller's path (a spare made ahead). */
export async function makeInstanceCgroup(dir: string): Promise<void> {
  await mkdir(dir);
  if (existsSync(join(dir, 'pids.max'))) await writeFile(join(dir, 'pids.max'), String(SCF_MAX_TASKS));
}
