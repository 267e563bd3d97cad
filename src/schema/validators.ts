/**
 * The compiled validator of each schema in validatorSources.ts. In the bundles this module is
 * replaced by the validators ajv compiled at build time (scripts/build.mjs); run from source it
 * compiles them here, on first use, with the same schemas and options.
 */
import type { ValidateFunction } from 'ajv';
import type { ValidatorId } from './validatorSources';

let compiled: Record<ValidatorId, ValidateFunction> | undefined;

export function validator(id: ValidatorId): ValidateFunction {
  if (!compiled) {
    const Ajv = (require('ajv') as typeof import('ajv')).default;
    const { AJV_OPTIONS, VALIDATOR_SCHEMAS } = require('./validatorSources') as typeof import('./validatorSources');
    const ajv = new Ajv({ ...AJV_OPTIONS });
    for (const [name, schema] of Object.entries(VALIDATOR_SCHEMAS)) ajv.addSchema(schema, name);
    compiled = Object.fromEntries(Object.keys(VALIDATOR_SCHEMAS).map((name) => [name, ajv.getSchema(name)!])) as Record<ValidatorId, ValidateFunction>;
  }
  return compiled[id];
}
