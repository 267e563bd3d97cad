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
    const { VALIDATOR_GROUPS } = require('./validatorSources') as typeof import('./validatorSources');
    const all: Record<string, ValidateFunction> = {};
    for (const group of VALIDATOR_GROUPS) {
      const ajv = new Ajv({ ...group.options });
      for (const [name, schema] of Object.entries(group.schemas)) ajv.addSchema(schema as object, name);
      for (const name of Object.keys(group.schemas)) all[name] = ajv.getSchema(name)!;
    }
    compiled = all as Record<ValidatorId, ValidateFunction>;
  }
  return compiled[id];
}
