/**
 * Reading one function's settings into a FunctionSpec, shared by the components that describe
 * functions: `scf` (its `inputs`), `multi-scf` (a function's own mapping over the shared `inputs`) and
 * `http` (`inputs.faas`). Each reads the same keys through an InputsView; what differs per component
 * (defaults, the name rule, where `src` is) comes in as FunctionDefaults.
 */
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, type LineCounter, type Node as YamlNode, type YAMLMap } from 'yaml';
import type { AppContext } from './app';
import { interpolate, type InterpolationContext } from './interpolate';
import { readLayerBindings } from './layers';
import { rangeOf } from './positions';
import type { Failure, Outcome } from './outcome';
import { type FunctionSpec, type ModelError, type ModelWarning, type SourceRange, type TriggerSpec } from './types';

/** Where a function's keys are read from: the first mapping that has the key wins. */
export class InputsView {
  constructor(private readonly maps: YAMLMap[]) {}

  /** A scalar's value, or the node of a mapping / list (as `YAMLMap.get`). */
  get(key: string): unknown {
    for (const m of this.maps) if (m.has(key)) return m.get(key);
    return undefined;
  }

  node(key: string): YamlNode | undefined {
    for (const m of this.maps) if (m.has(key)) return m.get(key, true) as YamlNode | undefined;
    return undefined;
  }

  has(key: string): boolean {
    return this.maps.some((m) => m.has(key));
  }
}

export interface BuildContext {
  lines: LineCounter;
  file: string;
  dir: string;
  dotEnv: Record<string, string>;
  warnings: ModelWarning[];
  ictx: InterpolationContext;
  /** Where `layers` resolve (the `scf.layers` setting: layer name -> folder); see layers.ts. */
  layerFolders?: Record<string, string>;
  /** The app's other component instances (outputs, layer folders). */
  app?: AppContext;
}

export type Built<T> = Outcome<T, ModelError>;

export function modelError(ctx: BuildContext, code: string, message: string, node?: unknown): Failure<ModelError> {
  const range = rangeOf(ctx.lines, node as YamlNode);
  return { ok: false, error: { code, file: ctx.file, range, message: `${ctx.file}${range ? `:${range.line + 1}:${range.column + 1}` : ''}: ${message}` } };
}

/** A value's text with the framework's variables resolved; what cannot be resolved is a warning. */
export function resolvedText(ctx: BuildContext, value: unknown, node?: unknown): string | undefined {
  const raw = asText(value);
  if (raw === undefined) return undefined;
  const r = interpolate(raw, ctx.ictx);
  for (const p of r.problems) {
    ctx.warnings.push({ code: 'model.unresolvedVariable', message: `${p.text} cannot be resolved locally (${p.reason}); the value is used as written`, range: rangeOf(ctx.lines, node as YamlNode) });
  }
  return r.value;
}

/** Per-component defaults and rules. */
export interface FunctionDefaults {
  component: NonNullable<FunctionSpec['component']>;
  instanceName: string;
  app: string;
  stage: string;
  /** The deployed name when `name` is not set. */
  defaultName: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  initTimeout: number;
  /** Forced type (http: always web). */
  type?: 'event' | 'web';
  /** The code folder, when the component decides it (multi-scf: inputs.src joined with the function's src). */
  codeDir?: { dir: string; exclude: string[]; include: string[] };
  /** multi-scf and http take `environments: [{key, value}]` (and the scf form `environment.variables`). */
  environmentsList: boolean;
  /** The key whose node is the function's declaration (for ranges). */
  declaration: YamlNode | unknown;
  functionKey?: string;
  /** Extra environment variables the component always sets (http: SERVERLESS=1). */
  fixedEnvironment?: Record<string, string>;
}

export function buildFunctionSpec(view: InputsView, defaults: FunctionDefaults, ctx: BuildContext): Built<FunctionSpec> {
  const err = (code: string, message: string, node?: unknown) => modelError(ctx, code, message, node);
  const text = (value: unknown, node?: unknown) => resolvedText(ctx, value, node);

  let codeDir: string;
  let srcExclude: string[] = [];
  let srcInclude: string[] = [];
  if (defaults.codeDir) {
    codeDir = defaults.codeDir.dir;
    srcExclude = [...defaults.codeDir.exclude];
    srcInclude = [...defaults.codeDir.include];
  } else {
    const src = readSrc(view, ctx);
    if (!src.ok) return src;
    ({ dir: codeDir, exclude: srcExclude, include: srcInclude } = src.value);
  }

  const num = (key: string, fallback: number, alias?: string): Built<number> => {
    const k = alias !== undefined && !view.has(key) && view.has(alias) ? alias : key;
    const raw = view.get(k);
    if (raw === undefined || raw === null) return { ok: true, value: fallback };
    const asString = typeof raw === 'string' ? text(raw, view.node(k)) : undefined;
    const value = typeof raw === 'number' ? raw : asString !== undefined && asString.trim() !== '' ? Number(asString) : NaN;
    if (!Number.isFinite(value)) return err('model.notANumber', `\`${k}\` must be a number, got ${JSON.stringify(raw)}`, view.node(k));
    return { ok: true, value };
  };
  const memorySize = num('memorySize', defaults.memorySize);
  if (!memorySize.ok) return memorySize;
  const timeout = num('timeout', defaults.timeout);
  if (!timeout.ok) return timeout;
  const initTimeout = num('initTimeout', defaults.initTimeout);
  if (!initTimeout.ok) return initTimeout;
  // multi-scf spells it retryNum (its docs/configure.md); scf retryNumber.
  const hasRetry = view.get('retryNumber') !== undefined || view.get('retryNum') !== undefined;
  const retryNumber = hasRetry ? num('retryNumber', 2, 'retryNum') : undefined;
  if (retryNumber && !retryNumber.ok) return retryNumber;
  const msgTTL = view.get('msgTTL') === undefined ? undefined : num('msgTTL', 21600);
  if (msgTTL && !msgTTL.ok) return msgTTL;

  const typeText = defaults.type ?? text(view.get('type'), view.node('type')) ?? 'event';
  if (typeText !== 'event' && typeText !== 'web') return err('model.badType', `\`type\` must be "event" or "web", got "${typeText}"`, view.node('type'));

  const environment = readEnvironment(view, defaults.environmentsList, ctx);
  if (!environment.ok) return environment;
  Object.assign(environment.value, defaults.fixedEnvironment ?? {});

  const platform = text(view.get('platform'), view.node('platform')) ?? 'scf';
  if (platform !== 'scf' && platform !== 'functiongraph') {
    return err('model.badPlatform', `\`platform\` must be "scf" (the default) or "functiongraph", got "${platform}"`, view.node('platform'));
  }

  let deadLetter: FunctionSpec['deadLetter'];
  const dlNode = view.node('deadLetter');
  if (isMap(dlNode)) {
    const type = text(dlNode.get('type'), dlNode.get('type', true));
    const name = text(dlNode.get('name'), dlNode.get('name', true));
    if (type && name) deadLetter = { type, name, filterType: text(dlNode.get('filterType')) };
  }

  const layers = readLayerBindings(view.node('layers'), ctx);

  const spec: FunctionSpec = {
    file: ctx.file,
    instanceName: defaults.instanceName,
    app: defaults.app,
    stage: defaults.stage,
    name: text(view.get('name'), view.node('name')) ?? defaults.defaultName,
    namespace: text(view.get('namespace'), view.node('namespace')) ?? 'default',
    region: text(view.get('region'), view.node('region')) ?? 'ap-guangzhou',
    codeDir,
    srcExclude,
    srcInclude,
    type: typeText,
    handler: typeText === 'web' ? undefined : text(view.get('handler'), view.node('handler')),
    runtime: text(view.get('runtime'), view.node('runtime')) ?? defaults.runtime,
    memorySize: memorySize.value,
    timeout: timeout.value,
    initTimeout: initTimeout.value,
    description: text(view.get('description'), view.node('description')),
    environment: environment.value,
    retryNumber: retryNumber?.value,
    msgTTL: msgTTL?.value,
    asyncRunEnable: asBool(view.get('asyncRunEnable')),
    deadLetter,
    events: readEvents(view.node('events'), ctx.lines),
    platform,
    initializer: text(view.get('initializer'), view.node('initializer')),
    range: rangeOf(ctx.lines, defaults.declaration as YamlNode),
    component: defaults.component,
    ...(defaults.functionKey !== undefined ? { functionKey: defaults.functionKey } : {}),
    ...(layers.length ? { layers } : {}),
  };
  const entryFile = typeText === 'web' ? text(view.get('entryFile'), view.node('entryFile')) : undefined;
  if (entryFile) spec.entryFile = entryFile;
  const inputRanges: NonNullable<FunctionSpec['inputRanges']> = {};
  for (const [key, node] of [['runtime', view.node('runtime')], ['src', view.node('src') ?? view.node('codeUri')]] as const) {
    const range = node === undefined || node === null ? undefined : rangeOf(ctx.lines, node as YamlNode);
    if (range) inputRanges[key] = range;
  }
  if (view.node('src') == null && view.node('codeUri') != null) inputRanges.srcKey = 'inputs.codeUri';
  if (Object.keys(inputRanges).length) spec.inputRanges = inputRanges;
  return { ok: true, value: spec };
}

/** `src`: a string, or {src, exclude, include}; the older scf component called it codeUri. */
export function readSrc(view: InputsView, ctx: BuildContext, base = ctx.dir): Built<{ dir: string; exclude: string[]; include: string[] }> {
  let srcValue: unknown = view.get('src') ?? view.get('codeUri');
  let exclude: string[] = [];
  let include: string[] = [];
  const srcNode = view.node('src') ?? view.node('codeUri');
  if (isMap(srcNode)) {
    srcValue = srcNode.get('src');
    exclude = stringList(srcNode.get('exclude'));
    include = stringList(srcNode.get('include'));
    if (srcValue === undefined && (srcNode.has('bucket') || srcNode.has('object'))) {
      return modelError(ctx, 'model.srcInCos', '`src` points at a COS bucket/object; local invoke needs the code on disk: set `src.src` to the code folder', srcNode);
    }
  } else if (srcNode !== undefined && srcNode !== null && !isScalar(srcNode)) {
    return modelError(ctx, 'model.badSrc', '`src` must be a folder path or a mapping with `src`, `exclude` and `include`', srcNode);
  }
  exclude.push(...stringList(view.get('exclude')));
  include.push(...stringList(view.get('include')));
  const srcText = resolvedText(ctx, srcValue, srcNode) ?? './';
  return { ok: true, value: { dir: resolve(base, srcText), exclude, include } };
}

/**
 * Environment variables: `environment: { variables: {K: v} }` (scf), or `environments: [{key, value}]`
 * (multi-scf, http). When both are there the list wins, as multi-scf's formatFaasInputs does.
 */
function readEnvironment(view: InputsView, listForm: boolean, ctx: BuildContext): Built<Record<string, string>> {
  const environment: Record<string, string> = {};
  const listNode = listForm ? view.node('environments') : undefined;
  if (listNode !== undefined && listNode !== null) {
    if (!isSeq(listNode)) return modelError(ctx, 'model.badEnvironment', '`environments` must be a list of `{ key: NAME, value: text }`', listNode);
    for (const item of listNode.items) {
      if (!isMap(item)) continue;
      const key = asText(item.get('key'));
      if (key === undefined) continue;
      const value = item.get('value');
      environment[key] = value === null || value === undefined ? '' : (resolvedText(ctx, isScalar(value) ? value.value : value, item.get('value', true)) ?? '');
    }
    return { ok: true, value: environment };
  }
  const envNode = view.node('environment');
  if (envNode === undefined || envNode === null) return { ok: true, value: environment };
  const variables = isMap(envNode) ? envNode.get('variables', true) : undefined;
  if (!isMap(envNode) || (variables !== undefined && variables !== null && !isMap(variables))) {
    return modelError(ctx, 'model.badEnvironment', '`environment` must be `environment: { variables: { KEY: value } }`', envNode);
  }
  if (isMap(variables)) {
    for (const pair of variables.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      const value = isScalar(pair.value) ? pair.value.value : pair.value;
      if (value !== null && typeof value === 'object') return modelError(ctx, 'model.badEnvironmentValue', `environment variable ${key} must be a string, number or boolean`, pair.value);
      environment[key] = value === null || value === undefined ? '' : (resolvedText(ctx, String(value), pair.value) ?? '');
    }
  }
  return { ok: true, value: environment };
}

/** The scf component's `events: [{ <kind>: { name, parameters } }]`. */
export function readEvents(eventsNode: unknown, lines: LineCounter): TriggerSpec[] {
  const events: TriggerSpec[] = [];
  if (!isSeq(eventsNode)) return events;
  for (const item of eventsNode.items) {
    if (!isMap(item) || item.items.length === 0) continue;
    const first = item.items[0]!;
    const kind = isScalar(first.key) ? String(first.key.value) : '';
    const body = (first.value && isMap(first.value) ? first.value.toJSON() : {}) as Record<string, unknown>;
    const parameters = (body.parameters && typeof body.parameters === 'object' ? body.parameters : {}) as Record<string, unknown>;
    events.push({ kind, name: asText(body.name), parameters, range: rangeOf(lines, item as YamlNode) });
  }
  return events;
}

export function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function asBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = isSeq(value) ? value.toJSON() : Array.isArray(value) ? value : [value];
  return (items as unknown[]).map((v) => asText(v)).filter((v): v is string => v !== undefined);
}

export function rangeOfNode(lines: LineCounter, node: unknown): SourceRange | undefined {
  return rangeOf(lines, node as YamlNode);
}
