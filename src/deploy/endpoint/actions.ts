/**
 * The SCF API actions a deploy and an invoke need, over the endpoint's state, with the API's request
 * and response shapes (field names as in tencentcloud-sdk-nodejs-scf's models) and error codes.
 *
 * Creating and updating code are asynchronous, as on the platform: the call returns at once with the
 * function `Creating` / `Updating`; the package is unpacked in the background and the function turns
 * `Active` (or `CreateFailed` / `UpdateFailed`). Callers wait for `Active` by polling GetFunction.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InvokeOptions, InvokeRequest } from '../../emulator/types';
import type { InvokeOutcome } from '../../emulator/emulator';
import { ApiError } from '../api/apiErrors';
import { getFunctionLogs, invoke } from './invocations';
import { apiTime, type EndpointState, type FunctionKey, type FunctionRecord } from './state';
import * as v from './validate';
import { unpackZip, UNZIP_LIMITS, type UnzipLimits } from './unzip';
import { receiveZip } from './receivedZip';
import type { SpooledZip } from './uploadBody';
import { LayerActions } from './layers';

/** What runs a deployed function: the emulator (its `invoke` has exactly this shape). */
export interface FunctionRunner {
  invoke(req: InvokeRequest, opts?: InvokeOptions): Promise<InvokeOutcome>;
}

export interface ActionContext {
  region: string;
  requestId: string;
  /** The code packages spooled from the request body (uploadBody.ts), by the token in their ZipFile. */
  zips?: ReadonlyMap<string, SpooledZip>;
}

/** Finding a function or namespace named by a request, with the API's errors when missing. */
export interface Lookup {
  key(p: v.Params, ctx: ActionContext): FunctionKey;
  namespace(p: v.Params, ctx: ActionContext): string;
  mustGet(k: FunctionKey): FunctionRecord;
}

export class ScfActions implements Lookup {
  /** Background unpack jobs, so tests and shutdown can wait for them. */
  private readonly jobs = new Set<Promise<void>>();
  private readonly running = new Set<Promise<unknown>>();
  /** Layer versions and their binding to functions (layers.ts). */
  readonly layers: LayerActions;

  constructor(
    private readonly state: EndpointState,
    private readonly runner: FunctionRunner | undefined,
    /** SCF's limits by default; tests pass smaller ones. */
    private readonly unzipLimits: UnzipLimits = UNZIP_LIMITS,
  ) {
    this.layers = new LayerActions(state.dir, unzipLimits, (value, ctx) => receiveZip(value, unzipLimits, state.uploadsDir(), ctx.zips));
    Object.assign(this.actions, this.layers.actions);
  }

  readonly actions: Record<string, (p: v.Params, ctx: ActionContext) => Promise<object> | object> = {
    CreateFunction: (p, ctx) => this.createFunction(p, ctx),
    UpdateFunctionCode: (p, ctx) => this.updateFunctionCode(p, ctx),
    UpdateFunctionConfiguration: (p, ctx) => this.updateFunctionConfiguration(p, ctx),
    GetFunction: (p, ctx) => this.getFunction(p, ctx),
    GetFunctionAddress: (p, ctx) => this.getFunctionAddress(p, ctx),
    ListFunctions: (p, ctx) => this.listFunctions(p, ctx),
    DeleteFunction: (p, ctx) => this.deleteFunction(p, ctx),
    Invoke: (p, ctx) => invoke({ state: this.state, runner: this.runner, track: (t) => this.track(t), lookup: this, layerDir: (name, version) => this.layers.contentDir(ctx.region, name, version) }, p, ctx),
    GetFunctionLogs: (p, ctx) => getFunctionLogs(this.state, this, p, ctx),
    CreateNamespace: (p, ctx) => this.createNamespace(p, ctx),
    ListNamespaces: (_p, ctx) => this.listNamespaces(ctx),
  };

  /** Waits for background work (unpacking, async invocations) to finish. */
  async idle(): Promise<void> {
    while (this.jobs.size > 0 || this.running.size > 0) await Promise.allSettled([...this.jobs, ...this.running]);
    await this.layers.idle();
  }

  key(p: v.Params, ctx: ActionContext): FunctionKey {
    return { region: ctx.region, namespace: this.namespace(p, ctx), name: v.functionName(p) };
  }

  /** The request's namespace, which must exist. */
  namespace(p: v.Params, ctx: ActionContext): string {
    const ns = v.namespace(p);
    if (!this.state.hasNamespace(ctx.region, ns)) {
      throw new ApiError('ResourceNotFound.Namespace', `Namespace ${ns} does not exist in region ${ctx.region}; create it first (CreateNamespace).`);
    }
    return ns;
  }

  private createNamespace(p: v.Params, ctx: ActionContext): object {
    const ns = v.requireString(p, 'Namespace');
    v.namespace(p);
    if (this.state.hasNamespace(ctx.region, ns)) throw new ApiError('ResourceInUse.Namespace', `Namespace ${ns} already exists in region ${ctx.region}.`);
    this.state.createNamespace(ctx.region, ns);
    return {};
  }

  private listNamespaces(ctx: ActionContext): object {
    const names = this.state.namespaces(ctx.region);
    return { Namespaces: names.map((Name) => ({ Name, Type: Name === 'default' ? 'default' : 'custom', Description: '', AddTime: '', ModTime: '' })), TotalCount: names.length };
  }

  mustGet(k: FunctionKey): FunctionRecord {
    const r = this.state.get(k);
    if (!r) throw new ApiError('ResourceNotFound.Function', `Function ${k.name} does not exist in namespace ${k.namespace} of region ${k.region}.`);
    return r;
  }

  private async createFunction(p: v.Params, ctx: ActionContext): Promise<object> {
    const k = this.key(p, ctx);
    if (this.state.get(k)) throw new ApiError('ResourceInUse.Function', `Function ${k.name} already exists in namespace ${k.namespace}.`);
    const type = v.optionalString(p, 'Type') === 'HTTP' ? 'HTTP' : 'Event';
    const rt = v.runtime(v.optionalString(p, 'Runtime')) ?? 'Python2.7';
    const zip = await receiveZip(zipFileParam(p, true)!, this.unzipLimits, this.state.uploadsDir(), ctx.zips);
    if (this.state.get(k)) throw new ApiError('ResourceInUse.Function', `Function ${k.name} already exists in namespace ${k.namespace}.`);
    const layers = this.layers.bindings(p, k.region, rt);
    const now = Date.now();
    const record: FunctionRecord = {
      FunctionId: `lam-${randomBytes(4).toString('hex')}`,
      FunctionName: k.name,
      Namespace: k.namespace,
      Region: k.region,
      Handler: v.handler(v.optionalString(p, 'Handler'), rt, type),
      Runtime: rt,
      MemorySize: v.memorySize(v.optionalInt(p, 'MemorySize')) ?? 128,
      Timeout: v.timeout(v.optionalInt(p, 'Timeout')) ?? 3,
      InitTimeout: v.initTimeout(v.optionalInt(p, 'InitTimeout')) ?? 65,
      Description: v.optionalString(p, 'Description') ?? '',
      Environment: { Variables: v.environment(p) ?? [] },
      Type: type,
      AsyncRunEnable: v.optionalString(p, 'AsyncRunEnable') === 'TRUE' ? 'TRUE' : 'FALSE',
      Status: 'Creating',
      StatusDesc: 'Creating',
      StatusReasons: [],
      AddTime: apiTime(now),
      ModTime: apiTime(now),
      CodeSha256: zip.sha256,
      CodeSize: zip.bytes,
      ...(layers?.length ? { Layers: layers } : {}),
    };
    this.state.putCode(k, zip.file);
    this.state.put(record);
    this.unpackLater(k, 'Creating');
    return {};
  }

  private async updateFunctionCode(p: v.Params, ctx: ActionContext): Promise<object> {
    const k = this.key(p, ctx);
    const updatable = (r: FunctionRecord) => r.Status === 'Active' || r.Status === 'UpdateFailed' || r.Status === 'CreateFailed';
    if (!updatable(this.mustGet(k))) {
      throw new ApiError('FailedOperation.UpdateFunctionCode', `Function ${k.name} is ${this.mustGet(k).Status}; its code can be updated once it is Active.`);
    }
    const zip = await receiveZip(zipFileParam(p, false) ?? missing('ZipFile'), this.unzipLimits, this.state.uploadsDir(), ctx.zips);
    // Read again: another request may have changed it while the zip was checked.
    const record = this.mustGet(k);
    if (!updatable(record)) throw new ApiError('FailedOperation.UpdateFunctionCode', `Function ${k.name} is ${record.Status}; its code can be updated once it is Active.`);
    const h = v.optionalString(p, 'Handler');
    if (h !== undefined) record.Handler = v.handler(h, record.Runtime, record.Type);
    record.CodeSha256 = zip.sha256;
    record.CodeSize = zip.bytes;
    record.Status = 'Updating';
    record.StatusDesc = 'Updating';
    record.StatusReasons = [];
    record.ModTime = apiTime(Date.now());
    this.state.putCode(k, zip.file);
    this.state.put(record);
    this.unpackLater(k, 'Updating');
    return {};
  }

  private updateFunctionConfiguration(p: v.Params, ctx: ActionContext): object {
    const k = this.key(p, ctx);
    const record = this.mustGet(k);
    if (record.Status !== 'Active') {
      throw new ApiError('FailedOperation.UpdateFunctionConfiguration', `Function ${k.name} is ${record.Status}; its configuration can be updated once it is Active.`);
    }
    const rt = v.runtime(v.optionalString(p, 'Runtime'));
    if (rt !== undefined && rt !== record.Runtime) {
      throw new ApiError('InvalidParameterValue.Runtime', `The runtime of ${k.name} is ${record.Runtime} and cannot be changed after creation; delete and recreate the function to change it.`);
    }
    const mem = v.memorySize(v.optionalInt(p, 'MemorySize'));
    const to = v.timeout(v.optionalInt(p, 'Timeout'));
    const init = v.initTimeout(v.optionalInt(p, 'InitTimeout'));
    const env = v.environment(p);
    const desc = v.optionalString(p, 'Description');
    const layers = this.layers.bindings(p, k.region, record.Runtime);
    if (layers !== undefined) record.Layers = layers;
    if (mem !== undefined) record.MemorySize = mem;
    if (to !== undefined) record.Timeout = to;
    if (init !== undefined) record.InitTimeout = init;
    if (env !== undefined) record.Environment = { Variables: env };
    if (desc !== undefined) record.Description = desc;
    record.ModTime = apiTime(Date.now());
    this.state.put(record);
    return {};
  }

  private getFunction(p: v.Params, ctx: ActionContext): object {
    const k = this.key(p, ctx);
    const q = v.optionalString(p, 'Qualifier');
    if (q !== undefined && q !== '$LATEST') throw new ApiError('ResourceNotFound.Version', `Version ${q} of ${k.name} does not exist; the local endpoint keeps $LATEST only.`);
    const r = this.mustGet(k);
    return {
      FunctionName: r.FunctionName,
      FunctionId: r.FunctionId,
      Namespace: r.Namespace,
      Handler: r.Handler ?? '',
      Runtime: r.Runtime,
      MemorySize: r.MemorySize,
      Timeout: r.Timeout,
      InitTimeout: r.InitTimeout,
      Description: r.Description,
      Environment: r.Environment,
      Type: r.Type,
      Status: r.Status,
      StatusDesc: r.StatusDesc,
      StatusReasons: r.StatusReasons,
      AddTime: r.AddTime,
      ModTime: r.ModTime,
      CodeSize: r.CodeSize,
      CodeInfo: '',
      CodeResult: r.Status.endsWith('Failed') ? 'failed' : 'success',
      CodeError: r.StatusReasons[0]?.ErrorMessage ?? '',
      ErrNo: 0,
      FunctionVersion: '$LATEST',
      Qualifier: '$LATEST',
      AsyncRunEnable: r.AsyncRunEnable,
      Triggers: [],
      Layers: this.layers.describe(k.region, r.Layers),
      Tags: [],
      InstallDependency: 'FALSE',
      AvailableStatus: 'Available',
    };
  }

  private getFunctionAddress(p: v.Params, ctx: ActionContext): object {
    const k = this.key(p, ctx);
    const r = this.mustGet(k);
    return { Url: pathToFileURL(join(this.state.functionDir(k), 'code.zip')).href, CodeSha256: r.CodeSha256 };
  }

  private listFunctions(p: v.Params, ctx: ActionContext): object {
    const ns = this.namespace(p, ctx);
    const offset = v.optionalInt(p, 'Offset') ?? 0;
    const limit = v.optionalInt(p, 'Limit') ?? 20;
    if (offset < 0 || limit < 0 || limit > 1000) throw new ApiError('InvalidParameterValue', 'Offset must be >= 0 and Limit 0 to 1000.');
    const order = (v.optionalString(p, 'Order') ?? 'DESC').toUpperCase();
    if (order !== 'ASC' && order !== 'DESC') throw new ApiError('InvalidParameterValue.Order', 'Order must be ASC or DESC.');
    const orderBy = v.optionalString(p, 'Orderby') ?? 'AddTime';
    if (!['AddTime', 'ModTime', 'FunctionName'].includes(orderBy)) throw new ApiError('InvalidParameterValue.OrderBy', 'Orderby must be AddTime, ModTime or FunctionName.');
    const search = v.optionalString(p, 'SearchKey');
    const filters = Array.isArray(p.Filters) ? (p.Filters as Array<{ Name?: string; Values?: string[] }>) : [];
    let list = this.state.list(ctx.region, ns);
    if (search) list = list.filter((f) => f.FunctionName.includes(search));
    for (const f of filters) {
      const values = f.Values ?? [];
      if (f.Name === 'Status') list = list.filter((r) => values.includes(r.Status));
      else if (f.Name === 'Runtime') list = list.filter((r) => values.includes(r.Runtime));
      else if (f.Name === 'Type' || f.Name === 'FunctionType') list = list.filter((r) => values.includes(r.Type));
    }
    list.sort((a, b) => {
      const x = (a as unknown as Record<string, string>)[orderBy]!;
      const y = (b as unknown as Record<string, string>)[orderBy]!;
      const c = x < y ? -1 : x > y ? 1 : a.FunctionName < b.FunctionName ? -1 : 1;
      return order === 'ASC' ? c : -c;
    });
    return {
      Functions: list.slice(offset, offset + limit).map((r) => ({
        FunctionName: r.FunctionName,
        FunctionId: r.FunctionId,
        Namespace: r.Namespace,
        Runtime: r.Runtime,
        Status: r.Status,
        StatusDesc: r.StatusDesc,
        StatusReasons: r.StatusReasons,
        Description: r.Description,
        AddTime: r.AddTime,
        ModTime: r.ModTime,
        Type: r.Type,
        AsyncRunEnable: r.AsyncRunEnable,
        TraceEnable: 'FALSE',
        Tags: [],
      })),
      TotalCount: list.length,
    };
  }

  private deleteFunction(p: v.Params, ctx: ActionContext): object {
    const k = this.key(p, ctx);
    this.mustGet(k);
    this.state.delete(k);
    return {};
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch(() => undefined).finally(() => this.running.delete(t));
    this.running.add(t);
  }

  private unpackLater(k: FunctionKey, phase: 'Creating' | 'Updating'): void {
    const job = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const record = this.state.get(k);
      if (!record || record.Status !== phase) return;
      const prepared = join(this.state.functionDir(k), `unpack-${randomBytes(4).toString('hex')}`);
      // Streamed, within SCF's unpacked-size limit (unzip.ts): other requests are answered meanwhile.
      let failure: string | undefined;
      try {
        const zip = this.state.codeZip(k);
        if (!zip) throw new Error('code.zip is missing');
        mkdirSync(prepared, { recursive: true });
        const unpacked = await unpackZip(zip, prepared, this.unzipLimits);
        if (!this.state.get(k)) {
          rmSync(prepared, { recursive: true, force: true }); // deleted while it unpacked
          return;
        }
        if (!unpacked.ok) failure = unpacked.error.message;
        else this.state.installCodeDir(k, record.CodeSha256, prepared);
      } catch (e) {
        failure = `The code package could not be unpacked: ${(e as Error).message}`;
      }
      if (failure !== undefined) {
        rmSync(prepared, { recursive: true, force: true });
        record.Status = phase === 'Creating' ? 'CreateFailed' : 'UpdateFailed';
        record.StatusDesc = record.Status;
        record.StatusReasons = [{ ErrorCode: 'InvalidParameterValue.ZipFile', ErrorMessage: failure }];
      } else {
        record.Status = 'Active';
        record.StatusDesc = 'Active';
        record.StatusReasons = [];
      }
      if (this.state.get(k)) this.state.put(record);
    });
    const t = job.finally(() => this.jobs.delete(t));
    this.jobs.add(t);
  }
}

function missing(key: string): never {
  throw new ApiError('MissingParameter', `The request is missing the required parameter \`${key}\`.`);
}

/** ZipFile from `Code.ZipFile` (CreateFunction, UpdateFunctionCode) or the top-level `ZipFile` (UpdateFunctionCode). */
function zipFileParam(p: v.Params, required: boolean): string | undefined {
  const code = (p.Code ?? {}) as Record<string, unknown>;
  if (code.CosBucketName || p.CosBucketName || code.DemoId || code.ImageConfig) {
    throw new ApiError('InvalidParameterValue.CodeSource', 'The local endpoint accepts code as ZipFile (base64) only, not from COS, a demo or an image.');
  }
  const z = (typeof code.ZipFile === 'string' ? code.ZipFile : undefined) ?? (typeof p.ZipFile === 'string' ? p.ZipFile : undefined);
  if (z === undefined && required) missing('Code.ZipFile');
  return z;
}
