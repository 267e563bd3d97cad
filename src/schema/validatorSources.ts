/**
 * Every JSON schema the toolkit validates with, by the id callers ask for, in groups that share ajv
 * options (and may refer to each other). scripts/build.mjs compiles these at build time (ajv's standalone code, in
 * dist/vendor/scf-validators.js), so the bundles never load ajv nor compile at start; run from source,
 * validators.ts compiles the same schemas with the same options. A new schema goes here.
 *
 * For speed on large files the `scfInstance` validator leaves out the two collections that grow
 * (`events` items and `environment.variables` values): each trigger is validated on its own with
 * `scfTrigger` (and cached by its text), the variables by the semantic pass. Together they check
 * exactly what the schema says.
 */
import eventSchema from '../../schemas/scf-event.schema.json';
import expectationSchema from '../../schemas/scf-expectation.schema.json';
import componentsSchema from '../../schemas/serverless-components.schema.json';
import scfSchema from '../../schemas/serverless-scf.schema.json';
import type { JsonSchema } from './schema';

function slimScfSchema(): JsonSchema {
  const slim = JSON.parse(JSON.stringify(scfSchema)) as JsonSchema;
  delete (slim as { $id?: string }).$id;
  const inputs = slim.definitions!.inputs!;
  inputs.properties!.events = { ...inputs.properties!.events, items: {} };
  const env = inputs.properties!.environment!;
  env.properties!.variables = { ...env.properties!.variables, additionalProperties: true };
  return slim;
}

const withoutId = ({ $id: _id, ...schema }: { $id?: string } & object): object => schema;

// Words for people and editors, which no check reads: ajv's compiled code keeps the schema objects
// its checks refer to (enum lists, the multi-scf component's if/const), and with them every
// description and our own `x-` keywords (ajv passes over them); the validators do without (the
// language server's hover and completion read the schemas in schemas/). The same checks, the same
// error paths (compared on 80,000 mutated documents); 13 KB less of the VSIX.
const ANNOTATIONS = new Set(['title', 'description', 'markdownDescription', 'examples', 'default', '$comment']);
// Keywords whose value is a map of names to schemas: the names are data (a property may be called `description`).
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);
const SCHEMAS = new Set(['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);

function withoutAnnotations<T>(schema: T): T {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    if (SCHEMA_MAPS.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withoutAnnotations(sub)]));
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(withoutAnnotations);
    else if (SCHEMAS.has(key)) out[key] = withoutAnnotations(value);
    else out[key] = value;
  }
  return out as T;
}

// `inlineRefs: false`: a $ref is a call of the referred schema's function, not a copy of its code at
// every place it is used: the same checks and the same errors (compared on 36,000 mutated documents),
// 4 KB less of the VSIX (the compiled validators are its largest files).
export const VALIDATOR_GROUPS = [
  {
    options: { allErrors: true, strict: false, inlineRefs: false },
    schemas: {
      scfInstance: withoutAnnotations(slimScfSchema()),
      scfTrigger: { $ref: 'scfInstance#/definitions/trigger' },
      event: withoutAnnotations(withoutId(eventSchema)),
    },
  },
  {
    // The multi-scf, http and layer instances: their schema refers to the scf one by its file name.
    options: { allErrors: true, strict: false, inlineRefs: false },
    schemas: {
      'serverless-scf.schema.json': withoutAnnotations(withoutId(scfSchema)),
      'serverless-components.schema.json': withoutAnnotations(withoutId(componentsSchema)),
      multiScfFile: { $ref: 'serverless-components.schema.json#/definitions/multiScfFile' },
      httpFile: { $ref: 'serverless-components.schema.json#/definitions/httpFile' },
      layerFile: { $ref: 'serverless-components.schema.json#/definitions/layerFile' },
    },
  },
  {
    // The first problem only; `errorMessage` in this schema is our own annotation (the sentence for a
    // wrong type), which strict: false lets ajv pass over.
    options: { allErrors: false, strict: false, inlineRefs: false },
    schemas: { expectation: withoutAnnotations(withoutId(expectationSchema)) },
  },
] as const;

type KeysOf<T> = T extends unknown ? keyof T : never;
export type ValidatorId = KeysOf<(typeof VALIDATOR_GROUPS)[number]['schemas']>;
