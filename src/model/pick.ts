import { fail, ok, type Outcome } from './outcome';
import type { FunctionSpec, LoadedFile } from './types';

/** How a function is named to pick it: `key (deployed-name)` for multi-scf, else the deployed name. */
export function functionLabel(f: FunctionSpec): string {
  return f.functionKey !== undefined && f.functionKey !== f.name ? `${f.functionKey} (${f.name})` : f.name;
}

/**
 * Picks one function from a file that may define several: by the SCF (deployed) name, the multi-scf
 * key, or the component instance name. Without a name, a file of one function gives that one; several
 * are an error listing them (as the SCF CLI's "You must provide a function identifier").
 */
export function pickFunction(functions: FunctionSpec[], name: string | undefined, loaded?: Pick<LoadedFile, 'unchecked' | 'layers'>): Outcome<FunctionSpec> {
  const names = functions.map(functionLabel).join(', ');
  if (name !== undefined) {
    const spec = functions.find((f) => f.name === name) ?? functions.find((f) => f.functionKey === name) ?? functions.find((f) => f.instanceName === name && f.functionKey === undefined);
    if (spec) return ok(spec);
    return fail('model.functionNotFound', functions.length ? `no function named "${name}"; the file defines: ${names}` : `no function named "${name}": ${noFunctions(loaded)}`);
  }
  if (functions.length === 1) return ok(functions[0]!);
  if (functions.length === 0) return fail('model.noFunctions', noFunctions(loaded));
  return fail('model.functionRequired', `the file defines ${functions.length} functions; pick one with --function NAME: ${names}`);
}

function noFunctions(loaded: Pick<LoadedFile, 'unchecked' | 'layers'> | undefined): string {
  const parts = [
    ...(loaded?.layers ?? []).map((l) => `layer ${l.name} (component: layer)`),
    ...(loaded?.unchecked ?? []).map((u) => `${u.instanceName} (component: ${u.component}, which SCF Toolkit does not run)`),
  ];
  return `the file defines no functions${parts.length ? `, only ${parts.join(', ')}` : ''}; functions come from the scf, multi-scf and http components`;
}
