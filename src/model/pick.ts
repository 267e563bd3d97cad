import type { FunctionSpec } from './types';

/** Picks one function from a file that may define several; by SCF name or component instance name. */
export function pickFunction(functions: FunctionSpec[], name: string | undefined): { ok: true; spec: FunctionSpec } | { ok: false; message: string } {
  if (name !== undefined) {
    const spec = functions.find((f) => f.name === name || f.instanceName === name);
    if (spec) return { ok: true, spec };
    return { ok: false, message: `no function named "${name}"; the file defines: ${functions.map((f) => f.name).join(', ')}` };
  }
  if (functions.length === 1) return { ok: true, spec: functions[0]! };
  return { ok: false, message: `the file defines ${functions.length} functions; pick one with --function NAME: ${functions.map((f) => f.name).join(', ')}` };
}
