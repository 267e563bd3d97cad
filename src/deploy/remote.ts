/**
 * Working with deployed functions through the API, for either target: list them with their status,
 * invoke one with a test event ("cloud invoke"), read its recent logs.
 */
import { statusInfo } from '../emulator/statusCodes';
import { call, decodeTailLog, type ScfSdkClient } from './client';
import type { InvocationType, InvokeResult } from '../emulator/types';

export interface DeployedFunction {
  name: string;
  namespace: string;
  runtime: string;
  status: string;
  statusDesc: string;
  type: string;
  modTime: string;
  description: string;
}

export async function listDeployed(client: ScfSdkClient, namespace = 'default'): Promise<DeployedFunction[]> {
  const out: DeployedFunction[] = [];
  for (let offset = 0; ; ) {
    const page = await call('ListFunctions', () => client.ListFunctions({ Namespace: namespace, Offset: offset, Limit: 100, Orderby: 'FunctionName', Order: 'ASC' }));
    for (const f of page.Functions ?? []) {
      out.push({
        name: f.FunctionName ?? '',
        namespace: f.Namespace ?? namespace,
        runtime: f.Runtime ?? '',
        status: f.Status ?? '',
        statusDesc: f.StatusDesc ?? '',
        type: f.Type ?? 'Event',
        modTime: f.ModTime ?? '',
        description: f.Description ?? '',
      });
    }
    offset += page.Functions?.length ?? 0;
    if (!page.Functions?.length || offset >= (page.TotalCount ?? 0)) break;
  }
  return out;
}

export interface RemoteInvokeResult {
  requestId: string;
  /** 200 for success, otherwise the SCF status code (from InvokeResult, or ErrMsg's errorCode). */
  statusCode: number;
  statusName: string;
  /** The function's return value as JSON text (sync, success). */
  retMsg: string;
  errMsg: string;
  /** The log tail, decoded. */
  log: string;
  durationMs: number;
  billedDurationMs: number;
  memUsageBytes: number;
}

export async function invokeDeployed(
  client: ScfSdkClient,
  opts: { name: string; namespace: string; event: string; invocationType?: 'RequestResponse' | 'Event'; logTail?: boolean },
): Promise<RemoteInvokeResult> {
  const res = await call('Invoke', () =>
    client.Invoke({ FunctionName: opts.name, Namespace: opts.namespace, ClientContext: opts.event, InvocationType: opts.invocationType ?? 'RequestResponse', LogType: opts.logTail === false ? 'None' : 'Tail' }),
  );
  const r = res.Result ?? {};
  let statusCode = r.InvokeResult && r.InvokeResult !== 0 ? r.InvokeResult : 200;
  if (r.ErrMsg && statusCode === 200) {
    try {
      const parsed = JSON.parse(r.ErrMsg) as { errorCode?: number; statusCode?: number };
      statusCode = parsed.statusCode ?? parsed.errorCode ?? 430;
    } catch {
      statusCode = 430;
    }
  }
  return {
    requestId: r.FunctionRequestId ?? res.RequestId ?? '',
    statusCode,
    statusName: statusInfo(statusCode).name,
    retMsg: r.RetMsg ?? '',
    errMsg: r.ErrMsg ?? '',
    log: decodeTailLog(r.Log),
    durationMs: r.Duration ?? 0,
    billedDurationMs: r.BillDuration ?? 0,
    memUsageBytes: r.MemUsage ?? 0,
  };
}

/**
 * A deployed function's answer in the local invoke's shape, so both are shown alike (output and
 * status bar). SCF's ErrMsg is often JSON (`{"errorCode", "errorMessage", "stackTrace"}`): its parts
 * become the message and the stack. What the platform does not say (cold start, init duration) is left
 * out; `memorySize` is the function's, when known (0: not known).
 */
export function remoteInvokeResult(r: RemoteInvokeResult, options: { memorySize?: number; invocationType?: InvocationType } = {}): InvokeResult {
  const invocationType = options.invocationType ?? 'RequestResponse';
  const out: InvokeResult = {
    requestId: r.requestId,
    statusCode: r.statusCode,
    statusName: r.statusName,
    result: r.statusCode === 200 && invocationType === 'RequestResponse' ? parseJson(r.retMsg) : null,
    durationMs: r.durationMs,
    billedDurationMs: r.billedDurationMs,
    memorySize: options.memorySize ?? 0,
    maxMemoryUsedMB: Math.round((r.memUsageBytes / 1048576) * 100) / 100,
    coldStart: false,
    invocationType,
  };
  if (r.errMsg) {
    const parsed = parseJson(r.errMsg);
    const err = parsed && typeof parsed === 'object' ? (parsed as { errorMessage?: unknown; stackTrace?: unknown }) : undefined;
    out.errorMessage = typeof err?.errorMessage === 'string' ? err.errorMessage : r.errMsg;
    if (typeof err?.stackTrace === 'string' && err.stackTrace) out.errorStack = err.stackTrace;
  }
  return out;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface RemoteLog {
  requestId: string;
  startTime: string;
  retCode: number;
  retMsg: string;
  durationMs: number;
  log: string;
}

/** The newest invocations first. */
export async function recentLogs(client: ScfSdkClient, opts: { name: string; namespace: string; limit?: number; errorsOnly?: boolean }): Promise<RemoteLog[]> {
  const res = await call('GetFunctionLogs', () =>
    client.GetFunctionLogs({ FunctionName: opts.name, Namespace: opts.namespace, Limit: opts.limit ?? 20, Order: 'desc', OrderBy: 'start_time', ...(opts.errorsOnly ? { Filter: { RetCode: 'not0' } } : {}) }),
  );
  return (res.Data ?? []).map((d) => ({
    requestId: d.RequestId ?? '',
    startTime: d.StartTime ?? '',
    retCode: d.RetCode ?? 0,
    retMsg: d.RetMsg ?? '',
    durationMs: d.Duration ?? 0,
    log: d.Log ?? '',
  }));
}
