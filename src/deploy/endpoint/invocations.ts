/**
 * Invoke and GetFunctionLogs: running a deployed function in the emulator (its deployed code, unpacked
 * from the uploaded zip, and its deployed configuration) and keeping each invocation's log.
 */
import { join } from 'node:path';
import type { FunctionSpec } from '../../model';
import type { InvokeResult } from '../../emulator/types';
import { ApiError } from '../api/apiErrors';
import type { ActionContext, FunctionRunner, Lookup } from './actions';
import { apiTime, type EndpointState, type FunctionLogRecord, type FunctionRecord } from './state';
import * as v from './validate';

/** Invoke's log tail: the last 4 KB, like the platform. */
const TAIL_BYTES = 4096;

export interface InvokeDeps {
  state: EndpointState;
  runner: FunctionRunner | undefined;
  /** Keeps an invocation that outlives its request (async) known, so shutdown can wait for it. */
  track(p: Promise<unknown>): void;
  lookup: Lookup;
  /** Where a bound layer version's content is unpacked (its /opt). */
  layerDir?: (name: string, version: number) => string;
}

export async function invoke(deps: InvokeDeps, p: v.Params, ctx: ActionContext): Promise<object> {
  const k = deps.lookup.key(p, ctx);
  const record = deps.lookup.mustGet(k);
  const q = v.optionalString(p, 'Qualifier');
  if (q !== undefined && q !== '$LATEST') throw new ApiError('ResourceNotFound.Version', `Version ${q} of ${k.name} does not exist; the local endpoint keeps $LATEST only.`);
  const invocationType = v.optionalString(p, 'InvocationType') ?? 'RequestResponse';
  if (invocationType !== 'RequestResponse' && invocationType !== 'Event') {
    throw new ApiError('InvalidParameterValue.InvocationType', `InvocationType "${invocationType}" is invalid: RequestResponse or Event.`);
  }
  const logType = v.optionalString(p, 'LogType') ?? 'None';
  if (logType !== 'None' && logType !== 'Tail') throw new ApiError('InvalidParameterValue.LogType', `LogType "${logType}" is invalid: None or Tail.`);
  if (record.Status !== 'Active') {
    throw new ApiError('FailedOperation.FunctionStatusError', `Function ${k.name} is ${record.Status}, not Active; it cannot be invoked now.`);
  }
  if (!deps.runner) throw new ApiError('FailedOperation.InvokeFunction', 'This endpoint was started without an emulator; it cannot run functions.');
  const payload = v.optionalString(p, 'ClientContext') ?? '{}';
  const spec = deployedSpec(record, deps.state.codeDir(k, record.CodeSha256), join(deps.state.functionDir(k), 'function.json'), deps.layerDir);
  const lines: string[] = [];
  const startMs = Date.now();
  let acceptedId: string | undefined;
  let onAccepted: (id: string) => void = () => {};
  const accepted = new Promise<string>((resolve) => (onAccepted = resolve));
  const run = deps.runner.invoke(
    { spec, payload, invocationType, requestId: ctx.requestId },
    {
      onLog: (line) => lines.push(line.text),
      onAccepted: (id) => {
        acceptedId = id;
        onAccepted(id);
      },
    },
  );
  const finished = run.then((outcome) => {
    if (outcome.ok) {
      const r = outcome.value;
      const log: FunctionLogRecord = {
        FunctionName: k.name,
        RetMsg: r.statusCode === 200 ? (invocationType === 'Event' ? '' : JSON.stringify(r.result)) : (r.errorMessage ?? ''),
        RequestId: r.requestId,
        StartTime: apiTime(startMs),
        RetCode: r.statusCode === 200 ? 0 : r.statusCode,
        InvokeFinished: 1,
        Duration: r.durationMs,
        BillDuration: r.billedDurationMs,
        MemUsage: Math.round(r.maxMemoryUsedMB * 1024 * 1024),
        Log: lines.join('\n'),
        Level: '',
        Source: '',
        RetryNum: 0,
        startMs,
      };
      deps.state.appendLog(k, log);
    }
    return outcome;
  });
  deps.track(finished);
  if (invocationType === 'Event') {
    const first = await Promise.race([accepted.then(() => undefined), finished]);
    if (first && !first.ok) throw new ApiError('FailedOperation.InvokeFunction', first.error.message);
    if (first && first.ok && first.value.statusCode !== 200 && acceptedId === undefined) {
      // refused before running (event too large, not JSON): the caller hears it, as from the platform
      return { Result: invokeResult(first.value, lines, logType) };
    }
    return { Result: { FunctionRequestId: acceptedId ?? ctx.requestId, Log: '', RetMsg: '', ErrMsg: '', MemUsage: 0, Duration: 0, BillDuration: 0, InvokeResult: 0 } };
  }
  const outcome = await finished;
  if (!outcome.ok) throw new ApiError('FailedOperation.InvokeFunction', outcome.error.message);
  return { Result: invokeResult(outcome.value, lines, logType) };
}

export function getFunctionLogs(state: EndpointState, lookup: Lookup, p: v.Params, ctx: ActionContext): object {
  const ns = lookup.namespace(p, ctx);
  const name = v.optionalString(p, 'FunctionName');
  const offset = v.optionalInt(p, 'Offset') ?? 0;
  const limit = v.optionalInt(p, 'Limit') ?? 20;
  if (offset < 0 || limit < 0 || offset + limit > 10000) throw new ApiError('InvalidParameterValue', 'Offset + Limit must not exceed 10000.');
  const order = (v.optionalString(p, 'Order') ?? 'desc').toLowerCase();
  if (order !== 'asc' && order !== 'desc') throw new ApiError('InvalidParameterValue.Order', 'Order must be desc or asc.');
  const orderBy = v.optionalString(p, 'OrderBy') ?? 'start_time';
  const sortKey: Record<string, (l: FunctionLogRecord) => number | string> = {
    start_time: (l) => l.startMs,
    function_name: (l) => l.FunctionName,
    duration: (l) => l.Duration,
    mem_usage: (l) => l.MemUsage,
  };
  if (!sortKey[orderBy]) throw new ApiError('InvalidParameterValue.OrderBy', 'OrderBy must be function_name, duration, mem_usage or start_time.');
  let logs: FunctionLogRecord[];
  if (name !== undefined) {
    const k = { region: ctx.region, namespace: ns, name: v.functionName(p) };
    lookup.mustGet(k);
    logs = state.logs(k);
  } else {
    logs = state.list(ctx.region, ns).flatMap((f) => state.logs({ region: ctx.region, namespace: ns, name: f.FunctionName }));
  }
  const retCode = ((p.Filter ?? {}) as { RetCode?: string }).RetCode;
  const byRet: Record<string, (l: FunctionLogRecord) => boolean> = {
    is0: (l) => l.RetCode === 0,
    not0: (l) => l.RetCode !== 0,
    TimeLimitExceeded: (l) => l.RetCode === 433,
    ResourceLimitExceeded: (l) => l.RetCode === 434,
    UserCodeException: (l) => l.RetCode === 430 || l.RetCode === 443,
  };
  if (retCode) logs = logs.filter(byRet[retCode] ?? (() => true));
  const reqId = v.optionalString(p, 'FunctionRequestId');
  if (reqId) logs = logs.filter((l) => l.RequestId === reqId);
  const from = parseApiTime(v.optionalString(p, 'StartTime'));
  const to = parseApiTime(v.optionalString(p, 'EndTime'));
  if (from !== undefined) logs = logs.filter((l) => l.startMs >= from);
  if (to !== undefined) logs = logs.filter((l) => l.startMs <= to + 999);
  const key = sortKey[orderBy]!;
  logs.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = x < y ? -1 : x > y ? 1 : a.startMs - b.startMs;
    return order === 'asc' ? c : -c;
  });
  return {
    TotalCount: logs.length,
    Data: logs.slice(offset, offset + limit).map(({ startMs: _omit, ...rest }) => rest),
    SearchContext: { Offset: '', Limit: limit, Keyword: '', Type: '' },
  };
}

function parseApiTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(`${s.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new ApiError('InvalidParameterValue', `"${s}" is not a time like 2017-05-16 20:00:00.`);
  return ms;
}

function invokeResult(r: InvokeResult, lines: string[], logType: string): object {
  let log = '';
  if (logType === 'Tail') {
    const all = Buffer.from(lines.join('\n'));
    // Our choice, as the issue asks: the tail is base64 (the cloud's docs do not state an encoding).
    log = all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString('base64');
  }
  const failed = r.statusCode !== 200;
  return {
    FunctionRequestId: r.requestId,
    RetMsg: failed ? '' : JSON.stringify(r.result),
    ErrMsg: failed ? JSON.stringify({ errorCode: r.statusCode, errorMessage: r.errorMessage ?? r.statusName, stackTrace: r.errorStack ?? '', statusCode: r.statusCode }) : '',
    Log: log,
    MemUsage: Math.round(r.maxMemoryUsedMB * 1024 * 1024),
    Duration: r.durationMs,
    BillDuration: r.billedDurationMs,
    InvokeResult: failed ? r.statusCode : 0,
  };
}

/** The FunctionSpec the emulator runs: the deployed configuration over the unpacked deployed code. */
export function deployedSpec(r: FunctionRecord, codeDir: string, file: string, layerDir?: (name: string, version: number) => string): FunctionSpec {
  return {
    ...(r.Layers?.length && layerDir ? { layers: r.Layers.map((l) => ({ name: l.LayerName, version: l.LayerVersion, dir: layerDir(l.LayerName, l.LayerVersion) })) } : {}),
    file,
    instanceName: r.FunctionName,
    app: '',
    stage: '',
    name: r.FunctionName,
    namespace: r.Namespace,
    region: r.Region,
    codeDir,
    srcExclude: [],
    srcInclude: [],
    type: r.Type === 'HTTP' ? 'web' : 'event',
    handler: r.Handler,
    runtime: r.Runtime,
    memorySize: r.MemorySize,
    timeout: r.Timeout,
    initTimeout: r.InitTimeout,
    description: r.Description,
    environment: Object.fromEntries(r.Environment.Variables.map((x) => [x.Key, x.Value])),
    asyncRunEnable: r.AsyncRunEnable === 'TRUE',
    events: [],
  };
}
