/**
 * TCSAM `template.yaml`: the function description of the older SCF CLI (Tencent Cloud Serverless
 * Application Model, version 2018-11-11), read into the same FunctionSpec model as serverless.yml.
 *
 *   Globals:
 *     Function: { Timeout: 10, Environment: { Variables: {...} } }   # defaults for every function
 *   Resources:
 *     <namespace>:
 *       Type: TencentCloud::Serverless::Namespace
 *       <function>:
 *         Type: TencentCloud::Serverless::Function
 *         Properties: { CodeUri, Handler, Runtime, MemorySize, Timeout, Environment, Events, ... }
 *
 * Each function is also turned into the `inputs` of an equivalent scf component instance (the shape
 * serverless.yml uses), which the model and the converter (./convert.ts) share, so what we invoke is
 * exactly what a conversion writes. Triggers become the component's `events` entries.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, relative, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, type YAMLMap, type Node as YamlNode, type Pair } from 'yaml';
import { rangeOf } from './positions';
import { yamlErrorSpan, yamlErrorText } from './yamlErrors';
import { parseBoundedDocument } from './yamlLimits';
import { fail as failWith, ok, type Outcome } from './outcome';
import { DEFAULTS, type FunctionSpec, type LoadResult, type ModelError, type ModelWarning, type SourceRange, type TriggerSpec } from './types';

export { isTcsamText, TCSAM_FILE_NAMES } from './tcsamDetect';
export const TCSAM_FUNCTION_TYPE = 'TencentCloud::Serverless::Function';
export const TCSAM_NAMESPACE_TYPE = 'TencentCloud::Serverless::Namespace';

/** Whether a YAML text is a TCSAM template (names a TencentCloud::Serverless resource type). */

/** One trigger as the scf component writes it: `{ <kind>: { name, parameters } }`. */
export interface ComponentTrigger {
  kind: string;
  name: string;
  parameters: Record<string, unknown>;
}

/** One function of a template: its spec, and the scf component `inputs` it converts to. */
export interface TcsamFunction {
  spec: FunctionSpec;
  inputs: Record<string, unknown>;
  triggers: ComponentTrigger[];
}

export type TcsamRead = Outcome<{ functions: TcsamFunction[]; warnings: ModelWarning[] }, ModelError>;

export interface TcsamOptions {
  stage?: string;
}

export function parseTcsam(text: string, file: string, options: TcsamOptions = {}): LoadResult {
  const read = readTcsam(text, file, options);
  if (!read.ok) return read;
  return ok({ functions: read.value.functions.map((f) => f.spec), layers: [], unchecked: [], warnings: read.value.warnings });
}

export function readTcsam(text: string, file: string, options: TcsamOptions = {}): TcsamRead {
  const lines = new LineCounter();
  const fail = (code: string, message: string, node?: YamlNode | Pair | null): TcsamRead => {
    const range = rangeOf(lines, node ?? undefined);
    return { ok: false, error: { code, file, range, message: `${file}${range ? `:${range.line + 1}:${range.column + 1}` : ''}: ${message}` } };
  };
  const bounded = parseBoundedDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (!bounded.ok) {
    const p = lines.linePos(bounded.error.start);
    const range: SourceRange = { line: p.line - 1, column: p.col - 1, endLine: p.line - 1, endColumn: p.col - 1 };
    return { ok: false, error: { code: 'model.yamlLimit', file, range, message: `${file}:${p.line}:${p.col}: ${bounded.error.message}` } };
  }
  const doc = bounded.doc;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lines.linePos(yamlErrorSpan(text, e).start);
    const range: SourceRange = { line: p.line - 1, column: p.col - 1, endLine: p.line - 1, endColumn: p.col - 1 };
    return { ok: false, error: { code: 'model.yamlSyntax', file, range, message: `${file}:${p.line}:${p.col}: YAML syntax error: ${yamlErrorText(e, text)}` } };
  }
  const top = doc.contents;
  if (!isMap(top)) return fail('model.notAMapping', 'a TCSAM template is a YAML mapping with `Resources:`');
  const resources = top.get('Resources', true);
  if (!isMap(resources)) return fail('tcsam.noResources', '`Resources` must map namespace names to `Type: TencentCloud::Serverless::Namespace` entries', top.items.find((p) => keyOf(p) === 'Resources') ?? null);

  const globalsNode = top.get('Globals', true);
  const globalFn = isMap(globalsNode) ? globalsNode.get('Function', true) : undefined;
  const globals = isMap(globalFn) ? (globalFn.toJSON() as Record<string, unknown>) : {};
  const globalNode = (key: string): YamlNode | undefined => (isMap(globalFn) ? (globalFn.get(key, true) as YamlNode | undefined) : undefined);

  const warnings: ModelWarning[] = [];
  const functions: TcsamFunction[] = [];
  const dir = dirname(file);
  const addFunction = (pair: Pair, namespace: string): TcsamRead | undefined => {
    const built = buildFunction(pair, namespace, { file, dir, lines, globals, globalNode, warnings, stage: options.stage });
    if (!built.ok) return built;
    functions.push(built.value);
    return undefined;
  };
  for (const pair of resources.items) {
    const key = keyOf(pair);
    if (key === undefined || !isMap(pair.value)) continue;
    const type = pair.value.get('Type');
    if (type === TCSAM_NAMESPACE_TYPE) {
      for (const inner of pair.value.items) {
        if (keyOf(inner) === 'Type' || !isMap(inner.value)) continue;
        const innerType = inner.value.get('Type');
        if (innerType !== TCSAM_FUNCTION_TYPE) {
          if (typeof innerType === 'string') continue; // other resource types (e.g. an API) are not functions
          return fail('tcsam.noType', `"${keyOf(inner)}" has no \`Type\`; a function is \`Type: ${TCSAM_FUNCTION_TYPE}\``, inner);
        }
        const failed = addFunction(inner, key);
        if (failed) return failed;
      }
    } else if (type === TCSAM_FUNCTION_TYPE) {
      // A function straight under Resources belongs to the default namespace.
      const failed = addFunction(pair, DEFAULTS.namespace);
      if (failed) return failed;
    }
  }
  if (functions.length === 0) {
    return fail('tcsam.noFunctions', `no functions: put \`<function>: {Type: ${TCSAM_FUNCTION_TYPE}, Properties: {...}}\` under a \`Type: ${TCSAM_NAMESPACE_TYPE}\` entry of Resources`, top.items.find((p) => keyOf(p) === 'Resources') ?? null);
  }
  const seen = new Map<string, TcsamFunction>();
  for (const f of functions) {
    const other = seen.get(f.spec.name);
    if (other) {
      warnings.push({
        code: 'tcsam.duplicateFunction',
        message: `${f.spec.name} is defined in namespaces ${other.spec.namespace} and ${f.spec.namespace}; --function ${f.spec.name} picks the first`,
        range: f.spec.range,
      });
    } else seen.set(f.spec.name, f);
  }
  return ok({ functions, warnings });
}

interface BuildContext {
  file: string;
  dir: string;
  lines: LineCounter;
  globals: Record<string, unknown>;
  /** A property of Globals.Function as written (where it is). */
  globalNode: (key: string) => YamlNode | undefined;
  warnings: ModelWarning[];
  stage?: string;
}

function buildFunction(pair: Pair, namespace: string, ctx: BuildContext): Outcome<TcsamFunction, ModelError> {
  const { lines, file } = ctx;
  const name = keyOf(pair)!;
  const map = pair.value as YAMLMap;
  const propsNode = map.get('Properties', true);
  const err = (code: string, message: string, node?: unknown) => {
    const range = rangeOf(lines, (node as YamlNode | undefined) ?? pair);
    return { ok: false as const, error: { code, file, range, message: `${file}${range ? `:${range.line + 1}:${range.column + 1}` : ''}: ${name}: ${message}` } };
  };
  if (propsNode !== undefined && propsNode !== null && !isMap(propsNode)) return err('tcsam.badProperties', '`Properties` must be a mapping (Handler, Runtime, CodeUri ...)', propsNode);
  const own = isMap(propsNode) ? (propsNode.toJSON() as Record<string, unknown>) : {};
  const props: Record<string, unknown> = { ...ctx.globals, ...own };
  const propNode = (key: string): YamlNode | undefined => (isMap(propsNode) ? (propsNode.get(key, true) as YamlNode | undefined) : undefined);

  // Environment: the function's variables over the global ones.
  const envOf = (v: unknown): Record<string, unknown> => {
    const vars = v && typeof v === 'object' ? (v as Record<string, unknown>).Variables : undefined;
    return vars && typeof vars === 'object' && !Array.isArray(vars) ? (vars as Record<string, unknown>) : {};
  };
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...envOf(ctx.globals.Environment), ...envOf(own.Environment) })) {
    if (v !== null && typeof v === 'object') return err('tcsam.badEnvironmentValue', `environment variable ${k} must be a string, number or boolean`, propNode('Environment'));
    environment[k] = v === null || v === undefined ? '' : String(v);
  }

  // CodeUri: a folder (relative to the template), or a single file; zips and COS objects cannot run locally.
  const codeUri = props.CodeUri ?? './';
  if (typeof codeUri !== 'string') {
    return err('tcsam.codeUriInCos', '`CodeUri` points at a COS object; local invoke needs the code on disk: set `CodeUri` to the code folder', propNode('CodeUri'));
  }
  if (extname(codeUri).toLowerCase() === '.zip' || extname(codeUri).toLowerCase() === '.jar') {
    return err('tcsam.codeUriZip', `\`CodeUri\` is the package ${codeUri}; local invoke needs the code unpacked: unzip it and set \`CodeUri\` to that folder`, propNode('CodeUri'));
  }
  let src = codeUri;
  let codeDir = resolve(ctx.dir, codeUri);
  if (existsSync(codeDir) && statSync(codeDir).isFile()) {
    codeDir = dirname(codeDir);
    src = relativeSrc(ctx.dir, codeDir);
    ctx.warnings.push({ code: 'tcsam.codeUriFile', message: `${name}: CodeUri is the file ${codeUri}; its folder ${src} is used as the code folder`, range: rangeOf(lines, propNode('CodeUri')) });
  }

  const number = (key: string, fallback: number): Outcome<number, ModelError> => {
    const raw = props[key];
    if (raw === undefined || raw === null) return ok(fallback);
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(value)) return err('model.notANumber', `\`${key}\` must be a number, got ${JSON.stringify(raw)}`, propNode(key));
    return ok(value);
  };
  const memorySize = number('MemorySize', DEFAULTS.memorySize);
  if (!memorySize.ok) return memorySize;
  const timeout = number('Timeout', DEFAULTS.timeout);
  if (!timeout.ok) return timeout;
  const initTimeout = number('InitTimeout', DEFAULTS.initTimeout);
  if (!initTimeout.ok) return initTimeout;

  const typeText = typeof props.Type === 'string' ? props.Type.toLowerCase() : 'event';
  if (typeText !== 'event' && typeText !== 'http' && typeText !== 'web') return err('tcsam.badType', `\`Type\` must be Event or HTTP, got "${String(props.Type)}"`, propNode('Type'));
  const type = typeText === 'event' ? 'event' : 'web';
  const runtime = typeof props.Runtime === 'string' ? props.Runtime : DEFAULTS.runtime;
  const handler = type === 'event' && props.Handler !== undefined && props.Handler !== null ? String(props.Handler) : undefined;
  const description = typeof props.Description === 'string' ? props.Description : undefined;

  // Events: under Properties (as `scf init` writes them) or beside it (as the specification's example does).
  const eventsNode = (propNode('Events') ?? map.get('Events', true)) as YamlNode | undefined;
  const triggers: ComponentTrigger[] = [];
  const events: TriggerSpec[] = [];
  if (isMap(eventsNode)) {
    for (const ev of eventsNode.items) {
      const trigger = convertTrigger(keyOf(ev) ?? 'trigger', isMap(ev.value) ? (ev.value.toJSON() as Record<string, unknown>) : {}, name);
      if (!trigger.ok) {
        ctx.warnings.push({ code: trigger.error.code, message: trigger.error.message, range: rangeOf(lines, ev) });
        continue;
      }
      const { trigger: t, warnings } = trigger.value;
      for (const w of warnings) ctx.warnings.push({ code: 'tcsam.trigger', message: w, range: rangeOf(lines, ev) });
      triggers.push(t);
      events.push({ kind: t.kind, name: t.name, parameters: t.parameters, range: rangeOf(lines, ev) });
    }
  }

  const inputs: Record<string, unknown> = { name, namespace, src, type };
  if (handler !== undefined) inputs.handler = handler;
  inputs.runtime = runtime;
  inputs.region = DEFAULTS.region;
  if (description !== undefined) inputs.description = description;
  inputs.memorySize = memorySize.value;
  inputs.timeout = timeout.value;
  if (props.InitTimeout !== undefined) inputs.initTimeout = initTimeout.value;
  if (Object.keys(environment).length > 0) inputs.environment = { variables: environment };
  const vpc = props.VpcConfig as Record<string, unknown> | undefined;
  if (vpc && typeof vpc === 'object' && (vpc.VpcId || vpc.SubnetId)) inputs.vpcConfig = { vpcId: vpc.VpcId, subnetId: vpc.SubnetId };
  if (typeof props.Role === 'string') inputs.role = props.Role;
  if (triggers.length > 0) inputs.events = triggers.map((t) => ({ [t.kind]: { name: t.name, parameters: t.parameters } }));

  const spec: FunctionSpec = {
    file,
    instanceName: name,
    app: name,
    stage: ctx.stage ?? DEFAULTS.stage,
    name,
    namespace,
    region: DEFAULTS.region,
    codeDir,
    srcExclude: [],
    srcInclude: [],
    type,
    handler,
    runtime,
    memorySize: memorySize.value,
    timeout: timeout.value,
    initTimeout: initTimeout.value,
    description,
    environment,
    events,
    range: rangeOf(lines, pair),
  };
  // (a property the function's own Properties leave out comes from Globals.Function)
  const written = (key: string) => rangeOf(lines, propNode(key) ?? ctx.globalNode(key));
  const runtimeAt = written('Runtime');
  const srcAt = written('CodeUri');
  spec.inputRanges = { srcKey: 'CodeUri', ...(runtimeAt ? { runtime: runtimeAt } : {}), ...(srcAt ? { src: srcAt } : {}) };
  return ok({ spec, inputs, triggers });
}

/** A TCSAM event source -> the scf component's trigger (same settings, the component's names). */
export function convertTrigger(
  name: string,
  source: Record<string, unknown>,
  functionName: string,
): Outcome<{ trigger: ComponentTrigger; warnings: string[] }> {
  const type = typeof source.Type === 'string' ? source.Type.toLowerCase() : '';
  const p = (source.Properties && typeof source.Properties === 'object' ? source.Properties : {}) as Record<string, unknown>;
  const warnings: string[] = [];
  const withEnable = (params: Record<string, unknown>) => (typeof p.Enable === 'boolean' ? { ...params, enable: p.Enable } : params);
  switch (type) {
    case 'timer': {
      let cron = String(p.CronExpression ?? p.Cron ?? '');
      const fields = cron.trim().split(/\s+/).filter(Boolean);
      if (fields.length === 5) {
        // Our reading: TCSAM examples use 5-field crontab lines; SCF timers take 7 fields
        // (second ... year), so the schedule is kept with second 0 and any year.
        const seven = `0 ${fields.join(' ')} *`;
        warnings.push(`${functionName}: timer ${name}: the 5-field cron "${cron}" is read as SCF's 7-field "${seven}" (second 0, any year)`);
        cron = seven;
      }
      const params: Record<string, unknown> = { cronExpression: cron };
      if (typeof p.Message === 'string') params.argument = p.Message;
      return ok({ trigger: { kind: 'timer', name, parameters: withEnable(params) }, warnings });
    }
    case 'cos': {
      const params: Record<string, unknown> = { bucket: String(p.Bucket ?? ''), events: String(p.Events ?? 'cos:ObjectCreated:*') };
      const f = p.Filter as Record<string, unknown> | undefined;
      if (f && typeof f === 'object') {
        const filter: Record<string, unknown> = {};
        if (typeof f.Prefix === 'string') filter.prefix = f.Prefix;
        if (typeof f.Suffix === 'string') filter.suffix = f.Suffix;
        params.filter = filter;
      }
      return ok({ trigger: { kind: 'cos', name, parameters: withEnable(params) }, warnings });
    }
    case 'api':
    case 'apigw': {
      const method = typeof p.HttpMethod === 'string' ? p.HttpMethod.toUpperCase() : 'ANY';
      const endpoint: Record<string, unknown> = { path: '/', method };
      if (p.IntegratedResponse === true) endpoint.function = { isIntegratedResponse: true };
      const params: Record<string, unknown> = { serviceName: name, protocols: ['http', 'https'], environment: typeof p.StageName === 'string' ? p.StageName : 'release', endpoints: [endpoint] };
      return ok({ trigger: { kind: 'apigw', name, parameters: withEnable(params) }, warnings });
    }
    case 'cmq':
      return ok({ trigger: { kind: 'cmq', name, parameters: withEnable({ name: String(p.Name ?? '') }) }, warnings });
    case 'ckafka': {
      const params: Record<string, unknown> = { name: String(p.Name ?? ''), topic: String(p.Topic ?? '') };
      if (typeof p.MaxMsgNum === 'number') params.maxMsgNum = p.MaxMsgNum;
      if (typeof p.Offset === 'string') params.offset = p.Offset;
      if (typeof p.Retry === 'number') params.retry = p.Retry;
      if (typeof p.Timeout === 'number') params.timeout = p.Timeout;
      return ok({ trigger: { kind: 'ckafka', name, parameters: withEnable(params) }, warnings });
    }
    default:
      return failWith('tcsam.unknownTrigger', `${functionName}: event ${name} has Type "${String(source.Type ?? '')}"; TCSAM event types are Timer, COS, APIGW, CMQ and CKafka, so it is left out; change its Type to one of them, or remove it`);
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function relativeSrc(from: string, to: string): string {
  const rel = relative(from, to);
  return rel === '' ? './' : rel.startsWith('.') ? rel : `./${rel}`;
}
