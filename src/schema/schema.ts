/**
 * The components' JSON Schemas (shipped in the VSIX and required from there by the bundles): the scf
 * component's (`schemas/serverless-scf.schema.json`) and the multi-scf, http and layer components'
 * (`schemas/serverless-components.schema.json`, whose shared settings refer to the first); their
 * validators (validators.ts), and walks of them for completion and hover. Definition names are unique
 * across both files, so `#/definitions/<name>` means the same in either.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ComponentKind } from '../model/types';
import { validator } from './validators';
import componentsJson from '../../schemas/serverless-components.schema.json';
import schemaJson from '../../schemas/serverless-scf.schema.json';

export interface JsonSchema {
  $ref?: string;
  $id?: string;
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
  /** Ours (multi-scf triggers): `parameters` is described by `x-parameters[<value of this key>]`. */
  'x-parametersBy'?: string;
  'x-parameters'?: Record<string, JsonSchema>;
}

export const SCF_SCHEMA = schemaJson as unknown as JsonSchema;
export const SCF_SCHEMA_FILE = 'serverless-scf.schema.json';
export const COMPONENTS_SCHEMA = componentsJson as unknown as JsonSchema;
export const COMPONENTS_SCHEMA_FILE = 'serverless-components.schema.json';

const ROOTS = { 'multi-scf': 'multiScfFile', http: 'httpFile', layer: 'layerFile' } as const;

/** The root schema of a component instance. */
export function rootSchema(kind: ComponentKind = 'scf'): JsonSchema {
  return kind === 'scf' ? SCF_SCHEMA : COMPONENTS_SCHEMA.definitions![ROOTS[kind]]!;
}

/** The validator of a whole multi-scf, http or layer instance (these files stay small: no slicing). */
export function componentValidator(kind: Exclude<ComponentKind, 'scf'>): ValidateFunction {
  return validator(ROOTS[kind]);
}

/**
 * The compiled validators (validators.ts: compiled at build time in the bundles). `instance` leaves out
 * `events` items and `environment.variables` values, which `trigger` and the semantic pass check.
 */
export function scfValidators(): { instance: ValidateFunction; trigger: ValidateFunction } {
  return { instance: validator('scfInstance'), trigger: validator('scfTrigger') };
}

export type { ErrorObject };

/** A JSON pointer (`#/definitions/inputs/properties/runtime`) in one of our schema files. */
function resolvePointer(ref: string): JsonSchema | undefined {
  const hash = ref.indexOf('#');
  const file = ref.slice(0, hash);
  const pointer = ref.slice(hash + 1);
  const docs = file === SCF_SCHEMA_FILE ? [SCF_SCHEMA] : file === COMPONENTS_SCHEMA_FILE ? [COMPONENTS_SCHEMA] : [SCF_SCHEMA, COMPONENTS_SCHEMA];
  for (const doc of docs) {
    let cur: unknown = doc;
    for (const seg of pointer.split('/').filter(Boolean)) {
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    if (cur) return cur as JsonSchema;
  }
  return undefined;
}

/** Follows `$ref` inside our schemas; keys beside a `$ref` (a `default`, a `description`) win over the target's. */
export function deref(s: JsonSchema | undefined): JsonSchema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 10; i++) {
    const { $ref, ...siblings } = cur;
    const target = resolvePointer($ref);
    if (!target) return undefined;
    cur = Object.keys(siblings).length ? { ...target, ...siblings, ...(target.$ref ? { $ref: target.$ref } : {}) } : target;
  }
  return cur;
}

/** The value of a key beside the cursor's path (for `x-parametersBy`): path of the key -> its text. */
export type ValueAt = (path: readonly (string | number)[]) => string | undefined;

/** The schema for a value at a path of keys / indexes; `oneOf` branches are merged (object branch wins). */
export function schemaAtPath(path: readonly (string | number)[], kind: ComponentKind = 'scf', valueAt?: ValueAt): JsonSchema | undefined {
  let cur: JsonSchema | undefined = deref(rootSchema(kind));
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    cur = objectish(cur);
    if (!cur) return undefined;
    if (typeof seg === 'number') {
      cur = deref(cur.items);
      continue;
    }
    const by = cur['x-parametersBy'];
    if (by && seg === 'parameters' && cur['x-parameters']) {
      const which = valueAt?.([...path.slice(0, i), by]);
      const chosen = which !== undefined ? cur['x-parameters'][which] : undefined;
      if (chosen) {
        cur = deref(chosen);
        continue;
      }
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
