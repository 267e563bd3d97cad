/**
 * What the Functions view shows, as plain data (no vscode import: tested in plain Node).
 * functionsTree.ts turns these nodes into TreeItems.
 */
import { basename, dirname, relative } from 'node:path';
import type { FunctionSpec, LayerBinding, LayerSpec, LoadedFile, LoadResult, ModelError, TriggerSpec, UncheckedInstance } from '../model/types';
import type { EventFile } from '../events/store';
import { customEventLimitWarning } from '../events/names';

import { runtimeFamily, type RuntimeFamily as ScfRuntimeFamily } from '../model/runtimes';
import { displayValue } from '../model/secrets';

export { runtimeFamily };
export type RuntimeFamily = ScfRuntimeFamily | 'unknown';

export interface FileEntry {
  file: string;
  result: LoadResult;
}

export type TreeNode =
  | { kind: 'file'; id: string; file: string; label: string; description: string; functions: FunctionSpec[]; loaded: LoadedFile }
  | { kind: 'brokenFile'; id: string; file: string; label: string; description: string; tooltip: string; error: ModelError }
  | { kind: 'function'; id: string; spec: FunctionSpec; label: string; description: string; tooltip: string; runtime: RuntimeFamily }
  | { kind: 'group'; id: string; group: 'triggers' | 'environment' | 'events' | 'layers'; spec: FunctionSpec; label: string; description: string }
  /** A `component: layer` of the workspace. */
  | { kind: 'layer'; id: string; layer: LayerSpec; label: string; description: string; tooltip: string }
  /** One of a function's `layers`, and where it is mounted from locally. */
  | { kind: 'layerBinding'; id: string; spec: FunctionSpec; binding: LayerBinding; label: string; description: string; tooltip: string }
  /** A component instance SCF Toolkit does not check or run (cos, website ...). */
  | { kind: 'unchecked'; id: string; file: string; instance: UncheckedInstance; label: string; description: string; tooltip: string }
  | { kind: 'trigger'; id: string; spec: FunctionSpec; trigger: TriggerSpec; label: string; description: string; tooltip: string }
  | { kind: 'variable'; id: string; spec: FunctionSpec; key: string; label: string; description: string }
  | { kind: 'event'; id: string; spec: FunctionSpec; event: EventFile; label: string; description: string; tooltip: string }
  | { kind: 'hint'; id: string; spec: FunctionSpec; label: string; tooltip: string };

/** `Nodejs16.13 · 128 MB · 3 s` (web functions say so first, an http app its framework). */
export function functionDescription(spec: FunctionSpec): string {
  return [spec.type === 'web' ? 'web' : undefined, spec.framework, spec.runtime, `${spec.memorySize} MB`, `${spec.timeout} s`].filter(Boolean).join(' · ');
}

function functionTooltip(spec: FunctionSpec, workspaceRoots: readonly string[]): string {
  const lines = [
    `${spec.name} (${spec.type} function${spec.component === 'multi-scf' ? `, multi-scf function ${spec.functionKey} of ${spec.instanceName}` : spec.component === 'http' ? `, the ${spec.framework ?? ''} app of http component ${spec.instanceName}` : ''})`,
    spec.description,
    spec.handler ? `handler: ${spec.handler}` : undefined,
    `runtime: ${spec.runtime}`,
    `memory: ${spec.memorySize} MB, timeout: ${spec.timeout} s, init timeout: ${spec.initTimeout} s`,
    `region: ${spec.region}, namespace: ${spec.namespace}`,
    `code: ${displayPath(spec.codeDir, workspaceRoots)}`,
    spec.bootstrap ? `started by ${spec.bootstrap.source === 'component' ? `the http component's command for ${spec.bootstrap.framework} (no scf_bootstrap in the code)` : 'faas.bootstrap.cmd'}` : undefined,
    spec.layers?.length ? `layers: ${spec.layers.map((l) => `${l.name}${l.version !== undefined ? ` v${l.version}` : ''}`).join(', ')}` : undefined,
    `defined in ${displayPath(spec.file, workspaceRoots)}${spec.range ? `:${spec.range.line + 1}` : ''}`,
  ];
  return lines.filter((l): l is string => Boolean(l)).join('\n');
}

export function displayPath(path: string, workspaceRoots: readonly string[]): string {
  for (const root of workspaceRoots) {
    const rel = relative(root, path);
    if (rel === '') return '.';
    if (!rel.startsWith('..') && !rel.startsWith('/')) return rel;
  }
  return path;
}

/** Values of variables whose name looks secret are masked in the tree (the tooltip-free description). */
export { displayValue };

/** The top level: one node per file when several files define functions, else the functions themselves. */
export function rootNodes(entries: readonly FileEntry[], workspaceRoots: readonly string[]): TreeNode[] {
  const sorted = [...entries].sort((a, b) => a.file.localeCompare(b.file));
  const good = sorted.filter((e) => e.result.ok);
  const broken = sorted.filter((e) => !e.result.ok).map((e) => brokenNode(e, workspaceRoots));
  if (good.length <= 1) {
    const loaded = good.flatMap((e) => (e.result.ok ? [{ file: e.file, value: e.result.value }] : []));
    return [...loaded.flatMap((e) => fileChildren(e.file, e.value, workspaceRoots)), ...broken];
  }
  const files: TreeNode[] = good.map((e) => {
    const loaded = e.result.ok ? e.result.value : { functions: [], layers: [], unchecked: [], warnings: [] };
    const folder = displayPath(dirname(e.file), workspaceRoots);
    return {
      kind: 'file',
      id: `file:${e.file}`,
      file: e.file,
      label: folder === '.' ? displayPath(e.file, workspaceRoots) : folder,
      description: fileDescription(loaded),
      functions: loaded.functions,
      loaded,
    };
  });
  return [...files, ...broken];
}

/** `3 functions · 1 layer` (what the file holds). */
export function fileDescription(loaded: Pick<LoadedFile, 'functions' | 'layers' | 'unchecked'>): string {
  const count = (n: number, what: string) => (n ? `${n} ${what}${n === 1 ? '' : 's'}` : '');
  const parts = [count(loaded.functions.length, 'function'), count(loaded.layers.length, 'layer'), count(loaded.unchecked.length, 'unchecked component')].filter(Boolean);
  return parts.join(' · ') || 'nothing to run';
}

/** What a file shows: its functions, its layers, then the components SCF Toolkit does not check. */
export function fileChildren(file: string, loaded: Pick<LoadedFile, 'functions' | 'layers' | 'unchecked'>, workspaceRoots: readonly string[]): TreeNode[] {
  return [
    ...loaded.functions.map((s) => functionNode(s, workspaceRoots)),
    ...loaded.layers.map((l) => layerNode(l, workspaceRoots)),
    ...loaded.unchecked.map((u): TreeNode => ({
      kind: 'unchecked',
      id: `unchecked:${file}#${u.instanceName}`,
      file,
      instance: u,
      label: u.instanceName,
      description: `${u.component} · not checked by SCF Toolkit`,
      tooltip: `${u.instanceName} is a ${u.component} component instance (${displayPath(file, workspaceRoots)}). SCF Toolkit checks and runs the scf, multi-scf, http and layer components; this one is neither validated nor run locally.`,
    })),
  ];
}

export function layerNode(layer: LayerSpec, workspaceRoots: readonly string[]): TreeNode {
  return {
    kind: 'layer',
    id: `layer:${layer.file}#${layer.name}`,
    layer,
    label: layer.name,
    description: ['layer', layer.runtimes.join(', ') || 'no runtimes'].join(' · '),
    tooltip: [
      `layer ${layer.name} (component: layer, instance ${layer.instanceName})`,
      layer.description,
      `content: ${displayPath(layer.codeDir, workspaceRoots)}${layer.targetDir !== '/' ? ` (as /opt${layer.targetDir})` : ' (as /opt)'}`,
      `runtimes: ${layer.runtimes.join(', ') || 'none'}`,
      `region: ${layer.region}`,
      `defined in ${displayPath(layer.file, workspaceRoots)}${layer.range ? `:${layer.range.line + 1}` : ''}`,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

/** A function's layer: its version and the local folder it is mounted from (or that there is none). */
export function layerBindingNode(spec: FunctionSpec, binding: LayerBinding, index: number, base: string, workspaceRoots: readonly string[]): TreeNode {
  const version = binding.version !== undefined ? `version ${binding.version}` : "the version deploy publishes";
  const from =
    binding.source === 'workspace' ? `the app's layer (${displayPath(binding.layerFile ?? '', workspaceRoots)})` : binding.source === 'setting' ? 'the scf.layers setting' : binding.source === '.env' ? 'the .env' : undefined;
  return {
    kind: 'layerBinding',
    id: `${base}/${index}`,
    spec,
    binding,
    label: binding.name,
    description: binding.dir ? `${version} · ${displayPath(binding.dir, workspaceRoots)}` : `${version} · no local folder`,
    tooltip: binding.dir
      ? `layer ${binding.name}, ${version}: mounted as /opt from ${binding.dir}, from ${from}`
      : `layer ${binding.name}, ${version}: no local folder, so local invoke stops before running. Add its component: layer beside the app, or set its folder in scf.layers (or SCF_TOOLKIT_LAYER_<name> in .env).`,
  };
}

function brokenNode(entry: FileEntry, workspaceRoots: readonly string[]): TreeNode {
  const error = (entry.result as { ok: false; error: ModelError }).error;
  const where = displayPath(entry.file, workspaceRoots);
  const line = error.range ? `:${error.range.line + 1}` : '';
  // The message starts with the file path; the label already says which file it is.
  const short = error.message.replace(/^[^\s]*?:(\d+:\d+:)?\s/, '');
  return { kind: 'brokenFile', id: `broken:${entry.file}`, file: entry.file, label: `${where}${line}`, description: short, tooltip: error.message, error };
}

export function functionNode(spec: FunctionSpec, workspaceRoots: readonly string[]): TreeNode {
  return {
    kind: 'function',
    id: `fn:${spec.file}#${spec.name}`,
    spec,
    label: spec.name,
    description: functionDescription(spec),
    tooltip: functionTooltip(spec, workspaceRoots),
    runtime: runtimeFamily(spec.runtime),
  };
}

/** Children of a function: its triggers, environment variables and test events. */
export function functionChildren(spec: FunctionSpec, events: readonly EventFile[]): TreeNode[] {
  const id = `fn:${spec.file}#${spec.name}`;
  const envCount = Object.keys(spec.environment).length;
  const warning = customEventLimitWarning(spec.name, events.length);
  const layers = spec.layers ?? [];
  const missing = layers.filter((l) => !l.dir).length;
  return [
    { kind: 'group', id: `${id}/triggers`, group: 'triggers', spec, label: 'Triggers', description: String(spec.events.length) },
    { kind: 'group', id: `${id}/environment`, group: 'environment', spec, label: 'Environment variables', description: String(envCount) },
    ...(layers.length ? [{ kind: 'group' as const, id: `${id}/layers`, group: 'layers' as const, spec, label: 'Layers', description: missing ? `${layers.length} (${missing} not found locally)` : String(layers.length) }] : []),
    { kind: 'group', id: `${id}/events`, group: 'events', spec, label: 'Test events', description: warning ? `${events.length} (the console keeps 5)` : String(events.length) },
  ];
}

export function triggerLabel(trigger: TriggerSpec): { label: string; description: string } {
  const p = trigger.parameters;
  const str = (k: string) => (typeof p[k] === 'string' || typeof p[k] === 'number' ? String(p[k]) : undefined);
  let description = '';
  switch (trigger.kind) {
    case 'timer':
      description = str('cronExpression') ?? '';
      break;
    case 'apigw': {
      const endpoints = Array.isArray(p.endpoints) ? (p.endpoints as Record<string, unknown>[]) : [];
      description = endpoints.map((e) => `${String(e.method ?? 'ANY')} ${String(e.path ?? '/')}`).join(', ') || (str('serviceName') ?? '');
      break;
    }
    case 'cos':
      description = [str('bucket'), str('events')].filter(Boolean).join(' · ');
      break;
    case 'cmq':
    case 'ckafka':
      description = [str('name'), str('topic')].filter(Boolean).join(' · ');
      break;
    default:
      description = str('name') ?? '';
  }
  const disabled = p.enable === false ? ' (disabled)' : '';
  return { label: trigger.name ? `${trigger.kind}: ${trigger.name}` : trigger.kind, description: description + disabled };
}

export function groupChildren(node: Extract<TreeNode, { kind: 'group' }>, events: readonly EventFile[], workspaceRoots: readonly string[] = []): TreeNode[] {
  const { spec } = node;
  const base = node.id;
  if (node.group === 'layers') return (spec.layers ?? []).map((b, i) => layerBindingNode(spec, b, i, base, workspaceRoots));
  if (node.group === 'triggers') {
    if (spec.events.length === 0) return [{ kind: 'hint', id: `${base}/none`, spec, label: 'No triggers', tooltip: spec.component === 'multi-scf' ? `Add triggers under inputs.triggers with \`function: ${spec.functionKey}\` in ${basename(spec.file)}.` : `Add triggers under inputs.events in ${basename(spec.file)}.` }];
    return spec.events.map((trigger, i) => {
      const { label, description } = triggerLabel(trigger);
      return { kind: 'trigger', id: `${base}/${i}`, spec, trigger, label, description, tooltip: `${label}\n${JSON.stringify(trigger.parameters, null, 2)}` };
    });
  }
  if (node.group === 'environment') {
    const keys = Object.keys(spec.environment).sort();
    if (keys.length === 0) return [{ kind: 'hint', id: `${base}/none`, spec, label: 'No environment variables', tooltip: `Add them under inputs.environment.variables in ${basename(spec.file)}.` }];
    return keys.map((key) => ({ kind: 'variable', id: `${base}/${key}`, spec, key, label: key, description: displayValue(key, spec.environment[key]!) }));
  }
  if (events.length === 0) return [{ kind: 'hint', id: `${base}/none`, spec, label: 'No test events yet: add one with +', tooltip: `Test events are JSON files in .scf/events/${spec.name}/ beside ${basename(spec.file)}.` }];
  return events.map((event) => ({
    kind: 'event',
    id: `${base}/${event.name}`,
    spec,
    event,
    label: event.name,
    description: event.nameProblem ? 'name breaks the console rule' : '',
    tooltip: event.nameProblem ? `${event.file}\n${event.nameProblem}` : event.file,
  }));
}

export interface ProblemCount {
  errors: number;
  warnings: number;
}

/**
 * The problems of a function file that belong to `spec`: each problem goes to the function declared
 * last at or above its line (a problem above every function, e.g. on `component:`, to the first), so
 * a file of several functions marks the one at fault.
 */
export function functionProblems(spec: FunctionSpec, inFile: readonly FunctionSpec[], problems: readonly { line: number; severity: 'error' | 'warning' | 'other' }[]): ProblemCount {
  const starts = inFile.map((f) => ({ name: f.name, line: f.range?.line ?? 0 })).sort((a, b) => a.line - b.line);
  const owner = (line: number) => [...starts].reverse().find((s) => s.line <= line)?.name ?? starts[0]?.name;
  const count: ProblemCount = { errors: 0, warnings: 0 };
  for (const p of problems) {
    if (p.severity === 'other' || (starts.length > 1 && owner(p.line) !== spec.name)) continue;
    if (p.severity === 'error') count.errors++;
    else count.warnings++;
  }
  return count;
}

/** `2 errors, 1 warning` (empty when there are none). */
export function problemText(count: ProblemCount): string {
  const part = (n: number, what: string) => (n ? `${n} ${what}${n === 1 ? '' : 's'}` : '');
  return [part(count.errors, 'error'), part(count.warnings, 'warning')].filter(Boolean).join(', ');
}

export type Expansion = 'expanded' | 'collapsed' | 'none';

/**
 * How a node opens the first time (after that VS Code, and our saved state, remember what the user
 * did): files open, so every function is in sight; functions stay closed unless the workspace has
 * only one; inside a function the test events open, triggers and environment stay closed.
 */
export function defaultExpansion(node: TreeNode, functionCount: number): Expansion {
  switch (node.kind) {
    case 'file':
      return 'expanded';
    case 'function':
      return functionCount === 1 ? 'expanded' : 'collapsed';
    case 'group':
      return node.group === 'events' ? 'expanded' : 'collapsed';
    default:
      return 'none';
  }
}
