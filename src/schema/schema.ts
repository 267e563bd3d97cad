/**
 * The scf component's JSON Schema (`schemas/serverless-scf.schema.json`, shipped in the VSIX and
 * bundled here), compiled once with ajv, and walked for completion and hover.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
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

let compiled: { instance: ValidateFunction; trigger: ValidateFunction } | undefined;

/**
 * The compiled validators (compiled on first use, then reused). For speed on large files the
 * instance validator leaves out the two collections that grow (`events` items and
 * `environment.variables` values): each trigger is validated on its own (and cached by its text),
 * the variables are checked by the semantic pass. Together they check exactly what the schema says.
 */
export function scfValidators(): { instance: ValidateFunction; trigger: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const slim = JSON.parse(JSON.stringify(SCF_SCHEMA)) as JsonSchema;
    const inputs = slim.definitions!.inputs!;
    inputs.properties!.events = { ...inputs.properties!.events, items: {} };
    const env = inputs.properties!.environment!;
    env.properties!.variables = { ...env.properties!.variables, additionalProperties: true };
    ajv.addSchema(slim as object, 'slim');
    compiled = {
      instance: ajv.getSchema('slim')!,
      trigger: ajv.compile({ $ref: 'slim#/definitions/trigger' }),
    };
  }
  return compiled;
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
