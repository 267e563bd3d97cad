/**
 * Checks of the multi-scf, http and layer components that no schema can express: a trigger or an API
 * naming a function that is not in `functions`, each function's own limits and handler file (its
 * settings over the shared ones), the http app's framework, runtime and entry file, a layer's name and
 * folder. The rules and where they come from are in the model's component modules (src/model/).
 */
import { join } from 'node:path';
import { findFramework } from '../../model/frameworks';
import { MULTI_SCF_DEFAULTS } from '../../model/multiScf';
import { HTTP_DEFAULTS } from '../../model/httpComponent';
import { LAYER_NAME } from '../../model/layers';
import { diag, type ScfDiagnostic } from '../diagnostics';
import { closest } from '../../model/spelling';
import { get, getPair, scalarText, type YMap, type YNode, type YPair } from '../yaml';
import { exists, shownPath, type InstanceContext } from './context';
import { runtimeFamily } from '../../model/runtimes';
import { checkHandler, localCodeDir } from './handler';
import { checkLayerBindings } from './layerBindings';
import { checkLimits, FUNCTION_NAME } from './limits';
import { cronProblem } from './triggers';

/** Keys of multi-scf `inputs` that are the component's own, not settings shared by the functions. */
const MULTI_SCF_INSTANCE_KEYS = new Set(['src', 'functions', 'triggers', 'ignoreTriggers', 'isAutoPublish', 'publishDescription', 'name']);

function keyRange(p: YPair): { start: number; end: number } {
  return { start: p.keyStart, end: p.keyEnd };
}

/** A function's own pairs, then the shared ones it does not set (offsets stay those of the file). */
function mergedInputs(fn: YMap, shared: YMap): YMap {
  const own = new Set(fn.pairs.map((p) => p.key));
  return { kind: 'map', start: fn.start, end: fn.end, pairs: [...fn.pairs, ...shared.pairs.filter((p) => !own.has(p.key) && !MULTI_SCF_INSTANCE_KEYS.has(p.key))] };
}

/** The functions of `inputs.functions` (mapping form; the list form names each by `name`). */
function functionsOf(inputs: YMap): Array<{ key: string; map: YMap; at: { start: number; end: number } }> {
  const fns = get(inputs, 'functions');
  if (fns?.kind === 'map') return fns.pairs.filter((p) => p.value.kind === 'map').map((p) => ({ key: p.key, map: p.value as YMap, at: keyRange(p) }));
  if (fns?.kind === 'seq') {
    return fns.items.flatMap((item) => {
      const name = item.kind === 'map' ? get(item, 'name') : undefined;
      const key = scalarText(name);
      return item.kind === 'map' && key !== undefined && name ? [{ key, map: item, at: { start: name.start, end: name.end } }] : [];
    });
  }
  return [];
}

/**
 * Each function of a multi-scf instance, with the context its checks run in: its own keys over the
 * shared ones, its default name, its code folder (`inputs.src` joined with its `src`).
 */
export function multiScfFunctionContexts(ctx: InstanceContext): Array<{ fn: { key: string; map: YMap; at: { start: number; end: number } }; ctx: InstanceContext }> {
  const inputs = ctx.inputs;
  if (!inputs) return [];
  const srcDir = localCodeDir(ctx);
  return functionsOf(inputs).map((fn) => {
    const ownSrc = get(fn.map, 'src');
    const ownSrcText = scalarText(ownSrc);
    const resolvedOwn = ownSrcText === undefined ? undefined : ctx.resolve(ownSrcText);
    const fctx: InstanceContext = {
      ...ctx,
      inputs: mergedInputs(fn.map, inputs),
      defaultName: { name: `${ctx.instanceName}-${ctx.stage}-${ctx.app}-${fn.key}`, rule: '${name}-${stage}-${app}-<key>', at: fn.at },
      codeDir: srcDir && (ownSrcText === undefined || resolvedOwn !== undefined) ? { dir: resolvedOwn ? join(srcDir.dir, resolvedOwn) : srcDir.dir, node: ownSrc ?? srcDir.node } : undefined,
      declarationAt: fn.at,
      defaultRuntime: MULTI_SCF_DEFAULTS.runtime,
    };
    if (!fctx.codeDir) fctx.file = undefined; // a code folder we cannot know: no disk checks for this function
    return { fn, ctx: fctx };
  });
}

export function checkMultiScf(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const inputs = ctx.inputs;
  if (!inputs) return out;
  const sharedName = getPair(inputs, 'name');
  if (sharedName) {
    out.push(diag('scf.multiScf.sharedName', 'a `name` in the shared inputs would be the name of every function, and each deploy would overwrite the last: set `name` on each function instead (the default is `${name}-${stage}-${app}-<key>`)', sharedName.keyStart, sharedName.keyEnd));
  }
  const functions = multiScfFunctionContexts(ctx);
  const names = new Map<string, string>();
  for (const { fn, ctx: fctx } of functions) {
    out.push(...checkLimits(fctx), ...checkHandler(fctx), ...checkLayerBindings(fctx));
    const nameText = scalarText(get(fn.map, 'name'));
    const deployed = nameText !== undefined ? ctx.resolve(nameText) : fctx.defaultName!.name;
    if (deployed !== undefined) {
      const other = names.get(deployed);
      if (other !== undefined) {
        out.push(diag('scf.multiScf.duplicateName', `functions ${other} and ${fn.key} are both deployed as "${deployed}": the second overwrites the first; give one its own \`name\``, fn.at.start, fn.at.end));
      } else names.set(deployed, fn.key);
    }
  }
  out.push(...checkMultiScfTriggers(inputs, functions.map((f) => f.fn.key)));
  // A shared setting is checked once per function that inherits it: report it once.
  const seen = new Set<string>();
  return out.filter((d) => {
    const id = `${d.code}:${d.start}:${d.end}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** `triggers[].function` and each apigw `apis[].function` name a key of `functions`. */
function checkMultiScfTriggers(inputs: YMap, keys: string[]): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const triggers = get(inputs, 'triggers');
  if (triggers?.kind !== 'seq') return out;
  const known = new Set(keys);
  const services = new Map<string, YNode>();
  const triggerNames = new Map<string, YNode>();
  const checkKey = (node: YNode | undefined, what: string) => {
    const value = node?.kind === 'map' ? get(node, 'name') : node;
    const key = scalarText(value);
    if (!value || key === undefined || known.has(key) || key.includes('${')) return;
    const guess = closest(key, keys);
    out.push(
      diag(
        'scf.trigger.unknownFunction',
        `${what} names function "${key}", which is not in \`functions\` (${keys.length ? `it has: ${keys.join(', ')}` : 'it is empty'}): the deploy stops with "Function ${key} not in deploy list"${guess ? `; did you mean "${guess}"?` : ''}`,
        value.start,
        value.end,
        guess ? [{ title: `Change to "${guess}"`, kind: 'edit', edits: [{ start: value.start, end: value.end, newText: guess }], preferred: true }] : undefined,
      ),
    );
  };
  for (const item of triggers.items) {
    if (item.kind !== 'map') continue;
    const type = scalarText(get(item, 'type'));
    const params = get(item, 'parameters');
    const fnNode = get(item, 'function');
    if (type === 'apigw') {
      const apis = get(params, 'apis');
      if (apis?.kind === 'seq') {
        const seen = new Map<string, YNode>();
        for (const api of apis.items) {
          const apiFn = get(api, 'function') ?? fnNode;
          if (!apiFn && api.kind === 'map') {
            const at = api.pairs[0] ? keyRange(api.pairs[0]) : { start: api.start, end: api.start };
            out.push(diag('scf.trigger.unknownFunction', 'this API names no function: add `function: <key>` (a key under `functions`)', at.start, at.end));
          } else checkKey(apiFn, 'this API');
          const path = scalarText(get(api, 'path'));
          const method = (scalarText(get(api, 'method')) ?? 'ANY').toUpperCase();
          if (path !== undefined) {
            const id = `${method} ${path}`;
            const pathNode = get(api, 'path')!;
            if (seen.has(id)) out.push(diag('scf.apigw.duplicateApi', `the service has two APIs for ${id}: API Gateway keeps one path and method once; remove one or change its path or method`, pathNode.start, pathNode.end));
            else seen.set(id, pathNode);
          }
        }
      }
      const service = scalarText(get(params, 'serviceName')) ?? scalarText(get(params, 'name'));
      const serviceNode = get(params, 'serviceName') ?? get(params, 'name');
      if (service !== undefined && serviceNode) {
        if (services.has(service)) out.push(diag('scf.apigw.duplicateService', `two apigw triggers both create service "${service}": give each apigw trigger its own \`serviceName\` (the component's docs require it)`, serviceNode.start, serviceNode.end));
        else services.set(service, serviceNode);
      }
      continue;
    }
    if (!fnNode) {
      const typePair = getPair(item, 'type');
      if (typePair) out.push(diag('scf.trigger.unknownFunction', `${type ? `a ${type}` : 'a'} trigger must name the function it calls: add \`function: <key>\` (a key under \`functions\`)`, typePair.keyStart, typePair.keyEnd));
    } else checkKey(fnNode, type ? `this ${type} trigger` : 'this trigger');
    if (type === 'timer') {
      const cron = get(params, 'cronExpression');
      const text = scalarText(cron);
      if (cron && text !== undefined && !text.includes('${')) {
        const p = cronProblem(text);
        if (p) out.push(diag(p.fields ? 'scf.timer.cronFields' : 'scf.timer.cronInvalid', p.message, cron.start, cron.end));
      }
    }
    const nameNode = get(params, 'name');
    const name = type === 'cmq' || type === 'ckafka' ? undefined : scalarText(nameNode);
    const fnKey = scalarText(fnNode?.kind === 'map' ? get(fnNode, 'name') : fnNode);
    if (name !== undefined && nameNode && fnKey !== undefined) {
      const id = `${fnKey}\u0000${type}\u0000${name}`;
      if (triggerNames.has(id)) out.push(diag('scf.trigger.duplicateName', `two ${type} triggers of ${fnKey} are both named "${name}": give each trigger its own \`name\`, or the second one replaces the first on deploy`, nameNode.start, nameNode.end));
      else triggerNames.set(id, nameNode);
    }
  }
  return out;
}

export function checkHttp(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const inputs = ctx.inputs;
  if (!inputs) return out;
  const faasPair = getPair(inputs, 'faas');
  const faas = faasPair?.value.kind === 'map' ? faasPair.value : undefined;
  if (!faas || !faasPair) return out; // the schema reports a missing `faas`
  const fctx: InstanceContext = { ...ctx, inputs: faas, defaultName: undefined, defaultRuntime: HTTP_DEFAULTS.runtime };
  out.push(...checkLimits({ ...fctx, defaultName: { name: `${ctx.instanceName}-${ctx.stage}-${ctx.app}`, rule: "SCF Toolkit's ${name}-${stage}-${app}", at: keyRange(faasPair) } }), ...checkLayerBindings(fctx));

  const frameworkNode = get(faas, 'framework');
  const frameworkText = scalarText(frameworkNode);
  const framework = findFramework(frameworkText === undefined ? undefined : ctx.resolve(frameworkText));
  const runtimeNode = get(faas, 'runtime');
  const runtimeText = scalarText(runtimeNode);
  const runtime = runtimeText === undefined ? HTTP_DEFAULTS.runtime : ctx.resolve(runtimeText);
  if (framework && frameworkNode && runtime !== undefined) {
    const family = runtimeFamily(runtime);
    if (family !== 'unknown' && family !== framework.family) {
      const at = runtimeNode ?? frameworkNode;
      const lang = framework.family === 'nodejs' ? 'Node.js' : framework.family === 'python' ? 'Python' : 'PHP';
      out.push(diag('scf.http.runtimeMismatch', `${framework.name} runs on ${lang}, but the function's runtime is ${runtime}${runtimeNode ? '' : ' (the component\'s default)'}: set \`faas.runtime\` to a ${lang} runtime`, at.start, at.end));
    }
    if (framework.unsupported) {
      out.push(diag('scf.http.frameworkUnsupported', `the http component lists ${framework.name} as not supported yet (docs/configure.md); its start command is used, but a deploy through the framework may refuse it`, frameworkNode.start, frameworkNode.end));
    }
  }

  const code = localCodeDir(ctx);
  if (code) {
    const st = ctx.probe.stat(code.dir);
    const at = code.node ?? { start: faasPair.keyStart, end: faasPair.keyEnd };
    if (!st?.isDirectory) {
      out.push(diag('scf.src.folderMissing', `code folder ${shownPath(ctx, code.dir)} ${st ? 'is not a folder' : 'does not exist'}: create it or point \`src\` at the app's folder`, at.start, at.end));
      return out;
    }
    const bootstrap = join(code.dir, 'scf_bootstrap');
    const own = ctx.probe.stat(bootstrap);
    const cmd = get(get(faas, 'bootstrap'), 'cmd');
    if (own?.isFile && !own.executable && !cmd) {
      out.push(diag('scf.web.bootstrapNotExecutable', `\`scf_bootstrap\` is not executable, so SCF cannot start it: run \`chmod 755 ${bootstrap}\``, at.start, at.end));
    }
    if (!own && !cmd && framework && frameworkNode) {
      const entry = join(code.dir, framework.entry.file);
      if (!exists(ctx.probe, entry)) {
        const slsJs = (framework.name === 'express' || framework.name === 'koa') && exists(ctx.probe, join(code.dir, 'sls.js'));
        const message = slsJs
          ? `${shownPath(ctx, code.dir)} has sls.js, the entry of the older ${framework.name} component (which exported the app), but no app.js: ${framework.entry.fix} (e.g. an app.js with \`require('./sls').listen(9000)\`)`
          : `no ${framework.entry.file} in ${shownPath(ctx, code.dir)}: ${framework.entry.fix}, or add an scf_bootstrap of your own`;
        out.push(diag('scf.http.entryMissing', message, frameworkNode.start, frameworkNode.end, undefined, framework.entry.severity));
      }
    }
  }

  if (!get(faas, 'name')) {
    const first = faas.pairs[0];
    const name = `${ctx.instanceName}-${ctx.stage}-${ctx.app}`;
    const valid = FUNCTION_NAME.test(name);
    out.push(
      diag(
        'scf.http.defaultName',
        `no \`faas.name\`: on its first deploy the http component names the function \`${frameworkText ?? 'http'}_<random id>\` and remembers it in its state; SCF Toolkit runs and deploys it as "${name}". Set \`faas.name\` to keep one name everywhere`,
        faasPair.keyStart,
        faasPair.keyEnd,
        first && valid ? [{ title: `Set faas.name to ${name}`, kind: 'edit', edits: [{ start: first.keyStart, end: first.keyStart, newText: `name: ${name}\n${' '.repeat(columnOf(ctx, first.keyStart))}` }], preferred: true }] : undefined,
      ),
    );
  }

  const apiTimeout = get(get(get(inputs, 'apigw'), 'api'), 'timeout');
  const fnTimeoutNode = get(faas, 'timeout');
  const fnTimeout = fnTimeoutNode?.kind === 'scalar' && typeof fnTimeoutNode.value === 'number' ? fnTimeoutNode.value : HTTP_DEFAULTS.timeout;
  if (apiTimeout?.kind === 'scalar' && typeof apiTimeout.value === 'number' && apiTimeout.value < fnTimeout) {
    out.push(diag('scf.http.apiTimeout', `the API gives up after ${apiTimeout.value} s, but the function may run ${fnTimeout} s: callers get 504 for longer requests; raise \`apigw.api.timeout\` to at least ${fnTimeout}`, apiTimeout.start, apiTimeout.end));
  }
  return out;
}

function columnOf(ctx: InstanceContext, offset: number): number {
  const text = ctx.text ?? '';
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

export function checkLayer(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const inputs = ctx.inputs;
  if (!inputs) return out;
  const nameNode = get(inputs, 'name');
  const name = scalarText(nameNode);
  const resolved = name === undefined ? undefined : ctx.resolve(name);
  if (nameNode && resolved !== undefined && !LAYER_NAME.test(resolved)) {
    out.push(diag('scf.layer.nameInvalid', `layer name "${resolved}" is not valid: use 1 to 64 letters, digits, "-" and "_", starting with a letter and not ending with "-" or "_"`, nameNode.start, nameNode.end));
  }
  const src = get(inputs, 'src');
  if (src?.kind === 'map' && !get(src, 'src') && (get(src, 'bucket') || get(src, 'object'))) return out;
  const code = localCodeDir(ctx);
  if (code) {
    const st = ctx.probe.stat(code.dir);
    const at = code.node ?? (getPair(ctx.instance, 'inputs') ? keyRange(getPair(ctx.instance, 'inputs')!) : { start: inputs.start, end: inputs.start });
    if (!st?.isDirectory) out.push(diag('scf.src.folderMissing', `layer folder ${shownPath(ctx, code.dir)} ${st ? 'is not a folder' : 'does not exist'}: create it or point \`src\` at the folder whose files go to /opt`, at.start, at.end));
  }
  return out;
}
