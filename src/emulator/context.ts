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
  const environment = { ...userVariables, SCF_NAMESPACE: spec.namespace };
  // SCF's environ lists SCF_NAMESPACE twice (`SCF_NAMESPACE=default;SCF_NAMESPACE=default`); we match it.
  const environ = [...Object.entries(environment).map(([k, v]) => `${k}=${v}`), `SCF_NAMESPACE=${spec.namespace}`].join(';');
  return {
    memory_limit_in_mb: spec.memorySize,
    time_limit_in_ms: Math.round(spec.timeout * 1000),
    request_id: requestId,
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
