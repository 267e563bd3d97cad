import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, type YAMLMap, type Node as YamlNode } from 'yaml';
import { AppContext, type AppInstance } from './app';
import { componentKind, componentName, isScfComponent } from './components';
import { readDotEnv } from './dotenv';
import { buildFunctionSpec, InputsView, modelError, type BuildContext } from './functionInputs';
import { buildHttp } from './httpComponent';
import type { InterpolationContext } from './interpolate';
import { buildLayer } from './layerComponent';
import { buildMultiScf } from './multiScf';
import { offsetsToRange, rangeOf } from './positions';
import { isTcsamText, parseTcsam, TCSAM_FILE_NAMES } from './tcsam';
import { yamlErrorSpan, yamlErrorText } from './yamlErrors';
import { parseBoundedDocument } from './yamlLimits';
import { ok, type Outcome } from './outcome';
import { DEFAULTS, SERVERLESS_FILE_NAMES, type LoadedFile, type LoadResult, type ModelError, type SourceRange } from './types';

export { isScfComponent };

export interface LoadOptions {
  /** The caller's environment, for `${env:X}` only (never passed on to a handler). */
  env?: NodeJS.ProcessEnv;
  /** Overrides the stage (the framework reads `STAGE`); default: the file's `stage`, else `dev`. */
  stage?: string;
  /** Layer name -> folder, for layers not in the workspace (the `scf.layers` setting, `--layer`). */
  layerFolders?: Record<string, string>;
  /**
   * Whether to read the app's other serverless.yml files (for `${output:...}` and `component: layer`
   * folders). Default true; false when reading those files themselves.
   */
  app?: boolean;
}

/** Finds serverless.yml / serverless.yaml given the file itself or its folder. */
export function resolveServerlessFile(target: string): Outcome<string, ModelError> {
  const abs = resolve(target);
  let st;
  try {
    st = statSync(abs);
  } catch {
    return { ok: false, error: { code: 'model.fileNotFound', file: abs, message: `${abs}: no such file or folder` } };
  }
  if (st.isFile()) return ok(abs);
  // serverless.yml first; a TCSAM template.yaml (the older SCF CLI's) when there is none.
  for (const name of [...SERVERLESS_FILE_NAMES, ...TCSAM_FILE_NAMES]) {
    const candidate = join(abs, name);
    if (existsSync(candidate)) return ok(candidate);
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
  const file = found.value;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, error: { code: 'model.unreadable', file, message: `${file}: ${(e as Error).message}` } };
  }
  return parseServerless(text, file, options);
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
    const span = yamlErrorSpan(text, err);
    const range = { ...offsetsToRange(lines, span.start, span.end) };
    return fail('model.yamlSyntax', `YAML syntax error: ${yamlErrorText(err, text)}`, range);
  }
  const top = doc.contents;
  if (!isMap(top)) return fail('model.notAMapping', 'the file must be a YAML mapping with `component`, `name` and `inputs`');

  const instances = findInstances(top);
  if (instances.length === 0) {
    return fail('model.noComponent', 'no `component:` found; add `component: scf` (or multi-scf, http, layer), `name: <instance>` and `inputs:`');
  }

  const dir = dirname(file);
  const dotEnv = readDotEnv(dir);
  const callerEnv = options.env ?? process.env;
  const loaded: LoadedFile = { functions: [], layers: [], unchecked: [], warnings: [] };
  // The app's other instances are read only if something asks (an output reference, a layer).
  let app: AppContext | undefined;
  const ownInstances = (): AppInstance[] => [
    ...loaded.layers.map((l) => ({ file, component: 'layer', instanceName: l.instanceName, app: l.app, layer: l })),
    ...loaded.functions.map((f) => ({ file, component: f.component ?? 'scf', instanceName: f.instanceName, app: f.app })),
    ...loaded.unchecked.map((u) => ({ file, component: u.component, instanceName: u.instanceName, app: instanceApp(u.instanceName) })),
  ];
  const appNames = new Map<string, string>();
  const instanceApp = (name: string) => appNames.get(name) ?? name;
  // Layers first, so a function of the same file that names one finds it; the rest in file order.
  const ordered = [...instances.filter((i) => i.kind === 'layer'), ...instances.filter((i) => i.kind !== 'layer')];
  for (const instance of ordered) {
    const map = instance.map;
    const instanceName = asText(map.get('name')) ?? instance.key ?? basename(dir);
    const appName = asText(map.get('app')) ?? instanceName;
    appNames.set(instanceName, appName);
    const stage = options.stage ?? callerEnv.STAGE ?? asText(map.get('stage')) ?? DEFAULTS.stage;
    const componentNode = map.get('component', true) as YamlNode | undefined;
    if (!instance.kind) {
      loaded.unchecked.push({ component: componentName(map.get('component')) ?? String(map.get('component')), instanceName, range: rangeOf(lines, componentNode) });
      continue;
    }
    if (options.app !== false && !app) app = new AppContext(file, appName, readAppInstances, ownInstances);
    const ictx: InterpolationContext = {
      name: instanceName,
      app: appName,
      stage,
      org: asText(map.get('org')),
      env: (k) => dotEnv[k] ?? callerEnv[k],
      output: app?.output,
    };
    const ctx: BuildContext = { lines, file, dir, dotEnv, warnings: loaded.warnings, ictx, layerFolders: options.layerFolders, app };
    const ids = { instanceName, app: appName, stage };
    const inputsPair = map.items.find((p) => isScalar(p.key) && p.key.value === 'inputs');
    const inputsNode = map.get('inputs', true);
    if (inputsNode === undefined || inputsNode === null) {
      return modelError(ctx, 'model.noInputs', `\`inputs\` is missing: add \`inputs:\` with the ${instance.kind} component's settings`, map.items.find((p) => isScalar(p.key) && p.key.value === 'component'));
    }
    if (!isMap(inputsNode)) return modelError(ctx, 'model.inputsNotMapping', '`inputs` must be a mapping of the component\'s settings', inputsNode);
    const inputs = inputsNode as YAMLMap;
    switch (instance.kind) {
      case 'scf': {
        const built = buildFunctionSpec(
          new InputsView([inputs]),
          { component: 'scf', ...ids, defaultName: `${instanceName}-${stage}-${appName}`, runtime: DEFAULTS.runtime, memorySize: DEFAULTS.memorySize, timeout: DEFAULTS.timeout, initTimeout: DEFAULTS.initTimeout, environmentsList: false, declaration: inputsPair },
          ctx,
        );
        if (!built.ok) return built;
        loaded.functions.push(built.value);
        break;
      }
      case 'multi-scf': {
        const built = buildMultiScf(inputs, ids, ctx);
        if (!built.ok) return built;
        loaded.functions.push(...built.value);
        break;
      }
      case 'http': {
        const built = buildHttp(inputs, ids, inputsPair, ctx);
        if (!built.ok) return built;
        loaded.functions.push(built.value);
        break;
      }
      case 'layer': {
        const built = buildLayer(inputs, ids, inputsPair, ctx);
        if (!built.ok) return built;
        loaded.layers.push(built.value);
        break;
      }
    }
  }
  return { ok: true, value: loaded };
}

/**
 * The app around a serverless.yml, for the validator: the other files' instances, and this text's own
 * (which may be unsaved).
 */
export function appContextFor(file: string, app: string, text: string): AppContext {
  let own: AppInstance[] | undefined;
  return new AppContext(file, app, readAppInstances, () => (own ??= readAppInstances(file, text)));
}

/** One file's instances for the app index: parsed without reading the app again. */
function readAppInstances(file: string, text: string): AppInstance[] {
  const r = parseServerless(text, file, { app: false, env: {} });
  if (!r.ok) return [];
  return [
    ...r.value.layers.map((l) => ({ file, component: 'layer', instanceName: l.instanceName, app: l.app, layer: l })),
    ...r.value.functions.map((f) => ({ file, component: f.component ?? 'scf', instanceName: f.instanceName, app: f.app })),
    ...r.value.unchecked.map((u) => ({ file, component: u.component, instanceName: u.instanceName, app: u.instanceName })),
  ];
}

interface Instance {
  /** The instance key in the older multi-instance form (`myFunction: {component, inputs}`). */
  key?: string;
  map: YAMLMap;
  /** undefined: a component SCF Toolkit does not handle. */
  kind: ReturnType<typeof componentKind>;
}

function findInstances(top: YAMLMap): Instance[] {
  if (top.has('component')) return [{ map: top, kind: componentKind(top.get('component')) }];
  const out: Instance[] = [];
  for (const pair of top.items) {
    if (isMap(pair.value) && pair.value.has('component')) {
      out.push({ key: isScalar(pair.key) ? String(pair.key.value) : undefined, map: pair.value, kind: componentKind(pair.value.get('component')) });
    }
  }
  return out;
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
