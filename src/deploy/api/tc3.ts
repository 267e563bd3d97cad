/**
 * TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature, for the local endpoint's check
 * (and for tests that craft raw requests). The official SDK signs the requests we send; this module
 * verifies them the way the cloud does:
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
 *   StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n Date/service/tc3_request \n hex(sha256(CanonicalRequest))
 *   kDate = HMAC("TC3" + SecretKey, Date); kService = HMAC(kDate, service); kSigning = HMAC(kService, "tc3_request")
 *   Signature = hex(HMAC(kSigning, StringToSign))
 *
 * Canonical headers are `name:value\n` with name and value lower-cased and trimmed, in SignedHeaders order;
 * `content-type` and `host` must be signed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ok, type Outcome, type Problem } from '../../model/outcome';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
/** The cloud refuses a request whose X-TC-Timestamp is more than 5 minutes off. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface SignInput {
  method: string;
  /** Path, `/` for the API. */
  path: string;
  query: string;
  /** Header name (any case) -> value, for the headers named in `signedHeaders`. */
  headers: Record<string, string>;
  signedHeaders: string[];
  /** The body, or `hashedPayload`: its hex SHA-256 (for a body streamed after signing). */
  body: Buffer | string;
  hashedPayload?: string;
  timestamp: number;
  service: string;
  secretId: string;
  secretKey: string;
}

export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function canonicalRequest(input: Omit<SignInput, 'secretId' | 'secretKey' | 'timestamp' | 'service'>): string {
  const lower = new Map(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = input.signedHeaders.map((h) => `${h}:${(lower.get(h) ?? '').trim().toLowerCase()}\n`).join('');
  return [input.method.toUpperCase(), input.path, input.query, canonicalHeaders, input.signedHeaders.join(';'), input.hashedPayload ?? sha256Hex(input.body)].join('\n');
}

export function signature(input: SignInput): string {
  const date = utcDate(input.timestamp);
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = [TC3_ALGORITHM, String(input.timestamp), scope, sha256Hex(canonicalRequest(input))].join('\n');
  const kDate = hmac(`TC3${input.secretKey}`, date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

/** The Authorization header value for a request. */
export function authorization(input: SignInput): string {
  const scope = `${utcDate(input.timestamp)}/${input.service}/tc3_request`;
  return `${TC3_ALGORITHM} Credential=${input.secretId}/${scope}, SignedHeaders=${input.signedHeaders.join(';')}, Signature=${signature(input)}`;
}

export interface ParsedAuthorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const m = /^TC3-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(value.trim());
  if (!m) return undefined;
  return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders: m[4]!.split(';'), signature: m[5]! };
}

/** Why a request is refused: the code is the cloud's own (AuthFailure.SignatureFailure ...). */
export type VerifyFailure = Problem;

export interface VerifyInput {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body's hex SHA-256 when it was hashed as it arrived (`body` is then what was kept of it). */
  bodySha256?: string;
  /** The service this endpoint is, e.g. `scf`. */
  service: string;
  /**
   * Other service names accepted in the credential scope. The official Node.js SDK signs the first label
   * of the endpoint's host as the service (`scf` for scf.tencentcloudapi.com, as the cloud expects; `127`
   * for a local endpoint at 127.0.0.1), so the local endpoint also accepts its own host's first label.
   */
  alsoAcceptServices?: readonly string[];
  lookupSecretKey(secretId: string): string | undefined;
  now?: number;
}

/**
 * Verifies a signed request. Returns the caller's SecretId, or the API's AuthFailure code and message.
 *
 * One tolerance, on purpose: the official Node.js SDK signs `host` as the URL's hostname without the
 * port while sending `Host: name:port`. On the cloud (port 443, no port in Host) the two agree; on a
 * local endpoint they differ, so the check accepts the signature computed over the Host header as sent
 * or over its hostname part. Everything else is checked exactly.
 */
/** The SecretId that signed the request, or why it is refused. */
export function verifyRequest(input: VerifyInput): Outcome<string, VerifyFailure> {
  const header = (name: string): string | undefined => {
    const v = input.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const auth = header('authorization');
  if (!auth) return { ok: false, error: { code: 'AuthFailure.SignatureFailure', message: 'The request has no Authorization header; sign it with TC3-HMAC-SHA256.' } };
  const parsed = parseAuthorization(auth);
  if (!parsed) {
    return { ok: false, error: { code: 'AuthFailure.InvalidAuthorization', message: 'The Authorization header is not "TC3-HMAC-SHA256 Credential=SecretId/Date/service/tc3_request, SignedHeaders=..., Signature=...".' } };
  }
  const tsText = header('x-tc-timestamp');
  const timestamp = Number(tsText);
  if (!tsText || !Number.isInteger(timestamp)) return { ok: false, error: { code: 'MissingParameter', message: 'The X-TC-Timestamp header is missing or not an integer.' } };
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, error: { code: 'AuthFailure.SignatureExpire', message: `The signature expired: X-TC-Timestamp ${timestamp} is more than ${MAX_CLOCK_SKEW_SECONDS} s from the server time ${now}. Check the clock.` } };
  }
  if (parsed.date !== utcDate(timestamp)) {
    return { ok: false, error: { code: 'AuthFailure.SignatureFailure', message: `The credential scope date ${parsed.date} is not the UTC date of X-TC-Timestamp (${utcDate(timestamp)}).` } };
  }
  // The cloud answers a scope naming another service with InvalidAuthorization ("`Service` in Credential
  // not valid", as seen in TencentCloud/tencentcloud-sdk-go#89), not with SignatureFailure.
  if (parsed.service !== input.service && !(input.alsoAcceptServices ?? []).includes(parsed.service)) {
    return { ok: false, error: { code: 'AuthFailure.InvalidAuthorization', message: `The Authorization header's credential scope names service "${parsed.service}"; this endpoint is "${input.service}". Sign for service ${input.service}.` } };
  }
  if (!parsed.signedHeaders.includes('content-type') || !parsed.signedHeaders.includes('host')) {
    return { ok: false, error: { code: 'AuthFailure.SignatureFailure', message: 'SignedHeaders must include content-type and host.' } };
  }
  const secretKey = input.lookupSecretKey(parsed.secretId);
  if (secretKey === undefined) {
    return { ok: false, error: { code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not known to this endpoint. Check the SecretId (for the local endpoint: its credentials file).' } };
  }
  const headers: Record<string, string> = {};
  for (const h of parsed.signedHeaders) headers[h] = header(h) ?? '';
  const hosts = [headers.host ?? ''];
  const withoutPort = (headers.host ?? '').replace(/:\d+$/, '');
  if (withoutPort !== hosts[0]) hosts.push(withoutPort);
  const given = Buffer.from(parsed.signature, 'hex');
  for (const host of hosts) {
    const expected = Buffer.from(
      signature({ method: input.method, path: input.path, query: input.query, headers: { ...headers, host }, signedHeaders: parsed.signedHeaders, body: input.body, hashedPayload: input.bodySha256, timestamp, service: parsed.service, secretId: parsed.secretId, secretKey }),
      'hex',
    );
    if (expected.length === given.length && timingSafeEqual(expected, given)) return ok(parsed.secretId);
  }
  return { ok: false, error: { code: 'AuthFailure.SignatureFailure', message: 'The request signature does not match. Check the SecretKey, and that the request was not changed after signing.' } };
}
