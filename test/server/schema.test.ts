/** The shipped JSON Schema: well-formed for ajv's strict mode, and every property documented. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { SCF_SCHEMA, deref, schemaAtPath, type JsonSchema } from '../../src/schema/schema';

test('the schema compiles under ajv strict mode', () => {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  assert.doesNotThrow(() => ajv.compile(SCF_SCHEMA as object));
});

test('every property has a description', () => {
  const missing: string[] = [];
  const seen = new Set<JsonSchema>();
  const walk = (s: JsonSchema | undefined, where: string) => {
    if (!s || seen.has(s)) return;
    seen.add(s);
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (!deref(prop)?.description && !prop.description) missing.push(`${where}.${key}`);
      walk(deref(prop), `${where}.${key}`);
    }
    walk(deref(s.items), `${where}[]`);
    for (const b of s.oneOf ?? []) walk(deref(b), where);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(deref(s.additionalProperties), `${where}.*`);
  };
  walk(SCF_SCHEMA, '');
  assert.deepEqual(missing, []);
});

test('runtime, region, type and trigger kinds are offered as values', () => {
  assert.ok(schemaAtPath(['inputs', 'runtime'])!.enum!.includes('Python3.9'));
  assert.ok(schemaAtPath(['inputs', 'region'])!.enum!.includes('ap-guangzhou'));
  assert.deepEqual(schemaAtPath(['inputs', 'type'])!.enum, ['event', 'web']);
  assert.deepEqual(Object.keys(deref(schemaAtPath(['inputs', 'events', 0]))!.properties!).sort(), ['apigw', 'ckafka', 'clb', 'cls', 'cmq', 'cos', 'mps', 'timer']);
  assert.equal(schemaAtPath(['inputs', 'memorySize'])!.default, 128);
});
