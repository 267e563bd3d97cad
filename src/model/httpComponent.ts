/**
 * The `http` component: a web framework app deployed as one web function behind API Gateway
 * (serverless-components/tencent-http, docs/configure.md, src/formatter.ts, src/config.ts):
 * - `inputs.src` is the code (default: the serverless.yml's folder), `inputs.faas` the function
 *   (`framework` required; the scf component's settings except `events`; `environments: [{key, value}]`),
 *   `inputs.apigw` the API Gateway service, unless `apigw.isDisabled`;
 * - the function is always `type: web` with `handler: scf_bootstrap`; defaults: runtime Nodejs12.16,
 *   memorySize 512, timeout 10, namespace default, region ap-guangzhou; `SERVERLESS=1` is added to the
 *   environment (defaultEnvs);
 * - the API is one endpoint, `apigw.api.path` (default `/`) with method ANY, integrated response,
 *   serviceTimeout `apigw.api.timeout` (default 15), CORS on unless `api.cors: false`;
 * - the function's name is `faas.name`; without one the component names it `<framework>_<random id>` on
 *   the first deploy and keeps that name in its state. Our choice: `${name}-${stage}-${app}` (the scf
 *   component's rule), so local runs and deploys use one stable name; the validator suggests `faas.name`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, YAMLMap, type Node as YamlNode, type Pair } from 'yaml';
import { asText, buildFunctionSpec, InputsView, modelError, readSrc, resolvedText, type BuildContext, type Built } from './functionInputs';
import { findFramework, frameworkBootstrap } from './frameworks';
import type { Ids } from './multiScf';
import { rangeOf } from './positions';
import type { FunctionSpec, GeneratedBootstrap } from './types';

export const HTTP_DEFAULTS = { runtime: 'Nodejs12.16', memorySize: 512, timeout: 10, initTimeout: 65 } as const;

export function buildHttp(inputs: YAMLMap, ids: Ids, declaration: Pair | YamlNode | undefined, ctx: BuildContext): Built<FunctionSpec> {
  const src = readSrc(new InputsView([inputs]), ctx);
  if (!src.ok) return src;
  const faasNode = inputs.get('faas', true);
  if (faasNode !== undefined && faasNode !== null && !isMap(faasNode)) {
    return modelError(ctx, 'model.badFaas', '`faas` holds the function settings, e.g. `faas: { framework: express, runtime: Nodejs16.13 }`', faasNode);
  }
  const faas = isMap(faasNode) ? faasNode : new YAMLMap();
  // `region` is an instance setting here (inputs.region), the function's when faas does not say.
  const view = new InputsView([faas, regionOnly(inputs)]);
  const framework = resolvedText(ctx, faas.get('framework'), faas.get('framework', true));
  const built = buildFunctionSpec(
    view,
    {
      component: 'http',
      ...ids,
      defaultName: `${ids.instanceName}-${ids.stage}-${ids.app}`,
      ...HTTP_DEFAULTS,
      type: 'web',
      codeDir: src.value,
      environmentsList: true,
      declaration,
      fixedEnvironment: { SERVERLESS: '1' },
    },
    ctx,
  );
  if (!built.ok) return built;
  const spec = built.value;
  if (framework !== undefined) spec.framework = framework;
  const bootstrap = generatedBootstrap(faas, spec, ctx);
  if (bootstrap) spec.bootstrap = bootstrap;
  const apigw = inputs.get('apigw', true);
  const apigwMap = isMap(apigw) ? apigw : undefined;
  if (apigwMap?.get('isDisabled') !== true) spec.events.push(apigwTrigger(apigwMap, ctx, apigw));
  return { ok: true, value: spec };
}

function regionOnly(inputs: YAMLMap): YAMLMap {
  const copy = inputs.clone() as YAMLMap;
  copy.items = copy.items.filter((p) => isScalar(p.key) && p.key.value === 'region');
  return copy;
}

/**
 * The component's scf_bootstrap when the code folder has none: `faas.bootstrap.cmd` (URI-encoded, as
 * the component decodes it), else the framework's start command.
 */
function generatedBootstrap(faas: YAMLMap, spec: FunctionSpec, ctx: BuildContext): GeneratedBootstrap | undefined {
  const framework = spec.framework ?? '';
  const cmdNode = faas.getIn(['bootstrap', 'cmd'], true);
  const cmd = asText(faas.getIn(['bootstrap', 'cmd']));
  // The component writes faas.bootstrap.cmd over any scf_bootstrap in the code (initializeBootstrap).
  if (cmd !== undefined && cmd !== '') {
    let content: string;
    try {
      content = decodeURIComponent(resolvedText(ctx, cmd, cmdNode) ?? cmd);
    } catch {
      content = cmd;
    }
    return { content: content.endsWith('\n') ? content : `${content}\n`, source: 'faas.bootstrap.cmd', framework };
  }
  if (existsSync(join(spec.codeDir, 'scf_bootstrap'))) return undefined;
  const known = findFramework(framework);
  const content = known ? frameworkBootstrap(known, spec.runtime) : undefined;
  return content ? { content, source: 'component', framework } : undefined;
}

function apigwTrigger(apigw: YAMLMap | undefined, ctx: BuildContext, node: unknown): FunctionSpec['events'][number] {
  const value = (apigw?.toJSON() ?? {}) as Record<string, unknown>;
  const api = (value.api && typeof value.api === 'object' ? value.api : {}) as Record<string, unknown>;
  const serviceName = asText(value.name) ?? 'serverless';
  return {
    kind: 'apigw',
    name: serviceName,
    parameters: {
      serviceName,
      ...(asText(value.id) ? { serviceId: asText(value.id) } : {}),
      protocols: Array.isArray(value.protocols) ? value.protocols : ['http'],
      environment: asText(value.environment) ?? 'release',
      endpoints: [
        {
          path: asText(api.path) ?? '/',
          method: asText(api.method) ?? 'ANY',
          apiName: asText(api.name) ?? 'http_api',
          enableCORS: api.cors !== false,
          serviceTimeout: typeof api.timeout === 'number' ? api.timeout : 15,
          function: { isIntegratedResponse: true, functionQualifier: asText(api.qualifier) ?? asText(value.qualifier) ?? '$DEFAULT', type: 'web' },
        },
      ],
    },
    range: rangeOf(ctx.lines, node as YamlNode),
  };
}
