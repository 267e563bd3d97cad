/**
 * An HTTP request as SCF's API Gateway trigger hands it to an event function, and the function's
 * integrated response ({isBase64Encoded, statusCode, headers, body}) as the gateway turns it back into
 * an HTTP response (facts §7).
 */
import type { RouteMatch } from './routes';

export interface GatewayRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
}

export function apigwEvent(req: GatewayRequest, match: RouteMatch, requestId: string): Record<string, unknown> {
  const queryString: Record<string, string | string[]> = {};
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(req.query.keys())) {
    const all = req.query.getAll(key);
    queryString[key] = all.length === 1 ? all[0]! : all;
    queryStringParameters[key] = all[all.length - 1]!;
  }
  const isText = req.body.length === 0 || /^(text\/|application\/(json|xml|x-www-form-urlencoded))/i.test(req.headers['content-type'] ?? 'text/plain');
  return {
    requestContext: {
      serviceId: match.route.serviceId,
      path: match.route.path,
      httpMethod: req.method,
      requestId,
      identity: {},
      sourceIp: req.sourceIp,
      stage: match.route.stage,
    },
    headers: req.headers,
    body: isText ? req.body.toString('utf8') : req.body.toString('base64'),
    isBase64Encoded: !isText,
    pathParameters: match.pathParameters,
    queryStringParameters,
    headerParameters: {},
    stageVariables: { stage: match.route.stage },
    path: match.forwardPath,
    queryString,
    httpMethod: req.method,
  };
}

export interface HttpReply {
  status: number;
  /** A list stays separate header lines (several Set-Cookie). */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export const INVALID_RESPONSE: HttpReply = {
  status: 403,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ errno: 403, error: 'Invalid scf response format. please check your scf response format.' })),
};

/** The integrated response, or the gateway's 403 when it is not one. */
export function integratedResponse(result: unknown): HttpReply {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return INVALID_RESPONSE;
  const r = result as Record<string, unknown>;
  if (typeof r.statusCode !== 'number' || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) return INVALID_RESPONSE;
  if (r.headers !== undefined && (r.headers === null || typeof r.headers !== 'object' || Array.isArray(r.headers))) return INVALID_RESPONSE;
  if (r.body !== undefined && typeof r.body !== 'string') return INVALID_RESPONSE;
  if (r.isBase64Encoded !== undefined && typeof r.isBase64Encoded !== 'boolean') return INVALID_RESPONSE;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, unknown>)) {
    // Our choice: a list of values (several Set-Cookie) is several header lines, as a web function's would be.
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) {
      headers[k] = v.map(String);
      continue;
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return INVALID_RESPONSE;
    headers[k] = String(v);
  }
  const body = typeof r.body === 'string' ? Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  return { status: r.statusCode, headers, body };
}
