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
