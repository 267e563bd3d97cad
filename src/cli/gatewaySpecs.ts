import { resolve } from 'node:path';
import { loadServerlessFile, type FunctionSpec } from '../model';
import { fail, ok, type Outcome } from '../model/outcome';
import { DEFAULT_MAX_INSTANCES } from '../emulator/emulator';
import type { CliIO } from './io';
import { RUNTIME_PATH_USAGE } from './runtimePaths';

/** The functions of the serverless.yml files (or folders) named on the command line, for the gateway. */
export function loadGatewaySpecs(targets: string[], io: CliIO, layerFolders?: Record<string, string>): Outcome<FunctionSpec[]> {
  const specs: FunctionSpec[] = [];
  for (const target of targets) {
    const loaded = loadServerlessFile(resolve(io.cwd, target), { env: io.env, layerFolders });
    if (!loaded.ok) return loaded;
    specs.push(...loaded.value.functions);
  }
  return ok(specs);
}

/** `--max-instances N` of `gateway` and `serve`: instances per function before 432 (HTTP 429). */
export const MAX_INSTANCES_HELP = `  --max-instances N  instances one function may run at once (default ${DEFAULT_MAX_INSTANCES}); past it a request
                   ends with 432 ResourceLimitReached (HTTP 429 from the gateway), as past SCF's concurrency quota`;

/** The options `gateway` and `serve` share for the functions they run. */
export const FUNCTION_SERVER_HELP = `  --python PATH   the python3 for every Python3.x function (default: each runtime's own version)
${RUNTIME_PATH_USAGE}
  --layer NAME=FOLDER  where layer NAME's content is locally (its /opt), when it is not a
                  component: layer of the app; repeatable
${MAX_INSTANCES_HELP}`;

export function parseMaxInstances(value: string | undefined): Outcome<number | undefined> {
  if (value === undefined) return ok(undefined);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) return fail('cli.usage', `--max-instances must be a whole number from 1 to 1000, not "${value}"`);
  return ok(n);
}
