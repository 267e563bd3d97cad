/**
 * Serverless Cloud Framework variables in serverless.yml values: `${name}`, `${app}`, `${stage}`,
 * `${org}`, `${env:X}` and `${output:<stage>:<app>:<instance>.<key>}` (another component instance's
 * output, e.g. `${output:${stage}:${app}:my-layer.version}`). Variables nest: the inner ones are
 * resolved first. We resolve what can be known locally and say why the rest cannot be.
 */
import { fail, ok, type Outcome } from './outcome';
export interface OutputReference {
  stage: string;
  app: string;
  /** The component instance (its top-level `name`). */
  instance: string;
  /** The output, possibly dotted (`apigw.url`). */
  key: string;
  /** The reference as written, e.g. `${output:dev:shop:layer.name}`. */
  text: string;
}

export type OutputLookup = (ref: OutputReference) => Outcome<string>;

export interface InterpolationContext {
  name: string;
  app: string;
  stage: string;
  org?: string;
  /** Where `${env:X}` looks: the .env beside serverless.yml first, then the caller's environment. */
  env: (key: string) => string | undefined;
  /** Where `${output:...}` looks (the app's other component instances); without it, outputs stay unresolved. */
  output?: OutputLookup;
}

export function hasInterpolation(value: string): boolean {
  return /\$\{[^}]+\}/.test(value);
}

export interface UnresolvedVariable {
  /** The variable as written (outermost), e.g. `${output:${stage}:${app}:api.url}`. */
  text: string;
  /** Why it has no local value, and what to do. */
  reason: string;
}

export interface Interpolated {
  value: string;
  /** The variables left as written. */
  unresolved: string[];
  problems: UnresolvedVariable[];
}

/** The `${...}` spans of a value, outermost only, with nesting respected; an unclosed `${` is text. */
export function variableSpans(value: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let i = 0;
  while (i < value.length) {
    const open = value.indexOf('${', i);
    if (open === -1) break;
    let depth = 0;
    let close = -1;
    for (let j = open; j < value.length; j++) {
      if (value.startsWith('${', j)) {
        depth++;
        j++;
      } else if (value[j] === '}') {
        depth--;
        if (depth === 0) {
          close = j;
          break;
        }
      }
    }
    if (close === -1) break;
    out.push({ start: open, end: close + 1 });
    i = close + 1;
  }
  return out;
}

export function interpolate(value: string, ctx: InterpolationContext): Interpolated {
  const problems: UnresolvedVariable[] = [];
  let out = '';
  let last = 0;
  for (const span of variableSpans(value)) {
    out += value.slice(last, span.start);
    last = span.end;
    const whole = value.slice(span.start, span.end);
    const inner = interpolate(value.slice(span.start + 2, span.end - 1), ctx);
    if (inner.problems.length > 0) {
      problems.push({ text: whole, reason: inner.problems.map((p) => p.reason).join('; ') });
      out += whole;
      continue;
    }
    const resolved = resolveVariable(inner.value.trim(), whole, ctx);
    if (resolved.ok) out += resolved.value;
    else {
      problems.push({ text: whole, reason: resolved.error.message });
      out += whole;
    }
  }
  out += value.slice(last);
  return { value: out, unresolved: problems.map((p) => p.text), problems };
}

/** Parses `output:<stage>:<app>:<instance>.<key>`; undefined when the expression is not of that form. */
export function parseOutputReference(expr: string, text: string): OutputReference | undefined {
  const m = /^output:([^:]*):([^:]*):([^.]+)\.(.+)$/.exec(expr.trim());
  if (!m) return undefined;
  return { stage: m[1]!.trim(), app: m[2]!.trim(), instance: m[3]!.trim(), key: m[4]!.trim(), text };
}

function resolveVariable(expr: string, text: string, ctx: InterpolationContext): Outcome<string> {
  if (expr === 'name') return ok(ctx.name);
  if (expr === 'app') return ok(ctx.app);
  if (expr === 'stage') return ok(ctx.stage);
  if (expr === 'org') return ctx.org === undefined ? fail('interpolate.orgUnset', '`org` is not set in the file (the framework uses your APPID)') : ok(ctx.org);
  if (expr.startsWith('env:')) {
    const key = expr.slice(4).trim();
    const v = ctx.env(key);
    return v === undefined ? fail('interpolate.envUnset', `${key} is set neither in the .env beside this file nor in the environment`) : ok(v);
  }
  if (expr.startsWith('output:')) {
    const ref = parseOutputReference(expr, text);
    if (!ref) return fail('interpolate.badOutput', 'an output reference is written ${output:<stage>:<app>:<instance>.<output>}');
    if (!ctx.output) return fail('interpolate.outputUnknown', `the output of ${ref.instance} is known only after it is deployed`);
    return ctx.output(ref);
  }
  return fail('interpolate.unknownVariable', `\${${expr}} is not a variable the Serverless Cloud Framework knows`);
}
