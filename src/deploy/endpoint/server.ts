/**
 * The local SCF endpoint: Tencent Cloud API 3.0 over HTTP on 127.0.0.1. Every request must be a
 * POST of JSON, signed TC3-HMAC-SHA256 with the endpoint's key pair for service `scf`; the action
 * comes from X-TC-Action, the region from X-TC-Region. Answers have the API's shape:
 * `{"Response": {..., "RequestId"}}`, errors `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`
 * (with HTTP 200, as the cloud does).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../api/apiErrors';
import { verifyRequest } from '../api/tc3';
import { ScfActions, type FunctionRunner } from './actions';
import { loadOrCreateLocalCredentials, type Credentials } from './credentials';
import { EndpointState } from './state';
import type { UnzipLimits } from './unzip';
import { answerBeforeBody, serverOptions } from '../../util/httpBody';
import { MAX_PACKAGE_BYTES } from '../package';
import { readUploadBody, type UploadBody } from './uploadBody';

export const API_VERSION = '2018-04-16';
export const SERVICE = 'scf';
/** A 50 MB package is about 67 MB in base64, plus the rest of the JSON. */
const MAX_BODY_BYTES = 80 * 1024 * 1024;

export interface LocalEndpointOptions {
  stateDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Runs deployed functions (the emulator). Without one, Invoke answers FailedOperation.InvokeFunction. */
  runner?: FunctionRunner;
  /** Defaults to the state folder's credentials.json (made on first use). */
  credentials?: Credentials;
  /** One line per request (action, function, outcome); never bodies or credentials. */
  onRequest?: (line: string) => void;
  /** Unpacked size and entry limits of code packages (default SCF's, unzip.ts); tests pass smaller ones. */
  unzipLimits?: UnzipLimits;
  /** The largest request body read (default MAX_BODY_BYTES); tests pass a smaller one. */
  maxBodyBytes?: number;
}

export interface LocalEndpoint {
  url: string;
  port: number;
  stateDir: string;
  credentials: Credentials;
  actions: ScfActions;
  close(): Promise<void>;
}

export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const state = new EndpointState(options.stateDir);
  state.clearStaleUploads();
  const credentials = options.credentials ?? loadOrCreateLocalCredentials(options.stateDir);
  const actions = new ScfActions(state, options.runner, options.unzipLimits);
  const server = createServer(serverOptions(), (req, res) => {
    handle(req, res).catch((e: unknown) => send(res, randomUUID(), undefined, { Error: { Code: 'InternalError', Message: (e as Error)?.message ?? String(e) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const traceId = header(req, 'x-tc-traceid');
    const started = Date.now();
    const action = header(req, 'x-tc-action') ?? '';
    const fail = (code: string, message: string, unread?: IncomingMessage) => {
      options.onRequest?.(`${action || '-'} -> ${code} (${Date.now() - started} ms)`);
      send(res, requestId, traceId, { Error: { Code: code, Message: message } }, unread);
    };
    const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
    // ZipFile values go to spool files as they arrive (uploadBody.ts); `body` is the rest of the JSON.
    const read = await readUploadBody(req, maxBody, state.uploadsDir(), MAX_PACKAGE_BYTES);
    if (!read.ok) {
      if (read.error.code === 'http.aborted') return; // nobody is left to answer
      return fail('RequestSizeLimitExceeded', `The request body is over ${Math.round((maxBody / 1048576) * 10) / 10} MB.`, req);
    }
    try {
      await answer(read.value);
    } finally {
      read.value.dispose(); // the spooled zips no action moved into place
    }

    async function answer(upload: UploadBody): Promise<void> {
      const body = upload.json;
      if (req.method !== 'POST') return fail('UnsupportedProtocol', 'The local endpoint accepts POST with a JSON body (the SDK default).');
      const url = new URL(req.url ?? '/', 'http://local');
      const verified = verifyRequest({
        method: req.method,
        path: url.pathname,
        query: url.search.slice(1),
        headers: req.headers,
        body,
        bodySha256: upload.sha256,
        service: SERVICE,
        alsoAcceptServices: [hostLabel(header(req, 'host'))],
        lookupSecretKey: (id) => (id === credentials.secretId ? credentials.secretKey : undefined),
      });
      if (!verified.ok) return fail(verified.error.code, verified.error.message);
      const version = header(req, 'x-tc-version');
      if (version !== API_VERSION) return fail('NoSuchVersion', `API version "${version ?? ''}" is not offered; use ${API_VERSION}.`);
      const run = actions.actions[action];
      if (!run) return fail('InvalidAction', `Action "${action}" does not exist (or is not offered by the local endpoint).`);
      const region = header(req, 'x-tc-region');
      if (!region) return fail('MissingParameter', 'The X-TC-Region header is missing; set the region (e.g. ap-guangzhou).');
      let params: Record<string, unknown>;
      try {
        const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        params = parsed as Record<string, unknown>;
      } catch {
        return fail('InvalidParameter.Payload', 'The request body is not a JSON object.');
      }
      try {
        const result = await run(params, { region, requestId, zips: upload.zips });
        const fn = typeof params.FunctionName === 'string' ? ` ${params.FunctionName}` : '';
        options.onRequest?.(`${action}${fn} (${region}) -> ok (${Date.now() - started} ms)`);
        send(res, requestId, traceId, result);
      } catch (e) {
        if (e instanceof ApiError) return fail(e.code, e.message);
        throw e;
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stateDir: options.stateDir,
    credentials,
    actions,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await actions.idle();
    },
  };
}

/** The first label of the Host header's name: what the official Node.js SDK signs as the service. */
function hostLabel(host: string | undefined): string {
  return (host ?? '').replace(/:\d+$/, '').split('.')[0] ?? '';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `unread`: the request, when its body was refused before it all arrived (see answerBeforeBody). */
function send(res: ServerResponse, requestId: string, traceId: string | undefined, payload: object, unread?: IncomingMessage): void {
  if (res.headersSent) return;
  const body = Buffer.from(JSON.stringify({ Response: { ...payload, RequestId: requestId } }));
  const headers = { 'Content-Type': 'application/json', ...(traceId ? { 'X-TC-TraceId': traceId } : {}) };
  if (unread) return answerBeforeBody(unread, res, 200, headers, body);
  res.writeHead(200, { ...headers, 'Content-Length': body.length });
  res.end(body);
}
