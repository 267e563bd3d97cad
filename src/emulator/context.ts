/** The `context` argument, with exactly SCF's keys and value formats (facts §1). */
import type { FunctionSpec } from '../model';
import type { LocalIdentity } from './environment';

export interface ScfContext {
  memory_limit_in_mb: number;
  time_limit_in_ms: number;
  request_id: string;
  environment: string;
  environ: string;
  function_version: string;
  function_name: string;
  namespace: string;
  tencentcloud_region: string;
  tencentcloud_appid: string;
  tencentcloud_uin: string;
}

export function buildContext(spec: FunctionSpec, requestId: string, userVariables: Record<string, string>, identity: LocalIdentity): ScfContext {
  return contextFor(contextTemplate(spec, userVariables, identity), requestId);
}

/** Everything of a function's context but the request id: the same for each of its requests. */
export type ContextTemplate = Omit<ScfContext, 'request_id'>;

export function contextTemplate(spec: FunctionSpec, userVariables: Record<string, string>, identity: LocalIdentity): ContextTemplate {
  const environment = { ...userVariables, SCF_NAMESPACE: spec.namespace };
  // SCF's environ lists SCF_NAMESPACE twice (`SCF_NAMESPACE=default;SCF_NAMESPACE=default`); we match it.
  const environ = [...Object.entries(environment).map(([k, v]) => `${k}=${v}`), `SCF_NAMESPACE=${spec.namespace}`].join(';');
  return {
    memory_limit_in_mb: spec.memorySize,
    time_limit_in_ms: Math.round(spec.timeout * 1000),
    environment: JSON.stringify(environment),
    environ,
    function_version: '$LATEST',
    function_name: spec.name,
    namespace: spec.namespace,
    tencentcloud_region: spec.region,
    tencentcloud_appid: identity.appId,
    tencentcloud_uin: identity.uin,
  };
}

/** One request's context: the function's template and the request id, in SCF's order of keys. */
export function contextFor(t: ContextTemplate, requestId: string): ScfContext {
  return {
    memory_limit_in_mb: t.memory_limit_in_mb,
    time_limit_in_ms: t.time_limit_in_ms,
    request_id: requestId,
    environment: t.environment,
    environ: t.environ,
    function_version: t.function_version,
    function_name: t.function_name,
    namespace: t.namespace,
    tencentcloud_region: t.tencentcloud_region,
    tencentcloud_appid: t.tencentcloud_appid,
    tencentcloud_uin: t.tencentcloud_uin,
  };
}
