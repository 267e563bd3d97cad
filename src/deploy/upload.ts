/**
 * The API calls that carry a code package (CreateFunction, UpdateFunctionCode, PublishLayerVersion),
 * with the zip streamed from its file into the JSON body as base64. SCF's API takes the package only
 * as base64 inside the JSON body (`Code.ZipFile`, `ZipFile`, `Content.ZipFile`; scf-platform-facts §3),
 * and TC3-HMAC-SHA256 signs the body's SHA-256, so the file is read twice: once to hash the body, once
 * to send it; neither holds more than a piece of it. Through the SDK the same call held the base64
 * string, the JSON string (json-bigint's stringify), and the Buffer node-fetch sends: four copies.
 *
 * The request is the SDK's own (tencentcloud-sdk-nodejs-common's doRequestWithSign3): the same
 * headers, the service signed as the endpoint's first label, `host` signed without the port, http_proxy
 * honoured for https; errors are thrown in the SDK's shape ({ code, message, requestId } or httpCode),
 * so `call()` in client.ts turns them into ApiCallError as before.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { authorization } from './api/tc3';
import type { ScfSdkClient } from './client';

/**
 * Base64 pieces of 64 KB (from 48 KB of zip): a multiple of 3 bytes, so the pieces join into one base64
 * text; and small enough to be young objects in V8 (3 MB pieces were 4 MB strings, allocated straight
 * into the old generation and left there as garbage: 30 MB more at the peak of a deploy).
 */
const PIECE = 48 * 1024;
const PLACEHOLDER = '\u0000scf-toolkit-zip\u0000';

export interface ZipUpload {
  action: 'CreateFunction' | 'UpdateFunctionCode' | 'PublishLayerVersion';
  /** The request's parameters, without the zip. */
  params: Record<string, unknown>;
  /** Where the base64 goes: ['Code', 'ZipFile'], ['ZipFile'] or ['Content', 'ZipFile']. */
  at: readonly string[];
  zipFile: string;
  zipBytes: number;
  signal?: AbortSignal;
}

/** The JSON body around the zip: what comes before its base64 and what comes after. */
export function bodyAround(params: Record<string, unknown>, at: readonly string[]): { before: string; after: string } {
  const copy: Record<string, unknown> = structuredClone(params);
  let obj = copy;
  for (const key of at.slice(0, -1)) obj = (obj[key] ??= {}) as Record<string, unknown>;
  obj[at[at.length - 1]!] = PLACEHOLDER;
  // As the SDK does (deepRemoveNull): null and undefined values are left out.
  const json = JSON.stringify(copy, (_k, x: unknown) => (x === null ? undefined : x));
  const marker = JSON.stringify(PLACEHOLDER);
  const i = json.indexOf(marker);
  return { before: `${json.slice(0, i)}"`, after: `"${json.slice(i + marker.length)}` };
}

/** Reads the zip in pieces and hands each piece's base64 to `each`. */
async function eachBase64(zipFile: string, each: (text: string) => Promise<void> | void): Promise<number> {
  const file = await open(zipFile, 'r');
  const piece = Buffer.allocUnsafe(PIECE);
  let total = 0;
  try {
    for (;;) {
      let n = 0;
      while (n < PIECE) {
        const { bytesRead } = await file.read(piece, n, PIECE - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      if (n === 0) break;
      total += n;
      await each(piece.toString('base64', 0, n));
      if (n < PIECE) break;
    }
  } finally {
    await file.close();
  }
  return total;
}

interface SdkLikeError extends Error {
  code?: string;
  requestId?: string;
  httpCode?: number;
}

/** Runs the call and answers its `Response` (without Error), or throws the SDK's kind of error. */
export async function callWithZip<T>(client: ScfSdkClient, upload: ZipUpload): Promise<T> {
  const { before, after } = bodyAround(upload.params, upload.at);
  const hash: Hash = createHash('sha256').update(before, 'utf8');
  const hashed = await eachBase64(upload.zipFile, (text) => void hash.update(text, 'latin1'));
  if (hashed !== upload.zipBytes) throw new Error(`${upload.zipFile} changed after it was packaged (${upload.zipBytes} bytes, now ${hashed})`);
  const hashedPayload = hash.update(after, 'utf8').digest('hex');
  const contentLength = Buffer.byteLength(before) + 4 * Math.ceil(upload.zipBytes / 3) + Buffer.byteLength(after);

  const http = client.profile.httpProfile ?? {};
  const protocol = http.protocol ?? 'https://';
  const url = new URL(`${protocol}${client.endpoint}${client.path || '/'}`);
  const credential = await client.getCredential();
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    ...(http.headers ?? {}),
    Host: url.host,
    'X-TC-Action': upload.action,
    'X-TC-Region': client.region,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': client.apiVersion,
    'X-TC-RequestClient': client.sdkVersion,
    'X-TC-TraceId': randomUUID(),
    'Content-Type': 'application/json',
    'Content-Length': String(contentLength),
  };
  if (!client.region) delete headers['X-TC-Region'];
  if (credential.token) headers['X-TC-Token'] = credential.token;
  if (client.profile.language) headers['X-TC-Language'] = client.profile.language;
  headers.Authorization = authorization({
    method: 'POST',
    path: url.pathname,
    query: url.search.slice(1),
    headers: { 'content-type': 'application/json', host: url.hostname },
    signedHeaders: ['content-type', 'host'],
    body: '',
    hashedPayload,
    timestamp,
    service: client.endpoint.split('.')[0]!,
    secretId: credential.secretId ?? '',
    secretKey: credential.secretKey ?? '',
  });
  const proxy = http.proxy || process.env.http_proxy;
  const agent = (http.agent as HttpAgent | undefined) ?? (url.protocol === 'https:' && proxy ? new HttpsProxyAgent(proxy) : undefined);
  const timeoutMs = (http.reqTimeout ?? 60) * 1000;

  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent, signal: upload.signal }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`network timeout at: ${url.href}`)));
    req.once('error', reject);
    const write = (text: string) =>
      new Promise<void>((done, failed) => {
        if (req.destroyed) return failed(new Error('the request was closed'));
        if (req.write(text, 'latin1')) return done();
        const onDrain = () => {
          req.off('close', onClose);
          done();
        };
        const onClose = () => {
          req.off('drain', onDrain);
          failed(new Error('the request was closed'));
        };
        req.once('drain', onDrain);
        req.once('close', onClose);
      });
    void (async () => {
      await write(before);
      await eachBase64(upload.zipFile, write);
      req.end(after, 'utf8');
    })().catch((e: unknown) => req.destroy(e as Error));
  });
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (res.statusCode !== 200) {
    const e: SdkLikeError = new Error(res.statusMessage || `HTTP ${res.statusCode}`);
    e.httpCode = res.statusCode;
    throw e;
  }
  let parsed: { Response?: { Error?: { Code?: string; Message?: string }; RequestId?: string } & Record<string, unknown> };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new Error(`the answer to ${upload.action} is not JSON: ${text.slice(0, 200)}`);
  }
  const response = parsed.Response ?? {};
  if (response.Error) {
    const e: SdkLikeError = new Error(response.Error.Message ?? '');
    e.code = response.Error.Code;
    e.requestId = response.RequestId;
    throw e;
  }
  return response as T;
}
