/**
 * Validates the text of a serverless.yml / serverless.yaml: YAML syntax, the scf component schema,
 * then the semantic checks no schema can express. Pure apart from looking at the disk through a
 * FileProbe, so the language server, the CLI and the tests share it.
 */
import { basename, dirname } from 'node:path';
import type { AppContext } from '../model/app';
import { componentKind, componentName } from '../model/components';
import { readDotEnv } from '../model/dotenv';
import { appContextFor, isScfComponent } from '../model/load';
import { interpolate, type InterpolationContext } from '../model/interpolate';
import { DEFAULTS, type ComponentKind } from '../model/types';
import { checkHttp, checkLayer, checkMultiScf } from './checks/components';
import { checkHandler } from './checks/handler';
import { checkLayerBindings } from './checks/layerBindings';
import { checkRuntimes } from './checks/runtime';
import { checkLimits } from './checks/limits';
import { checkTriggers } from './checks/triggers';
import { diskProbe, type FileProbe, type InstanceContext } from './checks/context';
import { diag, type QuickFix, type ScfDiagnostic } from './diagnostics';
import { schemaDiagnostics } from './schemaErrors';
import { get, parseYaml, scalarText, type ParsedYaml, type YMap } from './yaml';

export interface ValidateOptions {
  /** Absolute path of the file; without it, checks that look at the disk are skipped. */
  file?: string;
  probe?: FileProbe;
  /** For `${env:X}` and `STAGE` (after the .env beside the file). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** A parse of the same text, if the caller has one. */
  parsed?: ParsedYaml;
  /** Layer name -> folder (the `scf.layers` setting), for layers that exist only in the cloud. */
  layerFolders?: Record<string, string>;
  /**
   * false: a one-shot check (the CLI) keeps no trigger results for the next check of an edited text,
   * which only the editor's next keystroke would use. Same diagnostics either way.
   */
  keepTriggerResults?: boolean;
}

export interface ValidationResult {
  parsed: ParsedYaml;
  diagnostics: ScfDiagnostic[];
}

/** Same test as the model: `scf`, `scf@1.2.3`, `@serverless/tencent-scf`, `tencent-scf`. */
export { isScfComponent };

export interface Instance {
  /** The instance key in the older multi-instance form (`myFunction: {component, inputs}`). */
  key?: string;
  map: YMap;
  /** The component SCF Toolkit checks it as; undefined for a component it does not handle. */
  kind: ComponentKind | undefined;
}

/** The component instances in a file: the file itself, or (older form) its top-level values. */
export function findInstances(root: YMap): Instance[] {
  const component = get(root, 'component');
  if (component) return [{ map: root, kind: componentKind(scalarText(component)) }];
  const out: Instance[] = [];
  for (const p of root.pairs) {
    if (p.value.kind === 'map' && get(p.value, 'component')) out.push({ key: p.key, map: p.value, kind: componentKind(scalarText(get(p.value, 'component'))) });
  }
  // No component anywhere: check the file as one scf instance so the missing `component` is reported.
  return out.length ? out : [{ map: root, kind: 'scf' }];
}

export function validateServerlessText(text: string, options: ValidateOptions = {}): ValidationResult {
  const parsed = options.parsed ?? parseYaml(text);
  const diagnostics: ScfDiagnostic[] = [];
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) {
      if (e.limit) diagnostics.push(diag('scf.yaml.limit', `not checked: ${e.message}`, e.start, Math.max(e.end, e.start)));
      else {
        const fixes = e.fixes?.map((f): QuickFix => ({ title: f.title, kind: 'edit', edits: [{ start: f.start, end: f.end, newText: f.newText }], preferred: f.preferred }));
        diagnostics.push(diag('scf.yaml.syntax', `YAML syntax error: ${e.message}`, e.start, Math.max(e.end, e.start), fixes));
      }
    }
    return { parsed, diagnostics };
  }
  const root = parsed.root;
  if (!root || root.kind !== 'map') {
    const at = root ? root : { start: 0, end: 0 };
    diagnostics.push(diag('scf.file.notMapping', `${root ? 'the file must be a YAML mapping' : 'the file is empty'}: start with \`component: scf\`, \`name: <instance>\` and \`inputs:\``, at.start, at.end));
    return { parsed, diagnostics };
  }
  const env = options.env ?? process.env;
  const file = options.file;
  const dotEnv = file ? readDotEnv(dirname(file)) : {};
  let app: AppContext | undefined;
  for (const instance of findInstances(root)) {
    const componentNode = get(instance.map, 'component');
    if (!instance.kind) {
      const name = componentName(scalarText(componentNode)) ?? scalarText(componentNode) ?? '';
      const at = componentNode ?? instance.map;
      diagnostics.push(
        diag('scf.component.notChecked', `component \`${name}\` is not checked by SCF Toolkit (it checks scf, multi-scf, http and layer): its inputs are neither validated nor run locally`, at.start, at.end),
      );
      continue;
    }
    diagnostics.push(...schemaDiagnostics(instance.map, text, { keyed: instance.key !== undefined, kind: instance.kind, keepTriggerResults: options.keepTriggerResults }));
    if (file && !app) app = appContextFor(file, scalarText(get(instance.map, 'app')) ?? scalarText(get(instance.map, 'name')) ?? instance.key ?? '', text);
    const ctx = { ...instanceContext(instance, file, options.probe ?? diskProbe, env, dotEnv, app), text, dotEnv, layerFolders: options.layerFolders };
    switch (instance.kind) {
      case 'scf':
        diagnostics.push(...checkLimits(ctx), ...checkHandler(ctx), ...checkTriggers(ctx), ...checkLayerBindings(ctx), ...checkRuntimes(ctx));
        break;
      case 'multi-scf':
        diagnostics.push(...checkMultiScf(ctx), ...checkRuntimes(ctx));
        break;
      case 'http':
        diagnostics.push(...checkHttp(ctx));
        break;
      case 'layer':
        diagnostics.push(...checkLayer(ctx));
        break;
    }
  }
  diagnostics.sort((a, b) => a.start - b.start || a.end - b.end);
  return { parsed, diagnostics };
}

/** What `${...}` in an instance's values resolve against: its name, app, stage, org, .env and environment, the app's outputs. */
export function interpolationContext(instance: Pick<Instance, 'key' | 'map'>, file: string | undefined, env: NodeJS.ProcessEnv, dotEnv: Record<string, string>, app?: AppContext): InterpolationContext {
  const map = instance.map;
  const name = scalarText(get(map, 'name')) ?? instance.key ?? (file ? basename(dirname(file)) : 'scf');
  return {
    name,
    app: scalarText(get(map, 'app')) ?? name,
    stage: env.STAGE ?? scalarText(get(map, 'stage')) ?? DEFAULTS.stage,
    org: scalarText(get(map, 'org')),
    env: (k) => dotEnv[k] ?? env[k],
    output: app?.output,
  };
}

export function instanceContext(instance: Pick<Instance, 'key' | 'map'>, file: string | undefined, probe: FileProbe, env: NodeJS.ProcessEnv, dotEnv: Record<string, string>, app?: AppContext): InstanceContext {
  const map = instance.map;
  const inputs = get(map, 'inputs');
  const ictx = interpolationContext(instance, file, env, dotEnv, app);
  return {
    instance: map,
    inputs: inputs?.kind === 'map' ? inputs : undefined,
    file,
    probe,
    instanceName: ictx.name,
    app: ictx.app,
    stage: ictx.stage,
    ...(app ? { appContext: app } : {}),
    resolve(value: string) {
      if (!value.includes('${')) return value;
      const r = interpolate(value, ictx);
      return r.unresolved.length || r.value.includes('${') ? undefined : r.value;
    },
  };
}
