/**
 * The bundles use validators that ajv compiled at build time (dist/vendor/scf-validators.js); tests
 * and source runs compile the same schemas at run time (src/schema/validators.ts). Both must judge
 * every document alike, error for error.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { validator } from '../../src/schema/validators';
import type { ValidatorId } from '../../src/schema/validatorSources';

const ROOT = resolve(__dirname, '../..');
const BUILT = join(ROOT, 'dist/vendor/scf-validators.js');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(n) ? [p] : [];
  });
}

function sameJudgement(id: ValidatorId, built: (id: ValidatorId) => ValidateFunction, value: unknown, where: string): void {
  const fromSource = validator(id);
  const ok = fromSource(value);
  const builtFn = built(id);
  assert.equal(builtFn(value), ok, `${where}: ${id} accepts differently`);
  assert.deepEqual(builtFn.errors ?? null, fromSource.errors ?? null, `${where}: ${id} reports different errors`);
}

test('the validators compiled at build time judge every fixture exactly as those compiled from the schemas', { skip: existsSync(BUILT) ? false : 'dist/ is not built (npm run build)' }, () => {
  const built = (require(BUILT) as { validator: (id: ValidatorId) => ValidateFunction }).validator;
  let documents = 0;
  for (const file of files(join(ROOT, 'test/fixtures/server'), /\.ya?ml$/)) {
    let value: unknown;
    try {
      value = parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // a syntax-error fixture: nothing for a schema to judge
    }
    if (!value || typeof value !== 'object') continue;
    documents++;
    sameJudgement('scfInstance', built, value, file);
    const events = (value as { inputs?: { events?: unknown } }).inputs?.events;
    if (Array.isArray(events)) events.forEach((e, i) => sameJudgement('scfTrigger', built, e, `${file} events[${i}]`));
  }
  for (const file of files(join(ROOT, 'src/events/templates'), /\.json$/)) sameJudgement('event', built, JSON.parse(readFileSync(file, 'utf8')), file);
  for (const value of [[], 'text', null, 42, { Records: [] }]) sameJudgement('event', built, value, JSON.stringify(value));
  for (const value of [{}, { statusCode: 200 }, { statusCode: '200' }, { result: { a: 1 }, errorMessage: 3 }, [], { unknown: true }]) sameJudgement('expectation', built, value, JSON.stringify(value));
  assert.ok(documents >= 10, `only ${documents} fixture documents were judged`);
});

test('the validators\' schemas, without their annotations, judge fixtures, examples and mutated documents exactly as the schemas in schemas/', () => {
  // validatorSources.ts leaves out descriptions, defaults, examples and our x- keywords (words, not
  // checks); ajv compiling the schemas as shipped must agree with it, error for error.
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const { VALIDATOR_GROUPS } = require('../../src/schema/validatorSources') as typeof import('../../src/schema/validatorSources');
  const { mutate, rng } = require('./mutate') as typeof import('./mutate');
  const schema = (name: string): { $id?: string } & Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, 'schemas', name), 'utf8'));
  const noId = ({ $id: _id, ...rest }: { $id?: string } & Record<string, unknown>): object => rest;
  const shipped = new Ajv({ ...VALIDATOR_GROUPS[1].options });
  shipped.addSchema(noId(schema('serverless-scf.schema.json')), 'serverless-scf.schema.json');
  shipped.addSchema(noId(schema('serverless-components.schema.json')), 'serverless-components.schema.json');
  shipped.addSchema(noId(schema('scf-event.schema.json')), 'event');
  const refs = ['multiScfFile', 'httpFile', 'layerFile'];
  for (const ref of refs) shipped.addSchema({ $ref: `serverless-components.schema.json#/definitions/${ref}` }, ref);
  const stripped = new Ajv({ ...VALIDATOR_GROUPS[1].options });
  for (const [id, s] of Object.entries(VALIDATOR_GROUPS[1].schemas)) stripped.addSchema(s, id);
  stripped.addSchema(VALIDATOR_GROUPS[0].schemas.event, 'event');

  const seeds = [...files(join(ROOT, 'test/fixtures'), /\.ya?ml$/), ...files(join(ROOT, 'examples'), /\.ya?ml$/)].map((f) => readFileSync(f, 'utf8'));
  const r = rng(20261203);
  let judged = 0;
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const text = i < seeds.length ? seeds[i]! : mutate(seeds[i % seeds.length]!, r);
    let value: unknown;
    try {
      value = parse(text, { logLevel: 'silent' });
    } catch {
      continue;
    }
    for (const id of ['serverless-scf.schema.json', 'event', ...refs]) {
      const a = shipped.getSchema(id)!;
      const b = stripped.getSchema(id)!;
      const ok = a(value);
      assert.equal(b(value), ok, `${id} accepts differently: ${JSON.stringify(text)}`);
      assert.deepEqual(b.errors ?? null, a.errors ?? null, `${id} reports different errors: ${JSON.stringify(text)}`);
      judged++;
      if (!ok) rejected++;
    }
  }
  assert.ok(judged > 10000 && rejected > 5000, `only ${judged} judgements, ${rejected} with errors`);
});
