/**
 * The scf component's JSON Schema (`schemas/serverless-scf.schema.json`, shipped in the VSIX and
 * required from there by the bundles), its validators (validators.ts), and walks it for completion and hover.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { validator } from './validators';
import schemaJson from '../../schemas/serverless-scf.schema.json';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  required?: string[];
  minimum?: number;
  maximum?: number;
  examples?: unknown[];
  definitions?: Record<string, JsonSchema>;
}

export const SCF_SCHEMA = schemaJson as unknown as JsonSchema;
export const SCF_SCHEMA_FILE = 'serverless-scf.schema.json';

/**
 * The compiled validators (validators.ts: compiled at build time in the bundles). `instance` leaves out
 * `events` items and `environment.variables` values, which `trigger` and the semantic pass check.
 */
export function scfValidators(): { instance: ValidateFunction; trigger: ValidateFunction } {
  return { instance: validator('scfInstance'), trigger: validator('scfTrigger') };
}

export type { ErrorObject };

/** Follows `$ref` inside our schema. */
export function deref(s: JsonSchema | undefined): JsonSchema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 10; i++) {
    const m = /^#\/definitions\/(.+)$/.exec(cur.$ref);
    cur = m ? SCF_SCHEMA.definitions?.[m[1]!] : undefined;
  }
  return cur;
}

/** The schema for a value at a path of keys / indexes; `oneOf` branches are merged (object branch wins). */
export function schemaAtPath(path: readonly (string | number)[]): JsonSchema | undefined {
  let cur: JsonSchema | undefined = deref(SCF_SCHEMA);
  for (const seg of path) {
    cur = objectish(cur);
    if (!cur) return undefined;
    if (typeof seg === 'number') {
      cur = deref(cur.items);
      continue;
    }
    const prop: JsonSchema | undefined = cur.properties?.[seg];
    if (prop) cur = deref(prop);
    else if (cur.additionalProperties && typeof cur.additionalProperties === 'object') cur = deref(cur.additionalProperties);
    else return undefined;
  }
  return cur;
}

/** For a `oneOf`, the branch that has properties (used when the user is typing keys). */
export function objectish(s: JsonSchema | undefined): JsonSchema | undefined {
  const d = deref(s);
  if (!d) return undefined;
  if (d.oneOf) {
    const obj = d.oneOf.map(deref).find((b) => b?.properties || b?.items);
    if (obj) return { ...obj, description: d.description ?? obj.description };
  }
  return d;
}

/** The types a schema accepts, as words ("string", "integer" ...). */
export function typeNames(s: JsonSchema | undefined): string[] {
  const d = deref(s);
  if (!d) return [];
  if (d.oneOf) return [...new Set(d.oneOf.flatMap((b) => typeNames(b)))];
  if (Array.isArray(d.type)) return d.type;
  return d.type ? [d.type] : [];
}
