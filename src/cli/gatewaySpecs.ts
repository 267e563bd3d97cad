import { resolve } from 'node:path';
import { loadServerlessFile, type FunctionSpec } from '../model';
import type { CliIO } from './io';

/** The functions of the serverless.yml files (or folders) named on the command line, for the gateway. */
export function loadGatewaySpecs(targets: string[], io: CliIO, command: string): { ok: true; specs: FunctionSpec[] } | { ok: false; code: number } {
  const specs: FunctionSpec[] = [];
  for (const target of targets) {
    const loaded = loadServerlessFile(resolve(io.cwd, target), { env: io.env });
    if (!loaded.ok) {
      io.err(`scf-toolkit ${command}: ${loaded.error.message}`);
      return { ok: false, code: 2 };
    }
    specs.push(...loaded.value.functions);
  }
  return { ok: true, specs };
}
