/**
 * Parameter checks of the SCF management API, with its error codes (scf-platform-facts §2, §3, §6).
 * Each function throws an ApiError the endpoint turns into `{"Response":{"Error":...}}`.
 */
import { findRuntime, nearestRuntimes, RUNTIME_NAMES } from '../../model/runtimes';
import { ApiError } from '../api/apiErrors';

export const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
const NAMESPACE = /^[A-Za-z0-9_-]{1,30}$/;
const ENV_KEY = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const RESERVED_ENV_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'];

export type Params = Record<string, unknown>;

export function requireString(params: Params, key: string): string {
  const v = params[key];
  if (v === undefined || v === null || v === '') throw new ApiError('MissingParameter', `The request is missing the required parameter \`${key}\`.`);
  if (typeof v !== 'string') throw new ApiError('InvalidParameter', `\`${key}\` must be a string.`);
  return v;
}

export function optionalString(params: Params, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError('InvalidParameter', `\`${key}\` must be a string.`);
  return v;
}

export function optionalInt(params: Params, key: string): number | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ApiError('InvalidParameter', `\`${key}\` must be an integer.`);
  return v;
}

export function functionName(params: Params): string {
  const name = requireString(params, 'FunctionName');
  if (!FUNCTION_NAME.test(name)) {
    throw new ApiError('InvalidParameter.FunctionName', `FunctionName "${name}" is invalid: letters, digits, "_" and "-", starting with a letter, ending with a letter or digit, 2 to 60 characters.`);
  }
  return name;
}

export function namespace(params: Params): string {
  const ns = optionalString(params, 'Namespace') ?? 'default';
  if (!NAMESPACE.test(ns)) throw new ApiError('InvalidParameterValue.Namespace', `Namespace "${ns}" is invalid.`);
  return ns;
}

export function memorySize(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v === 64 || (v >= 128 && v <= 3072 && v % 128 === 0)) return v;
  throw new ApiError('InvalidParameterValue.Memory', `MemorySize ${v} is invalid: 64, or 128 to 3072 in steps of 128 (MB).`);
}

export function timeout(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v >= 1 && v <= 900) return v;
  throw new ApiError('InvalidParameterValue.Timeout', `Timeout ${v} is invalid: 1 to 900 seconds.`);
}

export function initTimeout(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v >= 1 && v <= 300) return v;
  throw new ApiError('InvalidParameterValue.InitTimeout', `InitTimeout ${v} is invalid: 1 to 300 seconds.`);
}

export function runtime(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (findRuntime(v)) return v;
  const near = nearestRuntimes(v);
  throw new ApiError('InvalidParameterValue.Runtime', `Runtime "${v}" is not offered.${near.length ? ` Nearest: ${near.join(', ')}.` : ''} Valid: ${RUNTIME_NAMES.join(', ')}.`);
}

export function environment(params: Params): Array<{ Key: string; Value: string }> | undefined {
  const env = params.Environment;
  if (env === undefined || env === null) return undefined;
  const vars = (env as { Variables?: unknown }).Variables;
  if (vars === undefined || vars === null) return [];
  if (!Array.isArray(vars)) throw new ApiError('InvalidParameterValue.Environment', 'Environment.Variables must be an array of {Key, Value}.');
  const seen = new Set<string>();
  return vars.map((item: unknown) => {
    const { Key, Value } = (item ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || !ENV_KEY.test(Key) || Buffer.byteLength(Key) < 2 || Buffer.byteLength(Key) > 64) {
      throw new ApiError('InvalidParameterValue.Environment', `Environment variable key "${String(Key)}" is invalid: [a-zA-Z][a-zA-Z0-9_]*, 2 to 64 bytes.`);
    }
    if (RESERVED_ENV_PREFIXES.some((p) => Key.startsWith(p))) {
      throw new ApiError('InvalidParameterValue.Environment', `Environment variable key "${Key}" is reserved (SCF_, QCLOUD_ and TENCENTCLOUD_ prefixes).`);
    }
    if (seen.has(Key)) throw new ApiError('InvalidParameterValue.Environment', `Environment variable key "${Key}" appears twice.`);
    seen.add(Key);
    return { Key, Value: Value === undefined || Value === null ? '' : String(Value) };
  });
}

export function handler(v: string | undefined, rt: string, type: 'Event' | 'HTTP'): string | undefined {
  if (type === 'HTTP') return v;
  if (!v) throw new ApiError('InvalidParameterValue.Handler', 'Handler is required for an event function (file.function, e.g. index.main_handler).');
  if (/^(Python|Nodejs|Php)/.test(rt) && !/^[A-Za-z0-9_\-/]+\.[A-Za-z_$][A-Za-z0-9_$\-]*$/.test(v)) {
    throw new ApiError('InvalidParameterValue.Handler', `Handler "${v}" is invalid: file.function, e.g. index.main_handler.`);
  }
  return v;
}
