/**
 * A built-in template made to fit the function it is for: the API Gateway request takes the method,
 * path and path parameters of the function's first `apigw` endpoint (and the trigger's serviceId and
 * environment), so `GET /` or `POST /users/{id}` is what the handler sees, as the gateway would send it.
 * The other templates do not depend on the trigger's parameters and are used as shipped.
 */
import type { FunctionSpec } from '../model/types';
import { readTemplate, type EventTemplate } from './templates';

/** Methods whose requests carry no body: the template's JSON body and content-type go. */
const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** What the pick says of the template for `spec`: `GET / from the function's apigw trigger` when it is filled from one. */
export function templateDescription(template: EventTemplate, spec: FunctionSpec | undefined): string {
  const endpoint = template.trigger === 'apigw' && spec ? firstEndpoint(spec) : undefined;
  if (!endpoint) return template.description;
  return `${endpoint.method === 'ANY' ? 'GET' : endpoint.method} ${endpoint.path}, from the function's apigw trigger`;
}

/** The template's JSON text for `spec` (pretty-printed, 2 spaces, as shipped). */
export function templateFor(template: EventTemplate, spec: FunctionSpec | undefined, dir?: string): string {
  const text = readTemplate(template, dir);
  if (template.trigger !== 'apigw' || !spec) return text;
  const endpoint = firstEndpoint(spec);
  if (!endpoint) return text;
  return `${JSON.stringify(apigwFromEndpoint(JSON.parse(text) as Record<string, unknown>, endpoint), null, 2)}\n`;
}

export interface ApigwEndpoint {
  method: string;
  path: string;
  serviceId?: string;
  stage?: string;
}

function firstEndpoint(spec: FunctionSpec): ApigwEndpoint | undefined {
  for (const trigger of spec.events) {
    if (trigger.kind !== 'apigw') continue;
    const p = trigger.parameters;
    const endpoints = Array.isArray(p.endpoints) ? (p.endpoints as Record<string, unknown>[]) : [];
    const ep = endpoints.find((e) => e && typeof e === 'object');
    if (!ep) continue;
    return {
      method: typeof ep.method === 'string' ? ep.method.toUpperCase() : 'ANY',
      path: typeof ep.path === 'string' && ep.path.startsWith('/') ? ep.path : '/',
      serviceId: typeof p.serviceId === 'string' && p.serviceId ? p.serviceId : undefined,
      stage: typeof p.environment === 'string' && p.environment ? p.environment : undefined,
    };
  }
  return undefined;
}

/** The API Gateway event `event` (the shipped template) made to match one endpoint. */
export function apigwFromEndpoint(event: Record<string, unknown>, endpoint: ApigwEndpoint): Record<string, unknown> {
  // ANY accepts every method; a GET is what a browser sends.
  const method = endpoint.method === 'ANY' ? 'GET' : endpoint.method;
  const samples = (event.pathParameters ?? {}) as Record<string, string>;
  const pathParameters: Record<string, string> = {};
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    pathParameters[name] = samples[name] ?? (/id$/i.test(name) ? '42' : name);
    return pathParameters[name]!;
  });
  const requestContext: Record<string, unknown> = { ...((event.requestContext ?? {}) as Record<string, unknown>), path: endpoint.path, httpMethod: method };
  if (endpoint.serviceId) requestContext.serviceId = endpoint.serviceId;
  if (endpoint.stage) requestContext.stage = endpoint.stage;
  const out: Record<string, unknown> = { ...event, requestContext, pathParameters, path, httpMethod: method };
  if (endpoint.stage) out.stageVariables = { ...((event.stageVariables ?? {}) as Record<string, unknown>), stage: endpoint.stage };
  if (NO_BODY.has(method)) {
    out.body = '';
    const headers = { ...((event.headers ?? {}) as Record<string, string>) };
    delete headers['content-type'];
    out.headers = headers;
  }
  return out;
}
