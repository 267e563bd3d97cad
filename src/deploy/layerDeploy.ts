/**
 * Publishing a `component: layer` of the app, for either target, as the layer component does
 * (serverless-components/tencent-layer: zip `src` (under `src.targetDir`), PublishLayerVersion with its
 * runtimes and description, wait until the version is Active). A layer whose content is unchanged is
 * not published again (our choice): the newest version with the same CodeSha256 is used. Then the
 * functions that bind it by `${output:...:<layer>.version}` bind that version.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadServerlessFile, type FunctionSpec, type LayerSpec, type LoadOptions } from '../model';
import { ApiCallError, call, type ScfSdkClient } from './client';
import { collectFiles } from './collect';
import { callWithZip } from './upload';
import { fail, ok, type Outcome } from '../model/outcome';
import { formatBytes, zipFiles, type ZippedFiles } from './package';

export interface LayerProgress {
  step: string;
  message: string;
}

export interface PublishedLayer {
  name: string;
  version: number;
  /** false: an Active version had the same content and was reused. */
  published: boolean;
  codeSha256: string;
}

/** One entry of a function's `Layers` (SCF's LayerVersionSimple). */
export interface LayerBinding {
  LayerName: string;
  LayerVersion: number;
}

export interface PublishLayerOptions {
  layer: LayerSpec;
  client: ScfSdkClient;
  targetLabel: string;
  onProgress?: (p: LayerProgress) => void;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  waitTimeoutMs?: number;
}

/** The layer's zip: `src`'s files under `targetDir` inside the zip (so under /opt<targetDir> on SCF). */
export async function packageLayer(layer: LayerSpec): Promise<Outcome<ZippedFiles & { fileCount: number }>> {
  const collected = collectFiles(layer.codeDir, { exclude: layer.srcExclude });
  if (!collected.ok) return collected;
  if (collected.value.length === 0) return fail('deploy.emptyLayer', `${layer.codeDir}: layer ${layer.name} has no files to publish (check \`src\` in ${layer.file})`);
  const prefix = layer.targetDir.replace(/^\/+|\/+$/g, '');
  const files = collected.value.map((f) => (prefix ? { ...f, path: `${prefix}/${f.path}` } : f));
  const zipped = await zipFiles(layer.codeDir, files);
  if (!zipped.ok) return fail(zipped.error.code, `layer ${layer.name}: ${zipped.error.message}`);
  return ok({ ...zipped.value, fileCount: files.length });
}

export async function publishLayer(options: PublishLayerOptions): Promise<Outcome<PublishedLayer>> {
  const { layer, client } = options;
  const report = (step: string, message: string) => options.onProgress?.({ step, message });
  report('package', `Packaging layer ${layer.name} from ${layer.codeDir}`);
  const packaged = await packageLayer(layer);
  if (!packaged.ok) return packaged;
  const pkg = packaged.value;
  try {
    report('package', `Packaged ${pkg.fileCount} files, ${formatBytes(pkg.zipBytes)} zipped, SHA-256 ${pkg.sha256.slice(0, 12)}`);
    if (layer.runtimes.length === 0) return fail('deploy.layerRuntimes', `${layer.file}: layer ${layer.name} names no \`runtimes\`; PublishLayerVersion needs the runtimes it is for`);
    let newest: number | undefined;
    try {
      const listed = await call('ListLayerVersions', () => client.ListLayerVersions({ LayerName: layer.name }));
      newest = (listed.LayerVersions ?? []).map((l) => l.LayerVersion ?? 0).sort((a, b) => b - a)[0];
    } catch (e) {
      if (!(e instanceof ApiCallError && e.code.startsWith('ResourceNotFound'))) throw e;
    }
    if (newest !== undefined) {
      const info = await call('GetLayerVersion', () => client.GetLayerVersion({ LayerName: layer.name, LayerVersion: newest! }));
      const sameRuntimes = [...(info.CompatibleRuntimes ?? [])].sort().join() === [...layer.runtimes].sort().join();
      if (info.Status === 'Active' && sameCode(info.CodeSha256, pkg.sha256) && sameRuntimes && (info.Description ?? '') === (layer.description ?? '')) {
        report('done', `Layer ${layer.name} unchanged: version ${newest} on ${options.targetLabel} has the same content`);
        return ok({ name: layer.name, version: newest, published: false, codeSha256: pkg.sha256 });
      }
    }
    checkAborted(options.signal);
    report('publish', `Publishing layer ${layer.name} (${layer.runtimes.join(', ')}) to ${options.targetLabel}, uploading ${formatBytes(pkg.zipBytes)}`);
    const published = await call('PublishLayerVersion', () =>
      callWithZip<{ LayerVersion?: number }>(client, {
        action: 'PublishLayerVersion',
        zipFile: pkg.zipFile,
        zipBytes: pkg.zipBytes,
        at: ['Content', 'ZipFile'],
        signal: options.signal,
        params: { LayerName: layer.name, CompatibleRuntimes: layer.runtimes, Description: layer.description } satisfies Omit<Parameters<ScfSdkClient['PublishLayerVersion']>[0], 'Content'>,
      }),
    );
    const version = published.LayerVersion;
    if (version === undefined) return fail('deploy.layerNoVersion', `PublishLayerVersion for ${layer.name} answered without a LayerVersion`);
    const status = await waitActive(options, version);
    if (status !== 'Active') return fail('deploy.layerFailed', `version ${version} of layer ${layer.name} is ${status} on ${options.targetLabel}; fix its content and deploy again`);
    report('done', `Published layer ${layer.name} version ${version} on ${options.targetLabel}`);
    return ok({ name: layer.name, version, published: true, codeSha256: pkg.sha256 });
  } catch (e) {
    if (e instanceof ApiCallError) return fail(`api.${e.code}`, e.message);
    if ((e as Error)?.name === 'AbortError' || (e as Error)?.message === 'canceled') return fail('deploy.canceled', 'The deploy was canceled.');
    return fail('deploy.internal', (e as Error)?.message ?? String(e));
  } finally {
    pkg.dispose();
  }
}

function sameCode(api: string | undefined, hex: string): boolean {
  const sha = api ?? '';
  return sha.toLowerCase() === hex || sha === Buffer.from(hex, 'hex').toString('base64');
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('canceled');
}

async function waitActive(options: PublishLayerOptions, version: number): Promise<string> {
  const deadline = Date.now() + (options.waitTimeoutMs ?? 5 * 60 * 1000);
  for (;;) {
    checkAborted(options.signal);
    const info = await call('GetLayerVersion', () => options.client.GetLayerVersion({ LayerName: options.layer.name, LayerVersion: version }));
    const status = info.Status ?? 'Unknown';
    if (status !== 'Publishing') return status;
    if (Date.now() > deadline) return `still ${status}`;
    await sleep(options.pollIntervalMs ?? 500, undefined, { signal: options.signal });
  }
}

/**
 * The `Layers` a function binds on deploy: each layer's version as written, or, for a layer of the app
 * bound by `${output:...:<layer>.version}`, the version just published (or reused). A layer with
 * neither cannot be bound: an error naming it.
 */
export function layerBindings(spec: FunctionSpec, published: ReadonlyMap<string, PublishedLayer>): Outcome<LayerBinding[]> {
  const layers: LayerBinding[] = [];
  for (const b of spec.layers ?? []) {
    const version = b.version ?? (b.layerFile ? published.get(publishedKey(b.layerFile, b.name))?.version : undefined);
    if (version === undefined) {
      return fail(
        'deploy.layerVersion',
        `${spec.file}${b.range ? `:${b.range.line + 1}` : ''}: layer ${b.name} of ${spec.name} has no version to bind: write its number, or bind the app's layer component with \${output:\${stage}:\${app}:<layer instance>.version} so deploy publishes it first`,
      );
    }
    layers.push({ LayerName: b.name, LayerVersion: version });
  }
  return ok(layers);
}

/** How a published layer is found again: its serverless.yml and its name. */
export function publishedKey(file: string, name: string): string {
  return `${file}\u0000${name}`;
}

/** The app's layers the functions bind by output reference (serverless.yml, layer name): published before the functions. */
export function layersToPublish(specs: readonly FunctionSpec[]): Array<{ file: string; name: string }> {
  const out = new Map<string, { file: string; name: string }>();
  for (const s of specs) for (const b of s.layers ?? []) if (b.version === undefined && b.source === 'workspace' && b.layerFile) out.set(publishedKey(b.layerFile, b.name), { file: b.layerFile, name: b.name });
  return [...out.values()].sort((a, b) => (a.file + a.name < b.file + b.name ? -1 : 1));
}

/** The `component: layer` instance named `name` in an app's serverless.yml. */
export function loadAppLayer(file: string, name: string, options: LoadOptions = {}): Outcome<LayerSpec> {
  const loaded = loadServerlessFile(file, { ...options, app: false });
  if (!loaded.ok) return loaded;
  const layer = loaded.value.layers.find((l) => l.name === name);
  return layer ? ok(layer) : fail('deploy.layerNotInFile', `${file}: no layer named ${name} in it, though a function binds it by its output`);
}

/**
 * The `Layers` for one function's deploy, publishing first the app's layers it binds by output
 * (each once per `published` map: a deploy of several functions shares one).
 */
export async function bindLayers(
  spec: FunctionSpec,
  deps: Omit<PublishLayerOptions, 'layer'> & { published: Map<string, PublishedLayer>; loadOptions?: LoadOptions },
): Promise<Outcome<LayerBinding[]>> {
  for (const { file, name } of layersToPublish([spec])) {
    if (deps.published.has(publishedKey(file, name))) continue;
    const found = loadAppLayer(file, name, deps.loadOptions);
    if (!found.ok) return found;
    const done = await publishLayer({ ...deps, layer: found.value });
    if (!done.ok) return done;
    deps.published.set(publishedKey(file, name), done.value);
  }
  return layerBindings(spec, deps.published);
}
