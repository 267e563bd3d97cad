/**
 * Which Serverless Cloud Framework component a `component:` value names. SCF Toolkit reads four
 * (`scf`, `multi-scf`, `http`, `layer`); every other component (cos, website, apigateway, postgresql,
 * the older per-framework ones such as express ...) is named as not checked, never passed as clean.
 */
import type { ComponentKind } from './types';

/**
 * A component name, as the framework accepts it: `scf`, `scf@1.2.3`, `@serverless/tencent-scf`,
 * `tencent-scf` (the older registry's spelling). Returns the bare name (`scf`, `multi-scf` ...).
 */
export function componentName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let v = value.trim();
  if (v === '') return undefined;
  v = v.replace(/^@serverless\//, '');
  // `name@version`, but not the leading @ of a scope
  const at = v.lastIndexOf('@');
  if (at > 0) v = v.slice(0, at);
  v = v.replace(/^.*\//, '').replace(/^tencent-/, '');
  return v.toLowerCase();
}

export function componentKind(value: unknown): ComponentKind | undefined {
  const name = componentName(value);
  return name === 'scf' || name === 'multi-scf' || name === 'http' || name === 'layer' ? name : undefined;
}

/** Whether a `component:` value names the scf component (`scf`, `scf@1.2`, `@serverless/tencent-scf` ...). */
export function isScfComponent(value: unknown): boolean {
  return componentKind(value) === 'scf';
}
