/**
 * The SCF API client for both targets: the official SDK (tencentcloud-sdk-nodejs-scf), pointed at
 * Tencent Cloud or, through its httpProfile, at the local endpoint. Errors come back as
 * `ApiCallError` with the API's code, its message, the request id and our fix.
 */
import { Agent } from 'node:http';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { apiErrorFix } from './api/apiErrors';
import type { Credentials } from './endpoint/credentials';

export type ScfSdkClient = InstanceType<typeof scf.v20180416.Client>;
export type DeployTarget = 'local' | 'tencent';
export const DEPLOY_TARGETS: readonly DeployTarget[] = ['local', 'tencent'];

export interface ClientOptions {
  target: DeployTarget;
  region: string;
  credentials: Credentials & { token?: string };
  /**
   * The local endpoint's URL (`http://127.0.0.1:PORT`); required for `local`. For `tencent`, another API
   * endpoint (e.g. a finance region's `https://scf.ap-shanghai-fsi.tencentcloudapi.com`, or an
   * SCF-compatible endpoint over http).
   */
  endpointUrl?: string;
  /** Seconds before a call gives up (SDK default 60). */
  timeoutSeconds?: number;
}

/** Tencent Cloud's endpoint for SCF. */
export const TENCENT_ENDPOINT = 'scf.tencentcloudapi.com';

/**
 * The local endpoint over plain http. The SDK signs the service name it takes from the endpoint's first
 * label (`127` for `127.0.0.1:PORT`); the endpoint accepts that (see tc3.ts). An agent of our own keeps
 * the SDK from sending a local call through an `http_proxy` from the environment.
 */
function localProfile(endpointUrl: string): { endpoint: string; protocol: string; agent: Agent } {
  const url = new URL(endpointUrl);
  return { endpoint: url.host, protocol: 'http://', agent: new Agent({ keepAlive: false }) };
}

export function createScfClient(options: ClientOptions): ScfSdkClient {
  const { secretId, secretKey, token } = options.credentials;
  const reqTimeout = options.timeoutSeconds ?? 330;
  let httpProfile;
  if (options.target === 'local') httpProfile = { ...localProfile(options.endpointUrl ?? missingEndpoint()), reqTimeout };
  else if (options.endpointUrl) {
    const url = new URL(options.endpointUrl);
    httpProfile = url.protocol === 'http:' ? { ...localProfile(options.endpointUrl), reqTimeout } : { endpoint: url.host, protocol: 'https://', reqTimeout };
  } else httpProfile = { endpoint: TENCENT_ENDPOINT, reqTimeout };
  return new scf.v20180416.Client({
    credential: { secretId, secretKey, ...(token ? { token } : {}) },
    region: options.region,
    profile: { signMethod: 'TC3-HMAC-SHA256', httpProfile },
  });
}

function missingEndpoint(): never {
  throw new Error('the local target needs the local endpoint URL');
}

/** An SCF API call that failed: the API's code and message, and what to do. */
export class ApiCallError extends Error {
  constructor(
    readonly action: string,
    readonly code: string,
    readonly apiMessage: string,
    readonly requestId: string,
    readonly fix: string,
  ) {
    super(`${action} failed: ${code}: ${apiMessage}${fix ? `\nFix: ${fix}` : ''}${requestId ? ` (RequestId ${requestId})` : ''}`);
  }
}

interface SdkError {
  code?: string;
  message?: string;
  requestId?: string;
  httpCode?: number;
}

/** Runs one SDK call, turning its exception into an ApiCallError. */
export async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = (e ?? {}) as SdkError;
    if (err.code) throw new ApiCallError(action, err.code, err.message ?? '', err.requestId ?? '', apiErrorFix(err.code));
    const msg = err.message ?? String(e);
    const network = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|socket hang up|network timeout|request-timeout/i.test(msg);
    throw new ApiCallError(
      action,
      network ? 'NetworkError' : err.httpCode ? `HTTP${err.httpCode}` : 'ClientError',
      msg,
      err.requestId ?? '',
      network ? 'The endpoint cannot be reached: for the local target, is `scf-toolkit serve` (or the extension\'s endpoint) running? For Tencent Cloud, check the network and proxy settings.' : '',
    );
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiCallError && (e.code === 'ResourceNotFound.Function' || e.code === 'ResourceNotFound.FunctionName');
}

/**
 * Invoke's LogType Tail log. The local endpoint sends it base64-encoded; the cloud's docs do not say,
 * so text that is not strict base64 of UTF-8 is shown as it is.
 */
export function decodeTailLog(log: string | undefined): string {
  if (!log) return '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(log) || log.length % 4 !== 0) return log;
  const bytes = Buffer.from(log, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.includes('\uFFFD') ? log : text;
}
