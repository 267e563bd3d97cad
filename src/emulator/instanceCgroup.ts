/**
 * Making an instance's cgroup folder (root: one per hierarchy, pids and cpu): the emulator's own
 * (sandbox.ts CgroupPool) and the CLI's runtime started ahead (speculation.ts) make them alike. Node
 * built-ins only: speculation.ts runs before the CLI loads anything big.
 */
// fs.promises, read when first used: importing node:fs/promises loads readline, the folder and watcher
// modules with it (~4M instructions), at the load of every bundle holding this module (the CLI's invoke)
import { existsSync, mkdirSync, promises as fsp, writeFileSync } from 'node:fs';
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
  await fsp.mkdir(dir);
  if (existsSync(join(dir, 'pids.max'))) await fsp.writeFile(join(dir, 'pids.max'), String(SCF_MAX_TASKS));
}
