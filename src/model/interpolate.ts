/**
 * Serverless Cloud Framework variables in serverless.yml values: `${name}`, `${app}`, `${stage}`,
 * `${org}`, `${env:X}` and `${output:...}`. We resolve what can be known locally and report the rest.
 */
export interface InterpolationContext {
  name: string;
  app: string;
  stage: string;
  org?: string;
  /** Where `${env:X}` looks: the .env beside serverless.yml first, then the caller's environment. */
  env: (key: string) => string | undefined;
}

const VARIABLE = /\$\{\s*([^}]+?)\s*\}/g;

export function hasInterpolation(value: string): boolean {
  return /\$\{[^}]+\}/.test(value);
}

export interface Interpolated {
  value: string;
  unresolved: string[];
}

export function interpolate(value: string, ctx: InterpolationContext): Interpolated {
  const unresolved: string[] = [];
  const out = value.replace(VARIABLE, (whole, expr: string) => {
    const resolved = resolveVariable(expr, ctx);
    if (resolved === undefined) {
      unresolved.push(whole);
      return whole;
    }
    return resolved;
  });
  return { value: out, unresolved };
}

function resolveVariable(expr: string, ctx: InterpolationContext): string | undefined {
  if (expr === 'name') return ctx.name;
  if (expr === 'app') return ctx.app;
  if (expr === 'stage') return ctx.stage;
  if (expr === 'org') return ctx.org;
  if (expr.startsWith('env:')) return ctx.env(expr.slice(4).trim());
  return undefined; // ${output:...} and anything else only the cloud knows
}
