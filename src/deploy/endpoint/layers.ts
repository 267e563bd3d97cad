/**
 * The SCF API's layer actions on the local endpoint, with the API's request and response shapes
 * (tencentcloud-sdk-nodejs-scf's PublishLayerVersion, GetLayerVersion, ListLayers, ListLayerVersions,
 * DeleteLayerVersion and LayerVersionInfo) and the binding of layer versions to functions
 * (CreateFunction / UpdateFunctionConfiguration `Layers: [{ LayerName, LayerVersion }]`).
 *
 * As on the platform, publishing is asynchronous: PublishLayerVersion answers with the new version at
 * once, `Publishing`; the zip is unpacked in the background and the version turns `Active` (or
 * `PublishFailed`). Version numbers start at 1 and are never given out twice, even after a delete.
 *
 *   <stateDir>/layers/<region>/<name>/counter                       the last version number given out
 *   <stateDir>/layers/<region>/<name>/<version>/layer.json           LayerVersionInfo and its CodeSha256
 *   <stateDir>/layers/<region>/<name>/<version>/layer.zip            the content as published
 *   <stateDir>/layers/<region>/<name>/<version>/content/             unpacked: what functions get as /opt
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAYER_NAME } from '../../model/layers';
import { writeFileAtomic } from '../../util/atomicFile';
import { ApiError } from '../api/apiErrors';
import type { ActionContext } from './actions';
import type { ReceivedZip } from './receivedZip';
import { apiTime } from './state';
import { unpackZip, UNZIP_LIMITS, type UnzipLimits } from './unzip';
import * as v from './validate';

export type LayerStatus = 'Publishing' | 'Active' | 'PublishFailed';

/** A published layer version, in the API's field names (LayerVersionInfo, plus what GetLayerVersion adds). */
export interface LayerRecord {
  LayerName: string;
  LayerVersion: number;
  CompatibleRuntimes: string[];
  Description: string;
  LicenseInfo: string;
  AddTime: string;
  Status: LayerStatus;
  /** Hex SHA-256 of layer.zip. */
  CodeSha256: string;
  CodeSize: number;
  Region: string;
}

/** What a function binds: `{ LayerName, LayerVersion }` (LayerVersionSimple). */
export interface LayerBindingRecord {
  LayerName: string;
  LayerVersion: number;
}

/** A function binds at most 5 layer versions (583/40159). */
const MAX_BOUND = 5;

export class LayerActions {
  private readonly jobs = new Set<Promise<void>>();

  constructor(
    private readonly stateDir: string,
    private readonly unzipLimits: UnzipLimits = UNZIP_LIMITS,
    /** The zip a ZipFile parameter stands for, checked as function code is (size, entries, paths): receivedZip.ts. */
    private readonly receiveZip: (value: string, ctx: ActionContext) => Promise<ReceivedZip>,
  ) {}

  readonly actions: Record<string, (p: v.Params, ctx: ActionContext) => Promise<object> | object> = {
    PublishLayerVersion: (p, ctx) => this.publish(p, ctx),
    GetLayerVersion: (p, ctx) => this.getVersion(p, ctx),
    ListLayers: (p, ctx) => this.listLayers(p, ctx),
    ListLayerVersions: (p, ctx) => this.listVersions(p, ctx),
    DeleteLayerVersion: (p, ctx) => this.deleteVersion(p, ctx),
  };

  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  private layerDir(region: string, name: string): string {
    return join(this.stateDir, 'layers', region, name);
  }

  private versionDir(region: string, name: string, version: number): string {
    return join(this.layerDir(region, name), String(version));
  }

  /** The unpacked content of a version: what a function that binds it gets as /opt. */
  contentDir(region: string, name: string, version: number): string {
    return join(this.versionDir(region, name, version), 'content');
  }

  get(region: string, name: string, version: number): LayerRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.versionDir(region, name, version), 'layer.json'), 'utf8')) as LayerRecord;
    } catch {
      return undefined;
    }
  }

  private put(r: LayerRecord): void {
    const dir = this.versionDir(r.Region, r.LayerName, r.LayerVersion);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'layer.json'), `${JSON.stringify(r, null, 2)}\n`);
  }

  /** Newest first. */
  versions(region: string, name: string): LayerRecord[] {
    const dir = this.layerDir(region, name);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => /^\d+$/.test(n))
      .map((n) => this.get(region, name, Number(n)))
      .filter((r): r is LayerRecord => r !== undefined)
      .sort((a, b) => b.LayerVersion - a.LayerVersion);
  }

  private layerName(p: v.Params): string {
    const name = v.requireString(p, 'LayerName');
    if (!LAYER_NAME.test(name)) {
      throw new ApiError('InvalidParameterValue.LayerName', `LayerName "${name}" is invalid: 1 to 64 letters, digits, "-" and "_", starting with a letter and not ending with "-" or "_".`);
    }
    return name;
  }

  private mustGet(region: string, name: string, version: number): LayerRecord {
    const r = this.get(region, name, version);
    if (r) return r;
    if (this.versions(region, name).length === 0) throw new ApiError('ResourceNotFound.Layer', `Layer ${name} does not exist in region ${region}.`);
    throw new ApiError('ResourceNotFound.LayerVersion', `Version ${version} of layer ${name} does not exist in region ${region}.`);
  }

  private async publish(p: v.Params, ctx: ActionContext): Promise<object> {
    const name = this.layerName(p);
    const runtimes = p.CompatibleRuntimes;
    if (!Array.isArray(runtimes) || runtimes.length === 0) throw new ApiError('MissingParameter', 'The request is missing the required parameter `CompatibleRuntimes`.');
    if (runtimes.length > 5) throw new ApiError('InvalidParameterValue.CompatibleRuntimes', 'CompatibleRuntimes holds at most 5 runtimes.');
    for (const r of runtimes) {
      if (typeof r !== 'string') throw new ApiError('InvalidParameterValue.CompatibleRuntimes', 'CompatibleRuntimes must be runtime names.');
      try {
        v.runtime(r);
      } catch {
        throw new ApiError('InvalidParameterValue.CompatibleRuntimes', `CompatibleRuntimes holds "${r}", which is not a runtime the platform offers.`);
      }
    }
    const content = (p.Content ?? {}) as Record<string, unknown>;
    if (content.CosBucketName || content.CosObjectName) throw new ApiError('InvalidParameterValue.Content', 'The local endpoint accepts layer content as Content.ZipFile (base64) only, not from COS.');
    if (typeof content.ZipFile !== 'string') throw new ApiError('MissingParameter', 'The request is missing the required parameter `Content.ZipFile`.');
    const zip = await this.receiveZip(content.ZipFile, ctx);
    const dir = this.layerDir(ctx.region, name);
    mkdirSync(dir, { recursive: true });
    let last = 0;
    try {
      last = Number(readFileSync(join(dir, 'counter'), 'utf8')) || 0;
    } catch {
      /* the first version */
    }
    const version = Math.max(last, this.versions(ctx.region, name)[0]?.LayerVersion ?? 0) + 1;
    writeFileAtomic(join(dir, 'counter'), String(version));
    const record: LayerRecord = {
      LayerName: name,
      LayerVersion: version,
      CompatibleRuntimes: runtimes as string[],
      Description: v.optionalString(p, 'Description') ?? '',
      LicenseInfo: v.optionalString(p, 'LicenseInfo') ?? '',
      AddTime: apiTime(Date.now()),
      Status: 'Publishing',
      CodeSha256: zip.sha256,
      CodeSize: zip.bytes,
      Region: ctx.region,
    };
    mkdirSync(this.versionDir(ctx.region, name, version), { recursive: true });
    const stored = join(this.versionDir(ctx.region, name, version), 'layer.zip');
    renameSync(zip.file, stored);
    this.put(record);
    this.unpackLater(record, stored);
    return { LayerVersion: version };
  }

  private unpackLater(record: LayerRecord, zip: string): void {
    const job = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const target = this.contentDir(record.Region, record.LayerName, record.LayerVersion);
      rmSync(target, { recursive: true, force: true });
      const unpacked = await unpackZip(zip, target, this.unzipLimits).catch((e: unknown) => ({ ok: false as const, error: { message: (e as Error).message } }));
      if (!this.get(record.Region, record.LayerName, record.LayerVersion)) {
        rmSync(target, { recursive: true, force: true }); // deleted while it unpacked
        return;
      }
      if (unpacked.ok) this.put({ ...record, Status: 'Active' });
      else {
        rmSync(target, { recursive: true, force: true });
        this.put({ ...record, Status: 'PublishFailed', Description: record.Description || unpacked.error.message });
      }
    });
    const t = job.finally(() => this.jobs.delete(t));
    this.jobs.add(t);
  }

  private info(r: LayerRecord): object {
    return { CompatibleRuntimes: r.CompatibleRuntimes, AddTime: r.AddTime, Description: r.Description, LicenseInfo: r.LicenseInfo, LayerVersion: r.LayerVersion, LayerName: r.LayerName, Status: r.Status, Stamp: 'Default', Tags: [] };
  }

  private getVersion(p: v.Params, ctx: ActionContext): object {
    const name = this.layerName(p);
    const version = requireVersion(p);
    const r = this.mustGet(ctx.region, name, version);
    return { ...this.info(r), CodeSha256: r.CodeSha256, Location: pathToFileURL(join(this.versionDir(ctx.region, name, version), 'layer.zip')).href };
  }

  private listVersions(p: v.Params, ctx: ActionContext): object {
    const name = this.layerName(p);
    let list = this.versions(ctx.region, name);
    if (list.length === 0) throw new ApiError('ResourceNotFound.Layer', `Layer ${name} does not exist in region ${ctx.region}.`);
    const wanted = Array.isArray(p.CompatibleRuntime) ? (p.CompatibleRuntime as string[]) : [];
    if (wanted.length) list = list.filter((r) => r.CompatibleRuntimes.some((rt) => wanted.includes(rt)));
    return { LayerVersions: list.map((r) => this.info(r)) };
  }

  private listLayers(p: v.Params, ctx: ActionContext): object {
    const offset = v.optionalInt(p, 'Offset') ?? 0;
    const limit = v.optionalInt(p, 'Limit') ?? 20;
    if (offset < 0 || limit < 0 || limit > 200) throw new ApiError('InvalidParameterValue', 'Offset must be >= 0 and Limit 0 to 200.');
    const runtime = v.optionalString(p, 'CompatibleRuntime');
    const search = v.optionalString(p, 'SearchKey');
    const base = join(this.stateDir, 'layers', ctx.region);
    const names = existsSync(base) ? readdirSync(base).sort() : [];
    // Each layer once, as its newest version.
    let latest = names.map((n) => this.versions(ctx.region, n)[0]).filter((r): r is LayerRecord => r !== undefined);
    if (search) latest = latest.filter((r) => r.LayerName.includes(search));
    if (runtime) latest = latest.filter((r) => r.CompatibleRuntimes.includes(runtime));
    return { Layers: latest.slice(offset, offset + limit).map((r) => this.info(r)), TotalCount: latest.length };
  }

  private deleteVersion(p: v.Params, ctx: ActionContext): object {
    const name = this.layerName(p);
    const version = requireVersion(p);
    this.mustGet(ctx.region, name, version);
    rmSync(this.versionDir(ctx.region, name, version), { recursive: true, force: true });
    return {};
  }

  /** A CreateFunction / UpdateFunctionConfiguration `Layers` parameter: each version must exist, be Active and fit the runtime. */
  bindings(p: v.Params, region: string, runtime: string): LayerBindingRecord[] | undefined {
    if (p.Layers === undefined || p.Layers === null) return undefined;
    if (!Array.isArray(p.Layers)) throw new ApiError('InvalidParameter', '`Layers` must be a list of { LayerName, LayerVersion }.');
    // Unbinding: an empty name (SCF's LayerVersionSimple: "解绑层需传递空字符串").
    const given = (p.Layers as Array<Record<string, unknown>>).filter((l) => l && l.LayerName !== '');
    if (given.length > MAX_BOUND) throw new ApiError('InvalidParameterValue.Layers', `A function binds at most ${MAX_BOUND} layer versions, not ${given.length}.`);
    return given.map((l) => {
      const name = this.layerName(l);
      const version = requireVersion(l);
      const r = this.mustGet(region, name, version);
      if (r.Status !== 'Active') throw new ApiError('FailedOperation.Layer', `Version ${version} of layer ${name} is ${r.Status}, not Active; bind it once it is published.`);
      if (!r.CompatibleRuntimes.includes(runtime)) {
        throw new ApiError('InvalidParameterValue.Layers', `Version ${version} of layer ${name} is for ${r.CompatibleRuntimes.join(', ')}, not ${runtime}.`);
      }
      return { LayerName: name, LayerVersion: version };
    });
  }

  /** GetFunction's `Layers`: the bound versions as LayerVersionInfo. */
  describe(region: string, bound: LayerBindingRecord[] | undefined): object[] {
    return (bound ?? []).map((b) => {
      const r = this.get(region, b.LayerName, b.LayerVersion);
      return r ? this.info(r) : { LayerName: b.LayerName, LayerVersion: b.LayerVersion, Status: 'Deleted', CompatibleRuntimes: [], AddTime: '', Description: '', LicenseInfo: '', Stamp: 'Default', Tags: [] };
    });
  }
}

function requireVersion(p: v.Params): number {
  const version = p.LayerVersion;
  if (version === undefined || version === null) throw new ApiError('MissingParameter', 'The request is missing the required parameter `LayerVersion`.');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new ApiError('InvalidParameterValue.LayerVersion', '`LayerVersion` must be a whole number from 1.');
  return version;
}
