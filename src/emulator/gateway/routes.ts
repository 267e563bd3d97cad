/**
 * The local gateway's routes, from serverless.yml: each `apigw` trigger endpoint (path and method) of a
 * function, and every web function under `/<function name>/`.
 *
 * Paths match the way Tencent's API Gateway matches them (its FAQ, "API 命中优先级如何确定", 628/11939,
 * nginx's location rules): a path starting with `=` matches exactly and wins first; one starting with
 * `^~` is a preferred prefix; a path with `{parameters}` is a pattern whose parameters take what lies
 * between its fixed parts (the last one the rest of the path, slashes and all: `/{a}/product/{b}` on
 * `/middleware/product/apigw/detail` gives b = `apigw/detail`); any other path is a **prefix**, the
 * longest one winning, so an API on `/` serves `/css/style.css` too. A method that no route of a
 * matching path takes is 405, not 404.
 */
import type { FunctionSpec } from '../../model';

export type MatchKind = 'exact' | 'preferredPrefix' | 'pattern' | 'prefix';

export interface Route {
  spec: FunctionSpec;
  method: string; // upper case, or ANY
  /** The path as declared, e.g. `/users/{id}`; for a web function's own mount, `/<name>` (a prefix). */
  path: string;
  kind: MatchKind;
  /** A web function's own mount (`/<name>`): the function sees the path below it. */
  mount: boolean;
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

/** Two functions (or two endpoints) claiming the same method and path: the first declared serves it. */
export interface RouteConflict {
  method: string;
  path: string;
  /** The functions that declare it, in the order they were read; the first one gets the requests. */
  functions: string[];
  /** The serverless.yml files they come from. */
  files: string[];
  message: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(declared: string, mount: boolean): { path: string; kind: MatchKind; pattern: RegExp; paramNames: string[] } {
  if (mount) return { path: declared, kind: 'prefix', pattern: new RegExp(`^${escape(declared)}(?=/|$)(.*)$`), paramNames: [] };
  if (declared.startsWith('=')) {
    const path = declared.slice(1).trim() || '/';
    return { path, kind: 'exact', pattern: new RegExp(`^${escape(path)}$`), paramNames: [] };
  }
  if (declared.startsWith('^~')) {
    const path = declared.slice(2).trim() || '/';
    return { path, kind: 'preferredPrefix', pattern: new RegExp(`^${escape(path)}`), paramNames: [] };
  }
  const paramNames: string[] = [];
  if (/\{[^}]+\}/.test(declared)) {
    const body = declared
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}]+)\}$/.exec(part);
        if (!m) return escape(part);
        paramNames.push(m[1]!);
        return '(.+)';
      })
      .join('');
    return { path: declared, kind: 'pattern', pattern: new RegExp(`^${body}/?$`), paramNames };
  }
  return { path: declared, kind: 'prefix', pattern: new RegExp(`^${escape(declared)}`), paramNames: [] };
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toUpperCase() === 'TRUE');
}

const KIND_ORDER: Record<MatchKind, number> = { exact: 0, preferredPrefix: 1, pattern: 2, prefix: 3 };

export function buildRoutes(specs: FunctionSpec[]): Route[] {
  const routes: Route[] = [];
  for (const spec of specs) {
    for (const trigger of spec.events) {
      if (trigger.kind !== 'apigw') continue;
      const p = trigger.parameters;
      const endpoints = Array.isArray(p.endpoints) ? (p.endpoints as Array<Record<string, unknown>>) : [];
      for (const ep of endpoints) {
        const declared = typeof ep.path === 'string' && /^(=|\^~)?\s*\//.test(ep.path) ? ep.path : '/';
        const fn = (ep.function ?? {}) as Record<string, unknown>;
        routes.push({
          spec,
          method: typeof ep.method === 'string' ? ep.method.toUpperCase() : 'ANY',
          mount: false,
          integratedResponse: spec.type === 'web' || truthy(fn.isIntegratedResponse),
          serviceId: typeof p.serviceId === 'string' && p.serviceId ? p.serviceId : `service-local-${spec.name}`,
          stage: typeof p.environment === 'string' ? p.environment : 'release',
          ...compile(declared, false),
        });
      }
    }
    if (spec.type === 'web') {
      routes.push({ spec, method: 'ANY', mount: true, integratedResponse: true, serviceId: `service-local-${spec.name}`, stage: 'release', ...compile(`/${spec.name}`, true) });
    }
  }
  // Exact, then preferred prefixes, then patterns, then prefixes; within each the longest path first
  // (for patterns, the one with more fixed text); a function's own mount before a prefix of the same length.
  const fixed = (r: Route) => r.path.replace(/\{[^}]+\}/g, '').length;
  return routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => KIND_ORDER[a.r.kind] - KIND_ORDER[b.r.kind] || fixed(b.r) - fixed(a.r) || Number(b.r.mount) - Number(a.r.mount) || a.i - b.i)
    .map((x) => x.r);
}

/** Routes that claim the same method and path as an earlier one (read as data: the CLI prints them, VS Code shows them). */
export function routeConflicts(routes: Route[]): RouteConflict[] {
  const byKey = new Map<string, Route[]>();
  for (const r of routes) {
    const key = `${r.kind} ${r.path.replace(/\{[^}]+\}/g, '{}')}`;
    for (const method of r.method === 'ANY' ? ['ANY'] : [r.method]) {
      const list = byKey.get(`${method} ${key}`) ?? [];
      list.push(r);
      byKey.set(`${method} ${key}`, list);
    }
  }
  // ANY overlaps every method on the same path.
  for (const [key, list] of byKey) {
    if (!key.startsWith('ANY ')) continue;
    const rest = key.slice(4);
    for (const [other, more] of byKey) if (other !== key && other.endsWith(` ${rest}`)) list.push(...more.filter((r) => !list.includes(r)));
  }
  const seen = new Set<string>();
  const out: RouteConflict[] = [];
  for (const list of byKey.values()) {
    const functions = [...new Set(list.map((r) => r.spec.name))];
    const files = [...new Set(list.map((r) => r.spec.file))];
    if (list.length < 2) continue;
    const id = list.map((r) => `${r.spec.file}#${r.spec.name}:${r.method}`).sort().join('|');
    if (seen.has(id)) continue;
    seen.add(id);
    const method = list.every((r) => r.method === list[0]!.method) ? list[0]!.method : list.map((r) => r.method).join('/');
    const path = list[0]!.path;
    const web = list.find((r) => r.spec.type === 'web' && r.kind === 'prefix');
    const event = list.find((r) => r.spec.type !== 'web');
    out.push({
      method,
      path,
      functions,
      files,
      message:
        web && event && functions.length === 2
          ? `${method} ${path} is claimed by ${event.spec.name} and the web function ${web.spec.name} (two API services on SCF, one gateway here): ${path} itself goes to ${event.spec.name}, every path below it to ${web.spec.name}`
          : functions.length > 1
          ? `${method} ${path} is claimed by ${functions.join(' and ')}: ${functions[0]} serves it (it was read first), ${functions.slice(1).join(', ')} never get these requests; give one a different path (or serve them from separate gateways)`
          : `${method} ${path} is declared ${list.length} times by ${functions[0]}; only the first endpoint is used`,
    });
  }
  return out;
}

/**
 * Two API services on the same prefix (separate domains on SCF, one gateway here): below the prefix, a
 * web function's API (which takes every path under it) goes before an event function's, whose path
 * itself it keeps.
 */
function webTwin(routes: Route[], route: Route, method: string, rawPath: string): Route | undefined {
  return routes.find((r) => r !== route && r.kind === 'prefix' && !r.mount && r.path === route.path && r.spec.type === 'web' && (r.method === 'ANY' || r.method === method) && r.pattern.test(rawPath));
}

export type MatchResult = { kind: 'match'; match: RouteMatch } | { kind: 'methodNotAllowed'; allow: string[] } | { kind: 'none' } | { kind: 'badPath'; message: string };

/** The route for a request; the path is the raw one from the request line (its parameters are decoded here). */
export function matchRoute(routes: Route[], method: string, rawPath: string): MatchResult {
  try {
    decodeURIComponent(rawPath);
  } catch {
    return { kind: 'badPath', message: `the path ${rawPath} has a malformed %-escape` };
  }
  const m = method.toUpperCase();
  const allow = new Set<string>();
  for (const route of routes) {
    const hit = route.pattern.exec(rawPath);
    if (!hit) continue;
    if (route.method !== 'ANY' && route.method !== m) {
      allow.add(route.method);
      continue;
    }
    const pathParameters: Record<string, string> = {};
    try {
      route.paramNames.forEach((name, i) => (pathParameters[name] = decodeURIComponent(hit[i + 1]!)));
    } catch {
      return { kind: 'badPath', message: `the path ${rawPath} has a malformed %-escape` };
    }
    const chosen = route.kind === 'prefix' && route.spec.type !== 'web' && rawPath !== route.path ? webTwin(routes, route, m, rawPath) ?? route : route;
    const forwardPath = chosen.mount ? hit[1] || '/' : rawPath;
    return { kind: 'match', match: { route: chosen, pathParameters, forwardPath } };
  }
  return allow.size ? { kind: 'methodNotAllowed', allow: [...allow].sort() } : { kind: 'none' };
}
