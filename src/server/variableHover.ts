/**
 * Hover on a Serverless Cloud Framework variable (`${stage}`, `${env:DB_HOST}`,
 * `${output:${stage}:${app}:shop-deps.name}`): what it resolves to here and where that comes from, or
 * why it has no value locally (an output known only after deploy, an unset variable). It resolves
 * exactly as the model and the checks do (model/interpolate.ts with the instance's context).
 */
import { dirname, relative } from 'node:path';
import type { AppContext } from '../model/app';
import { readDotEnv } from '../model/dotenv';
import { interpolate, parseOutputReference, variableSpans, type InterpolationContext } from '../model/interpolate';
import { appContextFor } from '../model/load';
import { looksSecret } from '../model/secrets';
import { findInstances, interpolationContext } from '../schema/validate';
import type { ParsedYaml, YNode, YScalar } from '../schema/yaml';

export interface VariableHover {
  markdown: string;
  /** Offsets of the variable(s) described. */
  start: number;
  end: number;
}

/** The scalar value at `offset` (not a key). */
function scalarAt(node: YNode | null, offset: number): YScalar | undefined {
  while (node) {
    if (node.kind === 'scalar') return offset >= node.start && offset <= node.end ? node : undefined;
    if (node.kind === 'map') {
      const pair = node.pairs.find((p) => offset >= p.value.start && offset <= p.value.end && p.value.end > p.value.start);
      if (!pair || (offset >= pair.keyStart && offset < pair.keyEnd)) return undefined;
      node = pair.value;
    } else {
      node = node.items.find((it) => offset >= it.start && offset <= it.end) ?? null;
    }
  }
  return undefined;
}

const MAX_SHOWN = 200;

function code(value: string): string {
  const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  if (shown === '') return '`""`';
  const fence = shown.includes('`') ? '``' : '`';
  return `${fence}${shown.includes('`') ? ` ${shown} ` : shown}${fence}`;
}

interface Where {
  ctx: InterpolationContext;
  dotEnv: Record<string, string>;
  env: NodeJS.ProcessEnv;
  app?: AppContext;
  file?: string;
}

/** Where a resolved variable's value comes from, in a few words. */
function source(expr: string, where: Where): string {
  if (expr === 'name') return "the instance's `name`";
  if (expr === 'app') return '`app` (the instance name when there is none)';
  if (expr === 'stage') return where.env.STAGE !== undefined ? '`STAGE` in the environment' : '`stage` (`dev` when there is none; `STAGE` in the environment overrides it)';
  if (expr === 'org') return '`org`';
  if (expr.startsWith('env:')) return where.dotEnv[expr.slice(4).trim()] !== undefined ? 'the .env beside this file' : "the editor's environment (no .env beside this file sets it)";
  const ref = parseOutputReference(expr, expr);
  const inst = ref && where.app?.instanceNamed(ref);
  if (ref && inst) {
    const file = where.file && inst.file !== where.file ? relative(dirname(where.file), inst.file) : 'this file';
    return `the ${inst.component} instance \`${inst.instanceName}\` (${file}): its \`${ref.key}\``;
  }
  return '';
}

/** `${env:DB_PASSWORD}`: its value is not shown (as the tree masks such variables). */
function isSecretVariable(text: string): boolean {
  const expr = text.slice(2, -1).trim();
  return expr.startsWith('env:') && looksSecret(expr.slice(4));
}

/** One outermost variable, e.g. `${output:${stage}:${app}:shop-deps.name}`. */
function describe(text: string, where: Where): string {
  const inner = text.slice(2, -1);
  const innerResolved = interpolate(inner, where.ctx);
  const expr = innerResolved.value.trim();
  const steps = innerResolved.problems.length === 0 && innerResolved.value !== inner ? ` = \`\${${expr}}\`` : '';
  const r = interpolate(text, where.ctx);
  if (r.problems.length > 0) return `${code(text)}${steps} has no value here: ${r.problems.map((p) => p.reason).join('; ')}.`;
  const secret = isSecretVariable(`\${${expr}}`);
  const from = source(expr, where);
  return `${code(text)}${steps} → ${secret ? '`••••••` (set; not shown, its name looks secret)' : code(r.value)}${from ? `, from ${from}` : ''}.`;
}

export function variableHover(parsed: ParsedYaml, offset: number, file: string | undefined, env: NodeJS.ProcessEnv): VariableHover | undefined {
  const root = parsed.root;
  if (!root || root.kind !== 'map') return undefined;
  const scalar = scalarAt(root, offset);
  if (!scalar || typeof scalar.value !== 'string' || !scalar.value.includes('${')) return undefined;
  // Offsets in the source: a quoted value's spans are found in its text as written.
  const raw = parsed.text.slice(scalar.start, scalar.end);
  const all = variableSpans(raw);
  if (all.length === 0) return undefined;
  const under = all.filter((s) => offset >= scalar.start + s.start && offset <= scalar.start + s.end);
  const chosen = under.length > 0 ? under : all;
  const instances = findInstances(root);
  const instance = instances.find((i) => offset >= i.map.start && offset <= i.map.end) ?? instances[0]!;
  const dotEnv = file ? readDotEnv(dirname(file)) : {};
  const base = interpolationContext(instance, file, env, dotEnv);
  const app = file ? appContextFor(file, base.app, parsed.text) : undefined;
  const where: Where = { ctx: { ...base, output: app?.output }, dotEnv, env, app, file };
  const parts = chosen.map((s) => describe(raw.slice(s.start, s.end), where));
  // Several variables, or text around one: the whole value as the function gets it.
  if (all.length > 1 || all[0]!.start > 0 || all[0]!.end < raw.length) {
    const whole = interpolate(scalar.value, where.ctx);
    if (whole.problems.length === 0 && !all.some((s) => isSecretVariable(raw.slice(s.start, s.end)))) parts.push(`The value: ${code(whole.value)}.`);
  }
  const start = scalar.start + chosen[0]!.start;
  const end = scalar.start + chosen[chosen.length - 1]!.end;
  return { markdown: parts.join('\n\n'), start, end };
}
