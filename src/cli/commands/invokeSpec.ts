/**
 * The part of `scf-toolkit invoke` that reads serverless.yml: the model, the YAML library and the
 * checks behind them. A bundle of its own (dist/cli-invoke-spec.js, scripts/build.mjs), loaded only
 * when the resolved invoke of the last run cannot be reused (src/cli/invokeCache.ts).
 */
import { loadServerlessFile, pickFunction } from '../../model';
import { fail, ok, type Outcome } from '../../model/outcome';
import { recordingInputs, type Input, type ResolvedInvoke } from '../invokeCache';

export interface SpecRequest {
  /** serverless.yml or its folder, absolute. */
  target: string;
  /** The argument as given, for messages. */
  given: string;
  env: NodeJS.ProcessEnv;
  stage?: string;
  functionName?: string;
  layerFolders?: Record<string, string>;
}

/** Loads the function to invoke, with the inputs it was computed from (undefined: not replayable). */
export function resolveSpec(request: SpecRequest): { resolved: Outcome<ResolvedInvoke>; inputs: Input[] | undefined } {
  const { value, inputs } = recordingInputs(request.env, (env) => {
    const loaded = loadServerlessFile(request.target, { env, stage: request.stage, layerFolders: request.layerFolders });
    if (!loaded.ok) return fail(loaded.error.code, loaded.error.message);
    const picked = pickFunction(loaded.value.functions, request.functionName, loaded.value);
    if (!picked.ok) return fail(picked.error.code, `${loaded.value.functions[0]?.file ?? request.given}: ${picked.error.message}`);
    const spec = picked.value;
    const warnings = loaded.value.warnings.map((w) => `warning: ${spec.file}${w.range ? `:${w.range.line + 1}` : ''}: ${w.message}`);
    return ok({ spec, warnings });
  });
  return { resolved: value, inputs: value.ok ? inputs : undefined };
}
