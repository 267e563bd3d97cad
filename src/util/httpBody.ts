/**
 * The one request-body reader and the one set of server timeouts for every HTTP server SCF Toolkit
 * runs on 127.0.0.1 (the local HTTP gateway, the local SCF endpoint, the Custom Runtime API): a body is
 * read up to a limit and never buffered past it, and a client that sends its headers or body too slowly
 * (slowloris) is cut off instead of holding a socket open for minutes.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerOptions, ServerResponse } from 'node:http';
import { fail, ok, type Outcome } from '../model/outcome';

/**
 * Timeouts every server gets (Node's defaults are 60 s for headers and 300 s for a request, checked
 * every 30 s: 200 slowloris sockets were still open after 73 s). A request on 127.0.0.1 sends its headers
 * in well under a second and a 50 MB body in a few.
 */
export interface ServerTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
  keepAliveTimeout: number;
}

export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = {
  headersTimeout: 10_000,
  requestTimeout: 60_000,
  connectionsCheckingInterval: 1_000,
  keepAliveTimeout: 5_000,
};

/** Options for `http.createServer`, with the timeouts above (and any overrides, for tests). */
export function serverOptions(overrides: Partial<ServerTimeouts> = {}): ServerOptions {
  return { ...SERVER_TIMEOUTS, ...overrides };
}

/** `http.bodyTooLarge` for a body that passed `limit` bytes (`declared`: what its Content-Length said). */
export function bodyTooLarge(limit: number, declared?: number): Outcome<never> {
  const size = declared === undefined ? `over ${formatLimit(limit)}` : `${formatLimit(declared)} (Content-Length)`;
  return fail('http.bodyTooLarge', `the request body is ${size}, over the limit of ${formatLimit(limit)}`);
}

/**
 * Before any of the body is read: `http.bodyTooLarge` when its Content-Length is over `limit` (the rest
 * is then read and dropped), undefined otherwise. Every body reader starts with it.
 */
export function refuseDeclaredTooLarge(req: IncomingMessage, limit: number): Outcome<never> | undefined {
  const declared = Number(req.headers['content-length']);
  if (!Number.isFinite(declared) || declared <= limit) return undefined;
  req.resume();
  return bodyTooLarge(limit, declared);
}

/**
 * The whole body, or `http.bodyTooLarge` as soon as it passes `limit` bytes (declared in
 * Content-Length or counted while it arrives; nothing past the limit is kept), or `http.aborted` when
 * the client goes away first. On too large, the caller answers at once with `answerBeforeBody`; the
 * rest of the body is read and dropped meanwhile.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Outcome<Buffer>> {
  const refused = refuseDeclaredTooLarge(req, limit);
  if (refused) return Promise.resolve(refused);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: Outcome<Buffer>) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    req.on('data', (c: Buffer) => {
      if (settled) return;
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        settle(bodyTooLarge(limit));
      } else chunks.push(c);
    });
    req.on('end', () => settle(ok(Buffer.concat(chunks))));
    req.on('error', (e) => settle(fail('http.aborted', `the request was cut off: ${e.message}`)));
    req.on('close', () => settle(req.complete ? ok(Buffer.concat(chunks)) : fail('http.aborted', 'the client closed the connection before the body ended')));
  });
}

/** How long the rest of a refused request's body is read (and dropped) before its connection may close. */
export const LINGER_MS = 5_000;

/**
 * Sends a whole answer to a request whose body has not all arrived (one refused as too large), and ends
 * the response once the rest of the body has been read and dropped, or after `lingerMs`. Ending it at
 * once lets Node close the connection (it does after the answer when the request or the answer says
 * `Connection: close`) while the client is still sending: the client then gets EPIPE or ECONNRESET
 * instead of the answer (the soak suite saw it for 100 MB uploads). This is the "lingering close" that
 * nginx and Apache do.
 */
export function answerBeforeBody(req: IncomingMessage, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer, lingerMs = LINGER_MS): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  if (req.complete || req.destroyed) {
    res.end(body);
    return;
  }
  res.write(body); // the client has the whole answer now (Content-Length), whatever the connection does next
  req.resume();
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    res.end();
  };
  const timer = setTimeout(finish, lingerMs);
  req.once('end', finish);
  req.once('close', finish);
}

function formatLimit(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB`;
  return `${n} bytes`;
}
