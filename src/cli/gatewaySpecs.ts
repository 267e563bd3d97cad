import { resolve } from 'node:path';
import { loadServerlessFile, type FunctionSpec } from '../model';
import { DEFAULT_MAX_INSTANCES } from '../emulator/emulator';
import type { CliIO } from './io';

/** The functions of the serverless.yml files (or folders) named on the command line, for the gateway. */
export function loadGatewaySpecs(targets: string[], io: CliIO, command: string, layerFolders?: Record<string, string>): { ok: true; specs: FunctionSpec[] } | { ok: false; code: number } {
  const specs: FunctionSpec[] = [];
  for (const target of targets) {
    const loaded = loadServerlessFile(resolve(io.cwd, target), { env: io.env, layerFolders });
    if (!loaded.ok) {
      io.err(`scf-toolkit ${command}: ${loaded.error.message}`);
      return { ok: false, code: 2 };
    }
    specs.push(...loaded.value.functions);
  }
  return { ok: true, specs };
}

/** `--max-instances N` of `gateway` and `serve`: instances per function before 432 (HTTP 429). */
export const MAX_INSTANCES_HELP = `  --max-instances N  instances one function may run at once (default ${DEFAULT_MAX_INSTANCES}); past it a request
                   ends with 432 ResourceLimitReached (HTTP 429 from the gateway), as past SCF's concurrency quota`;

export function parseMaxInstances(value: string | undefined): { ok: true; value: number | undefined } | { ok: false; message: string } {
  if (value === undefined) return { ok: true, value: undefined };
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) return { ok: false, message: `--max-instances must be a whole number from 1 to 1000, not "${value}"` };
  return { ok: true, value: n };
}
