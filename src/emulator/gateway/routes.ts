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
  /** The path matches itself and everything below it. */
  prefix: boolean;
  /** The prefix is removed from the path the function sees (a web function's own `/<name>` mount). */
  strip?: boolean;
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
        // A web function's API takes the paths below it too (the http component's one API, `/`, serves
        // every route of the app), and forwards them whole.
        const below = spec.type === 'web';
        routes.push({
          spec,
          method: typeof ep.method === 'string' ? ep.method.toUpperCase() : 'ANY',
          path,
          prefix: below,
          integratedResponse: spec.type === 'web' || truthy(fn.isIntegratedResponse),
          serviceId: typeof p.serviceId === 'string' && p.serviceId ? p.serviceId : `service-local-${spec.name}`,
          stage: typeof p.environment === 'string' ? p.environment : 'release',
          ...compile(path, below),
        });
      }
    }
    if (spec.type === 'web') {
      const path = `/${spec.name}`;
      routes.push({ spec, method: 'ANY', path, prefix: true, strip: true, integratedResponse: true, serviceId: `service-local-${spec.name}`, stage: 'release', ...compile(path, true) });
    }
  }
  // Exact paths before prefixes, literal paths before templated ones, longer before shorter.
  return routes.sort((a, b) => Number(a.prefix) - Number(b.prefix) || a.paramNames.length - b.paramNames.length || b.path.length - a.path.length);
}

export function matchRoute(routes: Route[], method: string, path: string): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method.toUpperCase()) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    route.paramNames.forEach((name, i) => (pathParameters[name] = decodeURIComponent(m[i + 1]!)));
    const forwardPath = route.strip ? m[route.paramNames.length + 1] || '/' : path;
    return { route, pathParameters, forwardPath };
  }
  return undefined;
}
