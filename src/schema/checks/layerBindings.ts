/**
 * A function's `layers: [{ name, version }]`: at most 5 (583/40159), valid names, and for each one a
 * local folder to mount (the app's `component: layer` of that name, the `scf.layers` setting or
 * `SCF_TOOLKIT_LAYER_<name>` in .env; see src/model/layers.ts) whose runtimes include the function's.
 */
import { basename } from 'node:path';
import { parseOutputReference } from '../../model/interpolate';
import { LAYER_NAME, layerEnvKey, MAX_LAYERS } from '../../model/layers';
import { diag, type ScfDiagnostic } from '../diagnostics';
import { get, scalarText } from '../yaml';
import type { InstanceContext } from './context';
import { DEFAULT_RUNTIME, findRuntime } from '../../model/runtimes';

export function checkLayerBindings(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const layers = get(ctx.inputs, 'layers');
  if (layers?.kind !== 'seq') return out;
  if (layers.items.length > MAX_LAYERS) {
    const extra = layers.items[MAX_LAYERS]!;
    out.push(diag('scf.layers.tooMany', `a function binds at most ${MAX_LAYERS} layers; this one lists ${layers.items.length}: merge some layers or drop them`, extra.start, extra.end));
  }
  const runtimeText = scalarText(get(ctx.inputs, 'runtime')) ?? ctx.defaultRuntime ?? DEFAULT_RUNTIME;
  const runtime = ctx.resolve(runtimeText);
  for (const item of layers.items) {
    const nameNode = get(item, 'name');
    const raw = scalarText(nameNode);
    if (!nameNode || raw === undefined) continue;
    const name = ctx.resolve(raw);
    if (name === undefined) continue; // an unresolved variable is reported where variables are
    if (!LAYER_NAME.test(name)) {
      out.push(diag('scf.layers.nameInvalid', `layer name "${name}" is not valid: layer names are 1 to 64 letters, digits, "-" and "_", starting with a letter and not ending with "-" or "_"`, nameNode.start, nameNode.end));
      continue;
    }
    if (ctx.layerFolders?.[name] || ctx.dotEnv?.[layerEnvKey(name)]) continue;
    if (!ctx.appContext) continue; // an unsaved document: we cannot look beside it
    const versionText = scalarText(get(item, 'version'));
    const byOutput = versionText === undefined ? undefined : outputInstance(versionText, ctx);
    const inst = (byOutput ? ctx.appContext.instanceNamed({ instance: byOutput, app: ctx.appContext.app }) : undefined) ?? ctx.appContext.layerNamed(name);
    if (!inst?.layer) {
      out.push(
        diag(
          'scf.layers.notLocal',
          `layer ${name} has no local folder: no \`component: layer\` named ${name} beside this ${ctx.file ? basename(ctx.file) : 'serverless.yml'}, no \`scf.layers\` setting and no ${layerEnvKey(name)} in .env. Deploys bind the cloud's layer; local invoke cannot mount it until you set one`,
          nameNode.start,
          nameNode.end,
        ),
      );
      continue;
    }
    const l = inst.layer;
    // An unknown runtime is reported on its own line; it says nothing about the layer.
    if (runtime !== undefined && findRuntime(runtime) && l.runtimes.length > 0 && !l.runtimes.includes(runtime)) {
      out.push(diag('scf.layers.runtime', `layer ${name} (${inst.file}) is for ${l.runtimes.join(', ')}, not ${runtime}: SCF binds a layer only to functions of its runtimes; add ${runtime} to the layer's \`runtimes\``, nameNode.start, nameNode.end));
    }
  }
  return out;
}

function outputInstance(text: string, ctx: InstanceContext): string | undefined {
  const t = text.trim();
  if (!t.startsWith('${') || !t.endsWith('}')) return undefined;
  const inner = ctx.resolve(t.slice(2, -1));
  const ref = inner === undefined ? undefined : parseOutputReference(inner, t);
  return ref?.key === 'version' ? ref.instance : undefined;
}

