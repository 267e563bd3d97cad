/**
 * The local HTTP gateway: an HTTP server on 127.0.0.1 that routes requests to functions the way API
 * Gateway and web functions do on SCF. Event functions get SCF's API Gateway event and answer with a
 * plain result (sent as JSON) or, with `isIntegratedResponse`, an integrated response; web functions
 * get the HTTP request itself. Gateway-owned headers (connection, X-SCF-*) are set here, never by the caller.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionSpec } from '../../model';
import type { Emulator } from '../emulator';
import type { LogLine } from '../types';
import { isGatewayOwnedHeader, type HttpEvent, type HttpResult } from '../webFunction';
import { apigwEvent, integratedResponse, type HttpReply } from './apigwEvent';
import { buildRoutes, matchRoute, routeConflicts, type Route, type RouteConflict } from './routes';
import { SYNC_EVENT_LIMIT } from '../limits';
import { newRequestId, now } from '../clock';
import { answerBeforeBody, readBody, serverOptions, type ServerTimeouts } from '../../util/httpBody';

export interface GatewayOptions {
  specs: FunctionSpec[];
  emulator: Emulator;
  /** Default 0: a free port. */
  port?: number;
  onLog?: (line: LogLine, spec: FunctionSpec) => void;
  /** One line per request: method, path, function, status, time. */
  onRequest?: (line: string) => void;
  /** Overrides of the header and body timeouts (util/httpBody.ts SERVER_TIMEOUTS), for tests. */
  timeouts?: Partial<ServerTimeouts>;
}

export interface Gateway {
  url: string;
  port: number;
  routes: Route[];
  /** Routes claimed twice (two demos on GET /): reported when the gateway starts, never silently shadowed. */
  conflicts: RouteConflict[];
  close(): Promise<void>;
}

/** How a function's failure shows to an HTTP client (our choice; SCF's gateway answers with errno/error JSON). */
function failureStatus(scfStatus: number): number {
  if (scfStatus === 406) return 413;
  if (scfStatus === 433) return 504;
  // Concurrency over the quota (SCF's 432 ResourceLimitReached): HTTP's Too Many Requests, so clients back off.
  if (scfStatus === 432 || scfStatus === 429) return 429;
  return 502;
}

/**
 * The largest request body the gateway reads: SCF's sync event limit (6 MB), since the body travels
 * inside the event (the event of a larger body would end in 406 anyway). Past it: 413, unread.
 */
export const MAX_GATEWAY_BODY = SYNC_EVENT_LIMIT;

function json(status: number, value: unknown): HttpReply {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) };
}

export function describeRoutes(routes: Route[]): string[] {
  const shown = (r: Route) => (r.kind === 'exact' ? `=${r.path}` : r.kind === 'pattern' ? r.path : `${r.path.replace(/\/$/, '')}/*`);
  return routes.map((r) => `${r.method.padEnd(6)} ${shown(r)}  ->  ${r.spec.name}${r.spec.type === 'web' ? ' (web)' : r.integratedResponse ? ' (integrated response)' : ''}`);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const routes = buildRoutes(options.specs);
  const conflicts = routeConflicts(routes);
  const server = createServer(serverOptions(options.timeouts), (req, res) => {
    void handle(req, res).catch((e: unknown) => send(res, json(500, { errno: 500, error: `gateway error: ${(e as Error).message}` }), ''));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const read = await readBody(req, MAX_GATEWAY_BODY);
    if (!read.ok) {
      if (read.error.code === 'http.aborted') return;
      send(res, json(413, { errno: 413, error: `${read.error.message}: SCF's sync event limit; send large data through COS and pass its key` }), '', req);
      options.onRequest?.(`${method} ${url.pathname} -> body too large (413)`);
      return;
    }
    const body = read.value;
    const found = matchRoute(routes, method, url.pathname);
    if (found.kind === 'badPath') {
      send(res, json(400, { errno: 400, error: found.message }), '');
      options.onRequest?.(`${method} ${url.pathname} -> bad path (400)`);
      return;
    }
    if (found.kind === 'methodNotAllowed') {
      send(res, { ...json(405, { errno: 405, error: `${method} is not allowed on ${url.pathname}; the routes of this path take ${found.allow.join(', ')}` }), headers: { 'content-type': 'application/json', allow: found.allow.join(', ') } }, '');
      options.onRequest?.(`${method} ${url.pathname} -> method not allowed (405)`);
      return;
    }
    if (found.kind === 'none') {
      send(res, json(404, { errno: 404, error: `no route for ${method} ${url.pathname}`, routes: describeRoutes(routes) }), '');
      options.onRequest?.(`${method} ${url.pathname} -> no route (404)`);
      return;
    }
    const match = found.match;
    // The client's headers as API Gateway passes them on, its Host included; gateway-owned ones are set here.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !isGatewayOwnedHeader(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const spec = match.route.spec;
    const requestId = newRequestId();
    let payload: unknown;
    if (spec.type === 'web') {
      const isText = body.length === 0 || /^(text\/|application\/(json|xml|x-www-form-urlencoded))/i.test(headers['content-type'] ?? 'text/plain');
      const event: HttpEvent = {
        httpMethod: method,
        path: match.forwardPath,
        headers,
        queryString: Object.fromEntries([...new Set(url.searchParams.keys())].map((k) => [k, url.searchParams.getAll(k).length > 1 ? url.searchParams.getAll(k) : url.searchParams.get(k)!])),
        body: isText ? body.toString('utf8') : body.toString('base64'),
        isBase64Encoded: !isText,
      };
      payload = event;
    } else {
      payload = apigwEvent({ method, path: url.pathname, query: url.searchParams, headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' }, match, requestId);
    }
    const outcome = await options.emulator.invoke(
      { spec, payload: JSON.stringify(payload), requestId },
      { onLog: (line) => options.onLog?.(line, spec) },
    );
    let reply: HttpReply;
    if (!outcome.ok) reply = json(500, { errno: 500, error: outcome.error.message });
    else if (outcome.value.statusCode !== 200) {
      reply = json(failureStatus(outcome.value.statusCode), { errno: outcome.value.statusCode, error: `${outcome.value.statusName}: ${outcome.value.errorMessage ?? ''}`, requestId });
    } else if (spec.type === 'web') {
      const r = outcome.value.result as HttpResult;
      reply = { status: r.statusCode, headers: r.headers, body: Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8') };
    } else if (match.route.integratedResponse) {
      reply = integratedResponse(outcome.value.result);
    } else {
      reply = json(200, outcome.value.result);
    }
    send(res, reply, requestId);
    options.onRequest?.(`${method} ${url.pathname} -> ${spec.name} ${reply.status} (${(now() - started).toFixed(1)} ms, RequestId ${requestId})`);
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    routes,
    conflicts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `unread`: the request, when its body was refused before it all arrived (see answerBeforeBody). */
function send(res: ServerResponse, reply: HttpReply, requestId: string, unread?: IncomingMessage): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(reply.headers)) if (!isGatewayOwnedHeader(k) && k.toLowerCase() !== 'date') headers[k] = v;
  if (requestId) headers['x-scf-request-id'] = requestId;
  if (unread) return answerBeforeBody(unread, res, reply.status, headers, reply.body);
  headers['content-length'] = String(reply.body.length);
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}
