/**
 * The local gateway's routes, from serverless.yml: each `apigw` trigger endpoint (path and method) of a
 * function, and every web function under `/<function name>/`.
 */
import type { FunctionSpec } from '../../model';

export interface Route {
  spec: FunctionSpec;
  method: string; // upper case, or ANY
  /** The path as declared, e.g. `/users/{id}`; for a web function's own mount, `/<name>` (a prefix). */
  path: string;
  prefix: boolean;
  integratedResponse: boolean;
  serviceId: string;
  stage: string;
  pattern: RegExp;
  paramNames: string[];
}

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
  /** The path the function sees (a web function's mount prefix removed). */
  forwardPath: string;
}

function compile(path: string, prefix: boolean): { pattern: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const body = path
    .replace(/\/+$/, '')
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (m) {
        paramNames.push(m[1]!);
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${body}${prefix ? '(/.*)?' : '/?'}$`), paramNames };
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toUpperCase() === 'TRUE');
}

export function buildRoutes(specs: FunctionSpec[]): Route[] {
  const routes: Route[] = [];
  for (const spec of specs) {
    for (const trigger of spec.events) {
      if (trigger.kind !== 'apigw') continue;
      const p = trigger.parameters;
      const endpoints = Array.isArray(p.endpoints) ? (p.endpoints as Array<Record<string, unknown>>) : [];
      for (const ep of endpoints) {
        const path = typeof ep.path === 'string' && ep.path.startsWith('/') ? ep.path : '/';
        const fn = (ep.function ?? {}) as Record<string, unknown>;
        routes.push({
          spec,
          method: typeof ep.method === 'string' ? ep.method.toUpperCase() : 'ANY',
          path,
          prefix: false,
          integratedResponse: spec.type === 'web' || truthy(fn.isIntegratedResponse),
          serviceId: typeof p.serviceId === 'string' && p.serviceId ? p.serviceId : `service-local-${spec.name}`,
          stage: typeof p.environment === 'string' ? p.environment : 'release',
          ...compile(path, false),
        });
      }
    }
    if (spec.type === 'web') {
      const path = `/${spec.name}`;
      routes.push({ spec, method: 'ANY', path, prefix: true, integratedResponse: true, serviceId: `service-local-${spec.name}`, stage: 'release', ...compile(path, true) });
    }
  }
  // Literal paths before templated ones, longer before shorter.
  return routes.sort((a, b) => a.paramNames.length - b.paramNames.length || b.path.length - a.path.length);
}

export function matchRoute(routes: Route[], method: string, path: string): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method.toUpperCase()) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    route.paramNames.forEach((name, i) => (pathParameters[name] = decodeURIComponent(m[i + 1]!)));
    const forwardPath = route.prefix ? m[route.paramNames.length + 1] || '/' : path;
    return { route, pathParameters, forwardPath };
  }
  return undefined;
}
