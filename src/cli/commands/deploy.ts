/**
 * `scf-toolkit deploy <serverless.yml | folder> [--target local|tencent]`, for CI and the terminal.
 * Packages and deploys each function of the file (or the one --function names) through the official
 * SDK, to the local endpoint (default) or to Tencent Cloud in the function's region.
 * Exit code: 0 deployed, 1 a deploy failed, 2 usage error (including missing credentials).
 */
import { dirname, resolve } from 'node:path';
import { loadServerlessFile, pickFunction, type FunctionSpec, type LayerSpec } from '../../model';
import { createScfClient, DEPLOY_TARGETS, type DeployTarget } from '../../deploy/client';
import { redact, resolveTencentCredentials, type ResolvedCredentials } from '../../deploy/credentials';
import { deployFunction, type DeployResult } from '../../deploy/deployer';
import { layerBindings, layersToPublish, loadAppLayer, publishedKey, publishLayer, type PublishedLayer } from '../../deploy/layerDeploy';
import { connectLocal, defaultStateDir, type LocalConnection } from '../../deploy/localTarget';
import { EXIT, inputError, startCommand, usageError as usage, type CliIO } from '../io';

const HELP = `Usage: scf-toolkit deploy <serverless.yml | folder> [options]

Packages the code folder (entry file at the zip root, src.exclude/include, .scfignore) and deploys it:
creates the function when it is missing, otherwise updates its code (only when the package changed)
and its configuration, and waits until it is Active. Every function of a multi-scf file; the http
component's web function with its start command; a layer file's layer. The app's layers a function
binds by \${output:...:<layer>.version} are published first (an unchanged layer is not published again).

Options:
  --target local|tencent   where to deploy (default local: the local SCF endpoint)
  --function NAME          deploy only this function when the file defines several
  --stage STAGE            the stage for \${stage} (default: the file's stage, STAGE, or dev)
  --state DIR              the local endpoint's state folder (default ./.scf/endpoint)
  --endpoint URL           local: a running local endpoint to use (default: the one \`scf-toolkit serve\`
                           runs over the state folder, else one started for this deploy);
                           tencent: another API endpoint (e.g. https://scf.ap-shanghai-fsi.tencentcloudapi.com)
  --json                   print the results as one JSON array at the end

Credentials for --target tencent: TENCENT_SECRET_ID and TENCENT_SECRET_KEY (and TENCENT_TOKEN for
temporary keys), from a .env beside serverless.yml or the environment. They are never printed.

Exit code: 0 when every function deployed, 1 when one failed, 2 for a usage error.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const started = startCommand(argv, io, { name: 'deploy', help: HELP, values: ['target', 'function', 'stage', 'state', 'endpoint'], flags: ['json'] });
  if (typeof started === 'number') return started;
  const { positionals, values, flags } = started.args;
  if (positionals.length !== 1) return usageError(io, positionals.length === 0 ? 'give the serverless.yml (or its folder) to deploy' : `expected one serverless.yml, got ${positionals.join(' ')}`);
  const target = (values.target ?? 'local') as DeployTarget;
  if (!DEPLOY_TARGETS.includes(target)) return usageError(io, `--target must be local or tencent, not "${values.target}"`);

  const loaded = loadServerlessFile(resolve(io.cwd, positionals[0]!), { env: io.env, stage: values.stage ?? io.env.STAGE });
  if (!loaded.ok) return fail(io, loaded.error.message, 2);
  let specs: FunctionSpec[] = loaded.value.functions;
  if (values.function !== undefined) {
    const picked = pickFunction(loaded.value.functions, values.function, loaded.value);
    if (!picked.ok) return fail(io, `${loaded.value.functions[0]?.file ?? positionals[0]}: ${picked.error.message}`, 2);
    specs = [picked.value];
  }
  // Layers first: the file's own (a component: layer file), then the app's layers the functions bind
  // by ${output:...:<layer>.version}, each once.
  const ownLayers = values.function === undefined ? loaded.value.layers : [];
  const boundLayers: LayerSpec[] = [];
  for (const { file, name } of layersToPublish(specs)) {
    const found = loadAppLayer(file, name, { env: io.env, stage: values.stage ?? io.env.STAGE });
    if (!found.ok) return fail(io, found.error.message, 2);
    const layer = found.value;
    if (!ownLayers.some((l) => l.file === layer.file && l.name === layer.name)) boundLayers.push(layer);
  }
  const layers = [...ownLayers, ...boundLayers];
  if (specs.length === 0 && layers.length === 0) {
    const unchecked = loaded.value.unchecked.map((u) => `${u.instanceName} (component: ${u.component})`).join(', ');
    return fail(io, `${resolve(io.cwd, positionals[0]!)}: nothing to deploy: no functions or layers${unchecked ? `; SCF Toolkit does not deploy ${unchecked}` : ''}`, 2);
  }
  const projectDir = dirname((specs[0] ?? layers[0])!.file);

  let tencent: ResolvedCredentials | undefined;
  let local: LocalConnection | undefined;
  if (target === 'tencent') {
    tencent = resolveTencentCredentials({ projectDir, env: io.env });
    if (!tencent) {
      return fail(io, `no Tencent Cloud credentials: set TENCENT_SECRET_ID and TENCENT_SECRET_KEY in the environment or in ${resolve(projectDir, '.env')} (create a key pair in the CAM console, API keys)`, 2);
    }
  } else {
    const stateDir = values.state ? resolve(io.cwd, values.state) : defaultStateDir(io.cwd);
    local = await connectLocal({ stateDir, endpointUrl: values.endpoint });
    if (local.started) io.err(`No local endpoint is running over ${stateDir}; started one for this deploy (run \`scf-toolkit serve\` to keep one up and invoke what you deploy).`);
  }
  const secrets = tencent ?? local?.credentials;
  const say = (text: string) => io.out(redact(text, secrets));
  const json = flags.has('json');
  const labelFor = (region: string) => (target === 'tencent' ? `Tencent Cloud (${region}${values.endpoint ? `, ${values.endpoint}` : ''})` : `the local endpoint (${local!.url})`);
  const clientFor = (region: string) =>
    createScfClient(
      target === 'tencent'
        ? { target, region, credentials: tencent!, endpointUrl: values.endpoint }
        : { target, region, credentials: local!.credentials, endpointUrl: local!.url },
    );
  const results: Array<{ function?: string; layer?: string; ok: boolean; result?: DeployResult; published?: PublishedLayer; error?: { code: string; message: string } }> = [];
  const published = new Map<string, PublishedLayer>();
  try {
    for (const layer of layers) {
      if (!json) say(`Deploying layer ${layer.name} (${layer.region}) to ${labelFor(layer.region)}`);
      const outcome = await publishLayer({ layer, client: clientFor(layer.region), targetLabel: labelFor(layer.region), pollIntervalMs: target === 'local' ? 100 : 1000, onProgress: json ? undefined : (p) => say(`  ${p.message}`) });
      if (outcome.ok) {
        published.set(publishedKey(layer.file, layer.name), outcome.value);
        results.push({ layer: layer.name, ok: true, published: outcome.value });
      } else {
        results.push({ layer: layer.name, ok: false, error: { code: outcome.error.code, message: redact(outcome.error.message, secrets) } });
        if (!json) io.err(redact(`error: ${outcome.error.message}`, secrets));
      }
    }
    for (const spec of specs) {
      const targetLabel = labelFor(spec.region);
      if (!json) say(`Deploying ${spec.name} (${spec.namespace}, ${spec.region}) to ${targetLabel}${tencent ? ` with credentials from ${tencent.source}` : ''}`);
      const bindings = layerBindings(spec, published);
      const outcome = bindings.ok
        ? await deployFunction({
            spec,
            client: clientFor(spec.region),
            targetLabel,
            layers: bindings.value,
            pollIntervalMs: target === 'local' ? 100 : 1000,
            secrets: [secrets?.secretId ?? '', secrets?.secretKey ?? ''],
            onProgress: json ? undefined : (p) => say(`  ${p.message}`),
          })
        : bindings;
      if (outcome.ok) results.push({ function: spec.name, ok: true, result: outcome.value });
      else {
        results.push({ function: spec.name, ok: false, error: { code: outcome.error.code, message: redact(outcome.error.message, secrets) } });
        if (!json) io.err(redact(`error: ${outcome.error.message}`, secrets));
      }
    }
  } finally {
    await local?.release();
  }
  if (json) io.out(redact(JSON.stringify(results, null, 2), secrets));
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

function usageError(io: CliIO, message: string): number {
  return usage(io, 'deploy', message);
}

function fail(io: CliIO, message: string, code: number): number {
  return inputError(io, 'deploy', message, code);
}
