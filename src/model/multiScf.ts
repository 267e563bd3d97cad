/**
 * The `multi-scf` component: several functions and their triggers in one instance
 * (serverless-components/tencent-multi-scf, docs/configure.md and src/formatter.ts):
 * - `inputs.functions` maps a key to a function (or is a list of functions with `name`); a function's
 *   own keys replace the shared `inputs` keys one by one (Object.assign of the shared inputs and the
 *   function, formatInputs), so a function's `environments` replaces the shared list, it is not merged;
 * - the deployed name is the function's `name`, else `${name}-${stage}-${app}-${key}` (formatScfName);
 * - a function's `src` is a folder inside `inputs.src` (the component zips `inputs.src` and cuts the
 *   function's folder out of it); without one the function's code is all of `inputs.src`;
 * - `inputs.triggers`: `{ type, function: <key>, parameters }`; an apigw trigger has no `function` but
 *   `parameters.apis`, each naming its function (formatTriggerInputs); a key that names no function
 *   stops the deploy ("Function <key> not in deploy list");
 * - defaults (src/config.ts): runtime Nodejs12.16, type event, region ap-guangzhou, namespace default,
 *   memorySize 128, timeout 3 (docs/configure.md).
 */
import { join } from 'node:path';
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { asText, buildFunctionSpec, InputsView, modelError, readSrc, resolvedText, type BuildContext, type Built } from './functionInputs';
import { rangeOf } from './positions';
import type { FunctionSpec, TriggerSpec } from './types';

export const MULTI_SCF_DEFAULTS = { runtime: 'Nodejs12.16', memorySize: 128, timeout: 3, initTimeout: 65 } as const;

/** Keys of `inputs` that are the component's own, not shared function settings. */
const INSTANCE_KEYS = new Set(['src', 'functions', 'triggers', 'ignoreTriggers', 'isAutoPublish', 'publishDescription']);

export interface Ids {
  instanceName: string;
  app: string;
  stage: string;
}

/** The functions of `inputs.functions`: [key, mapping, the node to point at]. */
export function multiScfFunctions(inputs: YAMLMap): Array<{ key: string; map: YAMLMap; at: YamlNode | Pair }> {
  const fns = inputs.get('functions', true);
  const out: Array<{ key: string; map: YAMLMap; at: YamlNode | Pair }> = [];
  if (isMap(fns)) {
    for (const pair of fns.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && isMap(pair.value)) out.push({ key, map: pair.value, at: pair });
    }
  } else if (isSeq(fns)) {
    // The list form: each function names itself (faasKeyMap is keyed by name then).
    for (const item of fns.items) {
      if (!isMap(item)) continue;
      const key = asText(item.get('name')) ?? asText(item.get('key'));
      if (key !== undefined) out.push({ key, map: item, at: item as YamlNode });
    }
  }
  return out;
}

export function buildMultiScf(inputs: YAMLMap, ids: Ids, ctx: BuildContext): Built<FunctionSpec[]> {
  const shared = new InputsView([inputs]);
  const src = readSrc(shared, ctx);
  if (!src.ok) return src;
  const fnNode = inputs.get('functions', true);
  if (fnNode !== undefined && fnNode !== null && !isMap(fnNode) && !isSeq(fnNode)) {
    return modelError(ctx, 'model.badFunctions', '`functions` maps each function key to its settings, e.g. `functions: { index: { handler: app.index } }`', fnNode);
  }
  const functions = multiScfFunctions(inputs);
  const specs: FunctionSpec[] = [];
  for (const fn of functions) {
    // Shared keys that are the component's own (src, triggers ...) are not function settings.
    const view = new InputsView([fn.map, withoutKeys(inputs, INSTANCE_KEYS)]);
    const ownSrc = resolvedText(ctx, fn.map.get('src'), fn.map.get('src', true));
    const codeDir = ownSrc ? join(src.value.dir, ownSrc) : src.value.dir;
    const built = buildFunctionSpec(
      view,
      {
        component: 'multi-scf',
        ...ids,
        defaultName: `${ids.instanceName}-${ids.stage}-${ids.app}-${fn.key}`,
        ...MULTI_SCF_DEFAULTS,
        codeDir: { dir: codeDir, exclude: ownSrc ? [] : src.value.exclude, include: ownSrc ? [] : src.value.include },
        environmentsList: true,
        declaration: fn.at,
        functionKey: fn.key,
      },
      ctx,
    );
    if (!built.ok) return built;
    specs.push(built.value);
  }
  attachTriggers(inputs, specs, ctx);
  return { ok: true, value: specs };
}

/** A read-only copy of a mapping without some keys (the shared settings of the functions). */
function withoutKeys(map: YAMLMap, keys: ReadonlySet<string>): YAMLMap {
  const copy = map.clone() as YAMLMap;
  copy.items = copy.items.filter((p) => !(isScalar(p.key) && keys.has(String(p.key.value))));
  return copy;
}

/**
 * `inputs.triggers` onto the functions they name, as the scf component's `events` would be: an apigw
 * trigger becomes one apigw trigger per function, with that function's `apis` as `endpoints`.
 */
function attachTriggers(inputs: YAMLMap, specs: FunctionSpec[], ctx: BuildContext): void {
  const triggers = inputs.get('triggers', true);
  if (!isSeq(triggers)) return;
  const byKey = new Map(specs.map((s) => [s.functionKey!, s]));
  for (const item of triggers.items) {
    if (!isMap(item)) continue;
    const kind = asText(item.get('type'));
    if (!kind) continue;
    const paramsNode = item.get('parameters', true);
    const parameters = (isMap(paramsNode) ? paramsNode.toJSON() : {}) as Record<string, unknown>;
    const range = rangeOf(ctx.lines, item as YamlNode);
    if (kind === 'apigw') {
      const apis = Array.isArray(parameters.apis) ? (parameters.apis as Array<Record<string, unknown>>) : [];
      const { apis: _apis, ...service } = parameters;
      const perFunction = new Map<string, Array<Record<string, unknown>>>();
      for (const api of apis) {
        const key = functionKeyOf(api.function) ?? functionKeyOf(item.get('function'));
        if (key === undefined || !byKey.has(key)) continue; // reported by the validator
        const list = perFunction.get(key) ?? [];
        list.push({ ...api, function: { ...(typeof api.function === 'object' && api.function ? api.function : {}) } });
        perFunction.set(key, list);
      }
      for (const [key, endpoints] of perFunction) {
        const t: TriggerSpec = { kind, name: asText(service.serviceName) ?? asText(service.name), parameters: { ...service, endpoints }, range };
        byKey.get(key)!.events.push(t);
      }
      continue;
    }
    const key = functionKeyOf(item.get('function'));
    const spec = key === undefined ? undefined : byKey.get(key);
    if (!spec) continue; // reported by the validator
    spec.events.push({ kind, name: asText(parameters.name), parameters, range });
  }
}

/** A trigger's `function`: the key, or `{ name }` (the component's TriggerFunctionConfig). */
export function functionKeyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isMap(value)) return asText(value.get('name')) ?? asText(value.get('functionName'));
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return asText(v.name) ?? asText(v.functionName);
  }
  return undefined;
}
