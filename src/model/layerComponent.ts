/**
 * The `layer` component (serverless-components/tencent-layer, docs/configure.md): `inputs.name` (the
 * layer name), `inputs.src` (a folder, or `{ src, targetDir, exclude }`; a COS `bucket`/`object` has no
 * local content), `inputs.runtimes` and `description`; region default ap-guangzhou (src/config.js).
 * Its outputs are `name`, `version` (assigned when published), `region`, `runtimes`, `description`.
 */
import { isMap, isSeq, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { asText, InputsView, modelError, readSrc, resolvedText, stringList, type BuildContext, type Built } from './functionInputs';
import type { Ids } from './multiScf';
import { rangeOf } from './positions';
import type { LayerSpec } from './types';

export function buildLayer(inputs: YAMLMap, ids: Ids, declaration: Pair | YamlNode | undefined, ctx: BuildContext): Built<LayerSpec> {
  const view = new InputsView([inputs]);
  const srcNode = inputs.get('src', true);
  if (isMap(srcNode) && !srcNode.has('src') && (srcNode.has('bucket') || srcNode.has('object'))) {
    return modelError(ctx, 'model.srcInCos', "the layer's `src` is a COS bucket/object, so its content is not on disk: set `src` to the layer's folder", srcNode);
  }
  const src = readSrc(view, ctx);
  if (!src.ok) return src;
  const targetDir = isMap(srcNode) ? (resolvedText(ctx, srcNode.get('targetDir'), srcNode.get('targetDir', true)) ?? '/') : '/';
  const runtimesNode = inputs.get('runtimes', true);
  const runtimes = isSeq(runtimesNode) ? stringList(runtimesNode).map((r) => resolvedText(ctx, r) ?? r) : [];
  return {
    ok: true,
    value: {
      file: ctx.file,
      instanceName: ids.instanceName,
      app: ids.app,
      stage: ids.stage,
      name: resolvedText(ctx, inputs.get('name'), inputs.get('name', true)) ?? ids.instanceName,
      region: resolvedText(ctx, inputs.get('region'), inputs.get('region', true)) ?? 'ap-guangzhou',
      codeDir: src.value.dir,
      srcExclude: src.value.exclude,
      targetDir: `/${targetDir.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '/'),
      runtimes,
      description: asText(inputs.get('description')),
      range: rangeOf(ctx.lines, declaration as YamlNode),
    },
  };
}
