/**
 * Every JSON schema the toolkit validates with, by the id callers ask for, and the ajv options they
 * are compiled with. scripts/build.mjs compiles these at build time (ajv's standalone code, in
 * dist/vendor/scf-validators.js), so the bundles never load ajv nor compile at start; run from source,
 * validators.ts compiles the same schemas with the same options. A new schema goes here.
 *
 * For speed on large files the `scfInstance` validator leaves out the two collections that grow
 * (`events` items and `environment.variables` values): each trigger is validated on its own with
 * `scfTrigger` (and cached by its text), the variables by the semantic pass. Together they check
 * exactly what the schema says.
 */
import eventSchema from '../../schemas/scf-event.schema.json';
import scfSchema from '../../schemas/serverless-scf.schema.json';
import type { JsonSchema } from './schema';

export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

function slimScfSchema(): JsonSchema {
  const slim = JSON.parse(JSON.stringify(scfSchema)) as JsonSchema;
  delete (slim as { $id?: string }).$id;
  const inputs = slim.definitions!.inputs!;
  inputs.properties!.events = { ...inputs.properties!.events, items: {} };
  const env = inputs.properties!.environment!;
  env.properties!.variables = { ...env.properties!.variables, additionalProperties: true };
  return slim;
}

const { $id: _eventId, ...event } = eventSchema as { $id?: string } & object;

export const VALIDATOR_SCHEMAS = {
  scfInstance: slimScfSchema(),
  scfTrigger: { $ref: 'scfInstance#/definitions/trigger' },
  event,
} satisfies Record<string, object>;

export type ValidatorId = keyof typeof VALIDATOR_SCHEMAS;
