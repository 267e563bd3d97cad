import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, isScalar, type YAMLMap, type Node as YamlNode, type Document } from 'yaml';
import { readDotEnv } from './dotenv';
import { interpolate, type InterpolationContext } from './interpolate';
import { offsetsToRange, rangeOf } from './positions';
import { parseBoundedDocument } from './yamlLimits';
import { isTcsamText, parseTcsam, TCSAM_FILE_NAMES } from './tcsam';
import {
  DEFAULTS,
  SERVERLESS_FILE_NAMES,
  type FunctionSpec,
  type LoadResult,
  type ModelError,
  type ModelWarning,
  type SourceRange,
  type TriggerSpec,
} from './types';

export interface LoadOptions {
  /** The caller's environment, for `${env:X}` only (never passed on to a handler). */
  env?: NodeJS.ProcessEnv;
  /** Overrides the stage (the framework reads `STAGE`); default: the file's `stage`, else `dev`. */
  stage?: string;
}

/** Finds serverless.yml / serverless.yaml given the file itself or its folder. */
export function resolveServerlessFile(target: string): { ok: true; file: string } | { ok: false; error: ModelError } {
  const abs = resolve(target);
  let st;
  try {
    st = statSync(abs);
  } catch {
    return { ok: false, error: { code: 'model.fileNotFound', file: abs, message: `${abs}: no such file or folder` } };
  }
  if (st.isFile()) return { ok: true, file: abs };
  // serverless.yml first; a TCSAM template.yaml (the older SCF CLI's) when there is none.
  for (const name of [...SERVERLESS_FILE_NAMES, ...TCSAM_FILE_NAMES]) {
    const candidate = join(abs, name);
    if (existsSync(candidate)) return { ok: true, file: candidate };
  }
  return {
    ok: false,
    error: {
      code: 'model.fileNotFound',
      file: abs,
      message: `${abs}: no serverless.yml, serverless.yaml or template.yaml in this folder; pass the file or the folder that holds it`,
    },
  };
}

export function loadServerlessFile(target: string, options: LoadOptions = {}): LoadResult {
  const found = resolveServerlessFile(target);
  if (!found.ok) return found;
  let text: string;
  try {
    text = readFileSync(found.file, 'utf8');
  } catch (e) {
    return { ok: false, error: { code: 'model.unreadable', file: found.file, message: `${found.file}: ${(e as Error).message}` } };
  }
  return parseServerless(text, found.file, options);
}

/** Reads the text of a serverless.yml into function specs. `file` is used for paths and messages. */
export function parseServerless(text: string, file: string, options: LoadOptions = {}): LoadResult {
  if (isTcsamText(text) && !/^component\s*:/m.test(text)) return parseTcsam(text, file, { stage: options.stage });
  const lines = new LineCounter();
  const fail = (code: string, message: string, range?: SourceRange): LoadResult => ({
    ok: false,
    error: { code, file, range, message: `${file}${range ? `:${range.line + 1}:${range.column + 1}` : ''}: ${message}` },
  });
  const bounded = parseBoundedDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (!bounded.ok) return fail('model.yamlLimit', bounded.error.message, bounded.error.kind === 'size' ? undefined : offsetsToRange(lines, bounded.error.start, bounded.error.end));
  const doc = bounded.doc;
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const range = { ...offsetsToRange(lines, err.pos[0], err.pos[1]) };
    return fail('model.yamlSyntax', `YAML syntax error: ${firstLine(err.message)}`, range);
  }
  const top = doc.contents;
  if (!isMap(top)) return fail('model.notAMapping', 'the file must be a YAML mapping with `component: scf`, `name` and `inputs`');

  const instances = findScfInstances(top);
  if (instances.length === 0) {
    const component = top.get('component');
    if (component !== undefined) {
      return fail(
        'model.notScf',
        `component is "${String(component)}", not "scf"; only scf component files describe functions`,
        rangeOf(lines, top.get('component', true) as YamlNode),
      );
    }
    return fail('model.noComponent', 'no `component: scf` found; add `component: scf`, `name: <instance>` and `inputs:`');
  }

  const dir = dirname(file);
  const dotEnv = readDotEnv(dir);
  const callerEnv = options.env ?? process.env;
  const functions: FunctionSpec[] = [];
  const warnings: ModelWarning[] = [];
  for (const instance of instances) {
    const built = buildFunction(instance.map, instance.key, { doc, lines, file, dir, dotEnv, callerEnv, stage: options.stage, warnings });
    if (!built.ok) return { ok: false, error: built.error };
    functions.push(built.spec);
  }
  return { ok: true, functions, warnings };
}

interface Instance {
  /** The instance key in the older multi-instance form (`myFunction: {component, inputs}`). */
  key?: string;
  map: YAMLMap;
}

/** Whether a `component:` value names the scf component (`scf`, `scf@1.2`, `@serverless/tencent-scf` ...). */
export function isScfComponent(value: unknown): boolean {
  return typeof value === 'string' && /(^|\/|@)(tencent-)?scf$|^@serverless\/tencent-scf$|^scf@/.test(value.trim());
}

function findScfInstances(top: YAMLMap): Instance[] {
  if (top.has('component')) return isScfComponent(top.get('component')) ? [{ map: top }] : [];
  const out: Instance[] = [];
  for (const pair of top.items) {
    if (isMap(pair.value) && isScfComponent(pair.value.get('component'))) {
      out.push({ key: isScalar(pair.key) ? String(pair.key.value) : undefined, map: pair.value });
    }
  }
  return out;
}

interface BuildContext {
  doc: Document;
  lines: LineCounter;
  file: string;
  dir: string;
  dotEnv: Record<string, string>;
  callerEnv: NodeJS.ProcessEnv;
  stage?: string;
  warnings: ModelWarning[];
}

function buildFunction(
  map: YAMLMap,
  instanceKey: string | undefined,
  ctx: BuildContext,
): { ok: true; spec: FunctionSpec } | { ok: false; error: ModelError } {
  const { lines, file } = ctx;
  const err = (code: string, message: string, node?: unknown) => {
    const range = rangeOf(lines, node as YamlNode);
    return {
      ok: false as const,
      error: { code, file, range, message: `${file}${range ? `:${range.line + 1}:${range.column + 1}` : ''}: ${message}` },
    };
  };
  const scalar = (m: YAMLMap | undefined, key: string): unknown => (m ? m.get(key) : undefined);

  const instanceName = asText(scalar(map, 'name')) ?? instanceKey ?? basename(ctx.dir);
  const app = asText(scalar(map, 'app')) ?? instanceName;
  const stage = ctx.stage ?? ctx.callerEnv.STAGE ?? asText(scalar(map, 'stage')) ?? DEFAULTS.stage;
  const org = asText(scalar(map, 'org'));
  const ictx: InterpolationContext = {
    name: instanceName,
    app,
    stage,
    org,
    env: (k) => ctx.dotEnv[k] ?? ctx.callerEnv[k],
  };
  const text = (value: unknown, node?: unknown): string | undefined => {
    const raw = asText(value);
    if (raw === undefined) return undefined;
    const r = interpolate(raw, ictx);
    for (const u of r.unresolved) {
      ctx.warnings.push({
        code: 'model.unresolvedVariable',
        message: `${u} cannot be resolved locally; the value is used as written`,
        range: rangeOf(lines, node as YamlNode),
      });
    }
    return r.value;
  };

  const inputsNode = map.get('inputs', true);
  if (inputsNode === undefined || inputsNode === null) {
    return err('model.noInputs', '`inputs` is missing: add `inputs:` with at least `handler` and `runtime`', map.items.find((p) => isScalar(p.key) && p.key.value === 'component'));
  }
  if (!isMap(inputsNode)) return err('model.inputsNotMapping', '`inputs` must be a mapping of function settings', inputsNode);
  const inputs = inputsNode as YAMLMap;
  const node = (key: string) => inputs.get(key, true) as YamlNode | undefined;

  // src: a string, or {src, exclude, include}; the older component called it codeUri.
  let srcValue: unknown = scalar(inputs, 'src') ?? scalar(inputs, 'codeUri');
  let srcExclude: string[] = [];
  let srcInclude: string[] = [];
  const srcNode = node('src') ?? node('codeUri');
  if (isMap(srcNode)) {
    srcValue = srcNode.get('src');
    srcExclude = stringList(srcNode.get('exclude'));
    srcInclude = stringList(srcNode.get('include'));
    if (srcValue === undefined && (srcNode.has('bucket') || srcNode.has('object'))) {
      return err('model.srcInCos', '`src` points at a COS bucket/object; local invoke needs the code on disk: set `src.src` to the code folder', srcNode);
    }
  } else if (srcNode !== undefined && !isScalar(srcNode)) {
    return err('model.badSrc', '`src` must be a folder path or a mapping with `src`, `exclude` and `include`', srcNode);
  }
  srcExclude.push(...stringList(scalar(inputs, 'exclude')));
  srcInclude.push(...stringList(scalar(inputs, 'include')));
  const srcText = text(srcValue, srcNode) ?? './';
  const codeDir = resolve(ctx.dir, srcText);

  const num = (key: string, fallback: number): { ok: true; value: number } | { ok: false; error: ModelError } => {
    const raw = scalar(inputs, key);
    if (raw === undefined || raw === null) return { ok: true, value: fallback };
    const asString = typeof raw === 'string' ? text(raw, node(key)) : undefined;
    const value = typeof raw === 'number' ? raw : asString !== undefined && asString.trim() !== '' ? Number(asString) : NaN;
    if (!Number.isFinite(value)) {
      return err('model.notANumber', `\`${key}\` must be a number, got ${JSON.stringify(raw)}`, node(key));
    }
    return { ok: true, value };
  };
  const memorySize = num('memorySize', DEFAULTS.memorySize);
  if (!memorySize.ok) return memorySize;
  const timeout = num('timeout', DEFAULTS.timeout);
  if (!timeout.ok) return timeout;
  const initTimeout = num('initTimeout', DEFAULTS.initTimeout);
  if (!initTimeout.ok) return initTimeout;
  const retryNumber = scalar(inputs, 'retryNumber') === undefined ? undefined : num('retryNumber', 2);
  if (retryNumber && !retryNumber.ok) return retryNumber;
  const msgTTL = scalar(inputs, 'msgTTL') === undefined ? undefined : num('msgTTL', 21600);
  if (msgTTL && !msgTTL.ok) return msgTTL;

  const typeText = text(scalar(inputs, 'type'), node('type')) ?? DEFAULTS.type;
  if (typeText !== 'event' && typeText !== 'web') {
    return err('model.badType', `\`type\` must be "event" or "web", got "${typeText}"`, node('type'));
  }

  const environment: Record<string, string> = {};
  const envNode = inputs.get('environment', true);
  if (envNode !== undefined && envNode !== null) {
    const variables = isMap(envNode) ? envNode.get('variables', true) : undefined;
    if (!isMap(envNode) || (variables !== undefined && variables !== null && !isMap(variables))) {
      return err('model.badEnvironment', '`environment` must be `environment: { variables: { KEY: value } }`', envNode);
    }
    if (isMap(variables)) {
      for (const pair of variables.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const value = isScalar(pair.value) ? pair.value.value : pair.value;
        if (value !== null && typeof value === 'object') {
          return err('model.badEnvironmentValue', `environment variable ${key} must be a string, number or boolean`, pair.value);
        }
        environment[key] = value === null || value === undefined ? '' : (text(String(value), pair.value) ?? '');
      }
    }
  }

  const platform = text(scalar(inputs, 'platform'), node('platform')) ?? 'scf';
  if (platform !== 'scf' && platform !== 'functiongraph') {
    return err('model.badPlatform', `\`platform\` must be "scf" (the default) or "functiongraph", got "${platform}"`, node('platform'));
  }

  let deadLetter: FunctionSpec['deadLetter'];
  const dlNode = inputs.get('deadLetter', true);
  if (isMap(dlNode)) {
    const type = text(dlNode.get('type'), dlNode.get('type', true));
    const name = text(dlNode.get('name'), dlNode.get('name', true));
    if (type && name) deadLetter = { type, name, filterType: text(dlNode.get('filterType')) };
  }

  const events: TriggerSpec[] = [];
  const eventsNode = inputs.get('events', true);
  if (isSeq(eventsNode)) {
    for (const item of eventsNode.items) {
      if (!isMap(item) || item.items.length === 0) continue;
      const first = item.items[0]!;
      const kind = isScalar(first.key) ? String(first.key.value) : '';
      const body = (first.value && isMap(first.value) ? first.value.toJSON() : {}) as Record<string, unknown>;
      const parameters = (body.parameters && typeof body.parameters === 'object' ? body.parameters : {}) as Record<string, unknown>;
      events.push({ kind, name: asText(body.name), parameters, range: rangeOf(lines, item as YamlNode) });
    }
  }

  const spec: FunctionSpec = {
    file,
    instanceName,
    app,
    stage,
    name: text(scalar(inputs, 'name'), node('name')) ?? `${instanceName}-${stage}-${app}`,
    namespace: text(scalar(inputs, 'namespace'), node('namespace')) ?? DEFAULTS.namespace,
    region: text(scalar(inputs, 'region'), node('region')) ?? DEFAULTS.region,
    codeDir,
    srcExclude,
    srcInclude,
    type: typeText,
    handler: typeText === 'web' ? undefined : text(scalar(inputs, 'handler'), node('handler')),
    runtime: text(scalar(inputs, 'runtime'), node('runtime')) ?? DEFAULTS.runtime,
    memorySize: memorySize.value,
    timeout: timeout.value,
    initTimeout: initTimeout.value,
    description: text(scalar(inputs, 'description'), node('description')),
    environment,
    retryNumber: retryNumber?.value,
    msgTTL: msgTTL?.value,
    asyncRunEnable: asBool(scalar(inputs, 'asyncRunEnable')),
    deadLetter,
    events,
    platform,
    initializer: text(scalar(inputs, 'initializer'), node('initializer')),
    range: rangeOf(lines, map.items.find((p) => isScalar(p.key) && p.key.value === 'inputs')),
  };
  return { ok: true, spec };
}

function asText(value: unknown): string | undefined {
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

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = isSeq(value) ? value.toJSON() : Array.isArray(value) ? value : [value];
  return (items as unknown[]).map((v) => asText(v)).filter((v): v is string => v !== undefined);
}


function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
