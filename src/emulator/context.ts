/** The `context` argument, with exactly SCF's keys and value formats (facts §1). */
import type { FunctionSpec } from '../model';
import type { LocalIdentity } from './environment';

export interface ScfContext {
  readonly memory_limit_in_mb: number;
  readonly time_limit_in_ms: number;
  readonly request_id: string;
  readonly environment: string;
  readonly environ: string;
  readonly function_version: string;
  readonly function_name: string;
  readonly namespace: string;
  readonly tencentcloud_region: string;
  readonly tencentcloud_appid: string;
  readonly tencentcloud_uin: string;
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

/** A template's JSON text around the request id, made on its first request (contextJson). */
const texts = new WeakMap<ContextTemplate, [before: string, after: string]>();

/**
 * A request's context as contextFor makes it: SCF's keys, in SCF's order (the constructor's; `declare`:
 * no field definitions before it), and (in a private field,
 * which JSON, Object.entries and a spread never see or copy) the template it came from, for contextJson.
 */
class RequestContext implements ScfContext {
  declare readonly memory_limit_in_mb: number;
  declare readonly time_limit_in_ms: number;
  declare readonly request_id: string;
  declare readonly environment: string;
  declare readonly environ: string;
  declare readonly function_version: string;
  declare readonly function_name: string;
  declare readonly namespace: string;
  declare readonly tencentcloud_region: string;
  declare readonly tencentcloud_appid: string;
  declare readonly tencentcloud_uin: string;
  readonly #template: ContextTemplate;

  constructor(t: ContextTemplate, requestId: string) {
    this.memory_limit_in_mb = t.memory_limit_in_mb;
    this.time_limit_in_ms = t.time_limit_in_ms;
    this.request_id = requestId;
    this.environment = t.environment;
    this.environ = t.environ;
    this.function_version = t.function_version;
    this.function_name = t.function_name;
    this.namespace = t.namespace;
    this.tencentcloud_region = t.tencentcloud_region;
    this.tencentcloud_appid = t.tencentcloud_appid;
    this.tencentcloud_uin = t.tencentcloud_uin;
    this.#template = t;
  }

  json(): string {
    const text = this.texts();
    return text[0] + JSON.stringify(this.request_id) + text[1];
  }

  /** The template's text around the request id (the same array for each request of a template). */
  texts(): readonly [before: string, after: string] {
    const t = this.#template;
    let text = texts.get(t);
    if (!text) {
      const marker = JSON.stringify('\u0000request_id\u0000');
      const whole = JSON.stringify(new RequestContext(t, '\u0000request_id\u0000'));
      const at = whole.indexOf(marker);
      text = [whole.slice(0, at), whole.slice(at + marker.length)];
      texts.set(t, text);
    }
    return text;
  }
}

/** One request's context: the function's template and the request id, in SCF's order of keys. */
export function contextFor(t: ContextTemplate, requestId: string): ScfContext {
  return new RequestContext(t, requestId);
}

/**
 * JSON.stringify(context), for a context contextFor made: the function's part of the text is made once
 * per template and only the request id is written per request (a warm invoke's context is ~400 bytes
 * of JSON, the same but for its id: docs/performance.md).
 */
export function contextJson(context: ScfContext): string {
  return context instanceof RequestContext ? context.json() : JSON.stringify(context);
}

/**
 * The context's part of one runtime instance's invoke frames (instance.ts): `"context":{...}` on its
 * first request, then only `"id":"<request id>"` while the function's context is the same, since the
 * rest of it is the same for every request of the function (the runtime was sent it once). Each
 * bootstrap keeps the context it was sent and gives each request a fresh copy with its request id
 * (a handler that changes its context changes only its own request's), so the handler sees what a
 * context parsed from the whole text would be, without parsing ~400 bytes of JSON per request
 * (docs/performance.md, "The runtimes' request loops, second pass"). A context with another text (a
 * context not made by contextFor, a function whose settings changed) is sent whole again.
 */
export class ContextSender {
  private sent: readonly [string, string] | undefined;

  field(context: ScfContext): string {
    if (context instanceof RequestContext) {
      const text = context.texts();
      if (text === this.sent) return `"id":${JSON.stringify(context.request_id)}`;
      this.sent = text;
      return `"context":${text[0]}${JSON.stringify(context.request_id)}${text[1]}`;
    }
    this.sent = undefined;
    return `"context":${JSON.stringify(context)}`;
  }
}
