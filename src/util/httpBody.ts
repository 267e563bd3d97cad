/**
 * The one request-body reader and the one set of server timeouts for every HTTP server SCF Toolkit
 * runs on 127.0.0.1 (the local HTTP gateway, the local SCF endpoint, the Custom Runtime API): a body is
 * read up to a limit and never buffered past it, and a client that sends its headers or body too slowly
 * (slowloris) is cut off instead of holding a socket open for minutes.
 */
import type { IncomingMessage, ServerOptions } from 'node:http';
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

/**
 * The whole body, or `http.bodyTooLarge` as soon as it passes `limit` bytes (declared in
 * Content-Length or counted while it arrives; nothing past the limit is kept), or `http.aborted` when
 * the client goes away first. On too large, the caller answers 413 and should close the connection
 * (`Connection: close`); the rest of the body is read and dropped meanwhile.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Outcome<Buffer>> {
  const tooLarge = (size: string) => fail('http.bodyTooLarge', `the request body is ${size}, over the limit of ${formatLimit(limit)}`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(tooLarge(`${formatLimit(declared)} (Content-Length)`));
  }
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
        settle(tooLarge(`over ${formatLimit(limit)}`));
      } else chunks.push(c);
    });
    req.on('end', () => settle(ok(Buffer.concat(chunks))));
    req.on('error', (e) => settle(fail('http.aborted', `the request was cut off: ${e.message}`)));
    req.on('close', () => settle(req.complete ? ok(Buffer.concat(chunks)) : fail('http.aborted', 'the client closed the connection before the body ended')));
  });
}

function formatLimit(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB`;
  return `${n} bytes`;
}
