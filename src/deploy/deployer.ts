/**
 * One deploy of one function, the same for both targets: package, then create the function when it
 * is missing, otherwise update its code (only when the package changed) and its configuration (only
 * when it changed), waiting until it is Active after each step. Every step is reported; an AbortSignal
 * cancels between (and during) steps.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { basename } from 'node:path';
import type { FunctionSpec } from '../model';
import type { LayerBinding } from './layerDeploy';
import { ApiCallError, call, isNotFound, type ScfSdkClient } from './client';
import { CREDENTIAL_KEYS } from './credentials';
import { fail, ok, type Outcome, type Problem } from '../model/outcome';
import { callWithZip } from './upload';
import { formatBytes, packageFunction, type CodePackage, type PackageOptions } from './package';

export interface DeployProgress {
  /** A short step name: package, check, create, upload, configure, wait, done. */
  step: string;
  message: string;
}

export interface DeployOptions {
  spec: FunctionSpec;
  client: ScfSdkClient;
  /** For messages only, e.g. `local` or `tencent (ap-guangzhou)`. */
  targetLabel: string;
  onProgress?: (p: DeployProgress) => void;
  signal?: AbortSignal;
  /** How often to ask whether the function is Active (default 500 ms). */
  pollIntervalMs?: number;
  /** How long to wait for Active (default 5 minutes). */
  waitTimeoutMs?: number;
  /** Secrets that must not be deployed as environment values. */
  secrets?: string[];
  packageOptions?: PackageOptions;
  /** The layer versions the function binds, in order (layerDeploy.ts: as written, or just published). */
  layers?: LayerBinding[];
}

export interface DeployResult {
  functionName: string;
  namespace: string;
  created: boolean;
  codeUploaded: boolean;
  configurationUpdated: boolean;
  codeSha256: string;
  zipBytes: number;
  fileCount: number;
  status: string;
  warnings: string[];
}

type FunctionInfo = Awaited<ReturnType<ScfSdkClient['GetFunction']>>;

export async function deployFunction(options: DeployOptions): Promise<Outcome<DeployResult>> {
  const { spec, client } = options;
  const report = (step: string, message: string) => options.onProgress?.({ step, message });
  const warnings: string[] = [];
  let packagedZip: CodePackage | undefined;
  try {
    checkAborted(options.signal);
    report('package', `Packaging ${spec.codeDir}`);
    const packaged = await packageFunction(spec, options.packageOptions);
    if (!packaged.ok) return packaged;
    const pkg = packaged.value;
    packagedZip = pkg;
    report('package', `Packaged ${pkg.fileCount} files, ${formatBytes(pkg.zipBytes)} zipped (${formatBytes(pkg.unpackedBytes)} unpacked), SHA-256 ${pkg.sha256.slice(0, 12)}`);

    const variables = deployedVariables(spec, options.secrets ?? [], warnings);
    for (const w of warnings) report('package', `Warning: ${w}`);
    const ns = spec.namespace;
    const name = spec.name;
    checkAborted(options.signal);
    report('check', `Looking up ${name} in namespace ${ns} on ${options.targetLabel}`);
    let existing: FunctionInfo | undefined;
    try {
      existing = await call('GetFunction', () => client.GetFunction({ FunctionName: name, Namespace: ns }));
    } catch (e) {
      if (e instanceof ApiCallError && e.code === 'ResourceNotFound.Namespace') {
        // As the scf component does: a missing namespace is created.
        checkAborted(options.signal);
        report('create', `Creating namespace ${ns} in ${spec.region}`);
        await call('CreateNamespace', () => client.CreateNamespace({ Namespace: ns, Description: `Created by SCF Toolkit for ${name}` }));
      } else if (!isNotFound(e)) throw e;
    }

    const base = { functionName: name, namespace: ns, codeSha256: pkg.sha256, zipBytes: pkg.zipBytes, fileCount: pkg.fileCount, warnings };
    checkAborted(options.signal);
    if (!existing) {
      report('create', `Creating ${name} (${spec.runtime}, ${spec.memorySize} MB, ${spec.timeout} s), uploading ${formatBytes(pkg.zipBytes)}`);
      await call('CreateFunction', () =>
        callWithZip(client, {
          action: 'CreateFunction',
          zipFile: pkg.zipFile,
          zipBytes: pkg.zipBytes,
          at: ['Code', 'ZipFile'],
          signal: options.signal,
          params: {
            FunctionName: name,
            Namespace: ns,
            CodeSource: 'ZipFile',
            Handler: spec.type === 'web' ? undefined : spec.handler,
            Runtime: spec.runtime,
            MemorySize: spec.memorySize,
            Timeout: spec.timeout,
            InitTimeout: spec.initTimeout,
            Description: spec.description,
            Environment: { Variables: variables },
            Type: spec.type === 'web' ? 'HTTP' : 'Event',
            ...(spec.asyncRunEnable !== undefined ? { AsyncRunEnable: spec.asyncRunEnable ? 'TRUE' : 'FALSE' } : {}),
            ...(options.layers?.length ? { Layers: options.layers } : {}),
          } satisfies Omit<Parameters<ScfSdkClient['CreateFunction']>[0], 'Code'>,
        }),
      );
      const status = await waitActive(options, 'creation');
      report('done', `Deployed ${name} to ${options.targetLabel}: created, ${status}`);
      return ok({ ...base, created: true, codeUploaded: true, configurationUpdated: true, status });
    }

    if (existing.Runtime && existing.Runtime !== spec.runtime) {
      return fail('deploy.runtimeChanged', `${spec.file}: ${name} runs ${existing.Runtime} on ${options.targetLabel}, ${basename(spec.file)} says ${spec.runtime}; the platform cannot change a function's runtime. Delete the function first, or use a new name`);
    }
    const wantedType = spec.type === 'web' ? 'HTTP' : 'Event';
    if (existing.Type && existing.Type !== wantedType) {
      return fail('deploy.typeChanged', `${spec.file}: ${name} is ${existing.Type === 'HTTP' ? 'a web' : 'an event'} function on ${options.targetLabel}, ${basename(spec.file)} says type: ${spec.type}; the platform cannot change a function's type. Delete the function first, or use a new name`);
    }
    if (existing.Status !== 'Active') {
      report('wait', `${name} is ${existing.Status}; waiting until it is Active`);
      await waitActive(options, 'the previous operation', true);
    }

    let codeUploaded = false;
    const handlerChanged = spec.type !== 'web' && (existing.Handler ?? '') !== (spec.handler ?? '');
    if (!handlerChanged && (await sameCode(client, name, ns, pkg))) {
      report('upload', `Code unchanged (SHA-256 ${pkg.sha256.slice(0, 12)}), not uploaded again`);
    } else {
      checkAborted(options.signal);
      report('upload', `Updating the code of ${name}${handlerChanged ? ` (handler ${existing.Handler} -> ${spec.handler})` : ''}: uploading ${formatBytes(pkg.zipBytes)}`);
      await call('UpdateFunctionCode', () =>
        callWithZip(client, {
          action: 'UpdateFunctionCode',
          zipFile: pkg.zipFile,
          zipBytes: pkg.zipBytes,
          at: ['ZipFile'],
          signal: options.signal,
          params: { FunctionName: name, Namespace: ns, CodeSource: 'ZipFile', Handler: spec.type === 'web' ? undefined : spec.handler } satisfies Omit<Parameters<ScfSdkClient['UpdateFunctionCode']>[0], 'ZipFile'>,
        }),
      );
      codeUploaded = true;
      await waitActive(options, 'the code update');
    }

    const wanted = { MemorySize: spec.memorySize, Timeout: spec.timeout, InitTimeout: spec.initTimeout, Description: spec.description ?? '', Environment: { Variables: variables } };
    const changed = configChanges(existing, wanted);
    const layerChange = layersChange(existing, options.layers ?? []);
    if (layerChange) changed.push(layerChange.description);
    let configurationUpdated = false;
    if (changed.length === 0) {
      report('configure', 'Configuration unchanged');
    } else {
      checkAborted(options.signal);
      report('configure', `Updating the configuration of ${name}: ${changed.join(', ')}`);
      await call('UpdateFunctionConfiguration', () => client.UpdateFunctionConfiguration({ FunctionName: name, Namespace: ns, ...wanted, ...(layerChange ? { Layers: layerChange.layers } : {}) }));
      configurationUpdated = true;
    }
    const status = await waitActive(options, 'the update');
    report('done', `Deployed ${name} to ${options.targetLabel}: ${codeUploaded ? 'code updated' : 'code unchanged'}, ${configurationUpdated ? 'configuration updated' : 'configuration unchanged'}, ${status}`);
    return ok({ ...base, created: false, codeUploaded, configurationUpdated, status });
  } catch (e) {
    return { ok: false, error: toDeployError(e) };
  } finally {
    packagedZip?.dispose();
  }
}

class Canceled extends Error {}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Canceled('canceled');
}

function toDeployError(e: unknown): Problem {
  if (e instanceof Canceled || (e as Error)?.name === 'AbortError') return { code: 'deploy.canceled', message: 'The deploy was canceled; the function may be left as the last completed step made it.' };
  if (e instanceof ApiCallError) return { code: `api.${e.code}`, message: e.message };
  if (e instanceof WaitError) return { code: e.code, message: e.message };
  return { code: 'deploy.internal', message: (e as Error)?.message ?? String(e) };
}

class WaitError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Polls GetFunction until the function is Active; a *Failed status ends the deploy with its reasons. */
async function waitActive(options: DeployOptions, what: string, tolerateFailed = false): Promise<string> {
  const { client, spec } = options;
  const interval = options.pollIntervalMs ?? 500;
  const deadline = Date.now() + (options.waitTimeoutMs ?? 5 * 60 * 1000);
  let last = '';
  for (;;) {
    checkAborted(options.signal);
    const info = await call('GetFunction', () => client.GetFunction({ FunctionName: spec.name, Namespace: spec.namespace }));
    const status = info.Status ?? 'Unknown';
    if (status !== last) {
      options.onProgress?.({ step: 'wait', message: `${spec.name} is ${status}` });
      last = status;
    }
    if (status === 'Active') return status;
    if (/Failed$/.test(status)) {
      if (tolerateFailed) return status;
      const reasons = (info.StatusReasons ?? []).map((r) => `${r.ErrorCode}: ${r.ErrorMessage}`).join('; ');
      throw new WaitError('deploy.functionFailed', `${spec.name} is ${status} after ${what}${reasons ? `: ${reasons}` : ''}. Fix the cause and deploy again`);
    }
    if (Date.now() > deadline) {
      throw new WaitError('deploy.waitTimeout', `${spec.name} is still ${status} after ${what}, ${Math.round((options.waitTimeoutMs ?? 300000) / 1000)} s later; check it on ${options.targetLabel} and deploy again`);
    }
    await sleep(interval, undefined, { signal: options.signal }).catch(() => {
      throw new Canceled('canceled');
    });
  }
}

/** Whether the deployed code has this package's SHA-256 (the API gives it hex or base64). */
async function sameCode(client: ScfSdkClient, name: string, ns: string, pkg: CodePackage): Promise<boolean> {
  try {
    const addr = await call('GetFunctionAddress', () => client.GetFunctionAddress({ FunctionName: name, Namespace: ns }));
    const sha = addr.CodeSha256 ?? '';
    return sha.toLowerCase() === pkg.sha256 || sha === Buffer.from(pkg.sha256, 'hex').toString('base64');
  } catch {
    return false; // no permission or no such action: upload to be safe
  }
}

type Variables = Array<{ Key: string; Value: string }>;

/** serverless.yml's variables, minus deploy credentials and any value that is a secret in use. */
function deployedVariables(spec: FunctionSpec, secrets: string[], warnings: string[]): Variables {
  const out: Variables = [];
  for (const [Key, Value] of Object.entries(spec.environment)) {
    if ((CREDENTIAL_KEYS as readonly string[]).includes(Key)) {
      warnings.push(`environment variable ${Key} is not deployed: deploy credentials never go into a function's environment`);
      continue;
    }
    if (secrets.some((s) => s && Value.includes(s))) {
      warnings.push(`environment variable ${Key} is not deployed: its value holds a deploy credential`);
      continue;
    }
    out.push({ Key, Value });
  }
  return out.sort((a, b) => (a.Key < b.Key ? -1 : 1));
}

function configChanges(existing: FunctionInfo, wanted: { MemorySize: number; Timeout: number; InitTimeout: number; Description: string; Environment: { Variables: Variables } }): string[] {
  const changes: string[] = [];
  if (existing.MemorySize !== wanted.MemorySize) changes.push(`memorySize ${existing.MemorySize} -> ${wanted.MemorySize}`);
  if (existing.Timeout !== wanted.Timeout) changes.push(`timeout ${existing.Timeout} -> ${wanted.Timeout}`);
  if (existing.InitTimeout !== undefined && existing.InitTimeout !== wanted.InitTimeout) changes.push(`initTimeout ${existing.InitTimeout} -> ${wanted.InitTimeout}`);
  if ((existing.Description ?? '') !== wanted.Description) changes.push('description');
  const norm = (vars: Array<{ Key?: string; Value?: string }> | undefined) =>
    JSON.stringify((vars ?? []).map((x) => [x.Key ?? '', x.Value ?? '']).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
  if (norm(existing.Environment?.Variables) !== norm(wanted.Environment.Variables)) changes.push('environment');
  return changes;
}

/**
 * Whether the bound layers differ from the wanted ones, and the `Layers` to send: the list, or (all
 * unbound) SCF's unbinding form, an empty name with version 0 (LayerVersionSimple).
 */
function layersChange(existing: FunctionInfo, wanted: LayerBinding[]): { description: string; layers: LayerBinding[] } | undefined {
  const have = (existing.Layers ?? []).map((l) => `${l.LayerName ?? ''}:${l.LayerVersion ?? 0}`);
  const want = wanted.map((l) => `${l.LayerName}:${l.LayerVersion}`);
  if (have.join() === want.join()) return undefined;
  return { description: `layers ${have.join(', ') || 'none'} -> ${want.join(', ') || 'none'}`, layers: wanted.length ? wanted : [{ LayerName: '', LayerVersion: 0 }] };
}
