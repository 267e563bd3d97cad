/**
 * A function's `layers: [{ name, version }]` and the local folder each one is mounted from.
 *
 * On SCF a bound layer version's zip is unpacked into /opt before the instance starts; several layers
 * are unpacked in binding order and a file in a later layer replaces the same file of an earlier one
 * (cloud.tencent.com/document/product/583/40159). Locally, in this order:
 *   1. the `scf.layers` setting: `{ "<layer name>": "<folder>" }` (relative to the serverless.yml's folder);
 *   2. the .env beside serverless.yml: `SCF_TOOLKIT_LAYER_<name>=<folder>` (the name with every character
 *      other than letters, digits and `_` written `_`); the handler never sees these lines;
 *   3. the app's `component: layer` instance of that name (its `src`), found beside serverless.yml.
 * Explicit configuration wins (our choice): it is how a layer that exists only in the cloud, or another
 * copy of a workspace layer, is pointed at. The version is not checked locally: a folder holds one
 * version's content, and a `${output:...:<layer>.version}` version means "the one deploy publishes".
 */
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import type { BuildContext } from './functionInputs';
import { interpolate, parseOutputReference } from './interpolate';
import { rangeOf } from './positions';
import type { LayerBinding } from './types';

export const LAYER_ENV_PREFIX = 'SCF_TOOLKIT_LAYER_';

export function layerEnvKey(name: string): string {
  return LAYER_ENV_PREFIX + name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** SCF's layer name rule (PublishLayerVersion): 1 to 64 letters, digits, `-` and `_`, starting with a letter, not ending with `-` or `_`. */
export const LAYER_NAME = /^[A-Za-z]([A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/;

/** A function binds at most 5 layer versions (583/40159). */
export const MAX_LAYERS = 5;

/** When a version is written `${output:<stage>:<app>:<instance>.version}`: the instance it names. */
export function versionOutputInstance(raw: string, ctx: BuildContext): string | undefined {
  const t = raw.trim();
  if (!t.startsWith('${') || !t.endsWith('}')) return undefined;
  const inner = interpolate(t.slice(2, -1), ctx.ictx);
  if (inner.problems.length) return undefined;
  const ref = parseOutputReference(inner.value, t);
  return ref && ref.key === 'version' ? ref.instance : undefined;
}

export function readLayerBindings(node: YamlNode | undefined, ctx: BuildContext): LayerBinding[] {
  if (!isSeq(node)) return [];
  const out: LayerBinding[] = [];
  for (const item of node.items) {
    if (!isMap(item)) continue;
    const nameNode = item.get('name', true) as YamlNode | undefined;
    const rawName = isScalar(nameNode) ? nameNode.value : undefined;
    if (typeof rawName !== 'string' || rawName === '') continue;
    const name = interpolate(rawName, ctx.ictx);
    for (const p of name.problems) {
      ctx.warnings.push({ code: 'model.unresolvedVariable', message: `${p.text} cannot be resolved locally (${p.reason}); the layer name is used as written`, range: rangeOf(ctx.lines, nameNode) });
    }
    const versionNode = item.get('version', true) as YamlNode | undefined;
    const rawVersion = isScalar(versionNode) ? versionNode.value : undefined;
    const binding: LayerBinding = { name: name.value, range: rangeOf(ctx.lines, item as YamlNode) };
    let outputInstance: string | undefined;
    if (typeof rawVersion === 'number') binding.version = rawVersion;
    else if (typeof rawVersion === 'string') {
      outputInstance = versionOutputInstance(rawVersion, ctx);
      if (outputInstance === undefined) {
        const v = interpolate(rawVersion, ctx.ictx);
        if (/^\d+$/.test(v.value)) binding.version = Number(v.value);
        for (const p of v.problems) {
          ctx.warnings.push({ code: 'model.unresolvedVariable', message: `${p.text} cannot be resolved locally (${p.reason})`, range: rangeOf(ctx.lines, versionNode) });
        }
      }
    }
    Object.assign(binding, locate(binding.name, outputInstance, ctx));
    out.push(binding);
  }
  return out;
}

function locate(name: string, outputInstance: string | undefined, ctx: BuildContext): Pick<LayerBinding, 'dir' | 'source' | 'layerFile' | 'targetDir'> {
  const setting = ctx.layerFolders?.[name];
  if (setting) return { dir: resolve(ctx.dir, setting), source: 'setting' };
  const fromEnv = ctx.dotEnv[layerEnvKey(name)];
  if (fromEnv) return { dir: resolve(ctx.dir, fromEnv), source: '.env' };
  const app = ctx.app;
  if (!app) return {};
  const byOutput = outputInstance !== undefined ? app.instanceNamed({ instance: outputInstance, app: app.app }) : undefined;
  const inst = byOutput?.layer ? byOutput : app.layerNamed(name);
  if (inst?.layer) return { dir: inst.layer.codeDir, source: 'workspace', layerFile: inst.file, ...(inst.layer.targetDir !== '/' ? { targetDir: inst.layer.targetDir } : {}) };
  return {};
}
