import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A path in the toolkit's part of the user's cache: $XDG_CACHE_HOME or ~/.cache, then scf-toolkit/<name>
 * (the spawn and invoke records, the Python bootstrap's bytecode, the interpreter probes). Node
 * built-ins only: dist/speculation.js, which loads nothing else, uses it.
 */
export function toolkitCachePath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'scf-toolkit', name);
}
