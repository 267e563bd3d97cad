import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import {
  currentRuntimes,
  DEFAULT_RUNTIME,
  findRuntime,
  handlerForm,
  isDeprecated,
  nearestRuntimes,
  newestRuntime,
  RUNTIME_NAMES,
  RUNTIMES,
  runtimeFamily,
  runtimeForImageDir,
} from '../../src/model/runtimes';

const root = join(__dirname, '..', '..');

test('the schema in schemas/ carries the runtime table: its enum and default are generated from it (npm run build rewrites them)', async () => {
  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'serverless-scf.schema.json'), 'utf8'));
  const runtime = schema.definitions.inputs.properties.runtime;
  assert.deepEqual(runtime.enum, RUNTIME_NAMES, 'schemas/serverless-scf.schema.json is stale: run npm run build (scripts/schemas.mjs writes the enum from src/model/runtimes.ts)');
  assert.equal(runtime.default, DEFAULT_RUNTIME);
  // The generator itself: writing the committed file again changes nothing.
  const { schemaWithRuntimes } = (await import(join(root, 'scripts', 'schemas.mjs'))) as { schemaWithRuntimes: (t: string) => Promise<string> };
  const text = readFileSync(join(root, 'schemas', 'serverless-scf.schema.json'), 'utf8');
  assert.equal(await schemaWithRuntimes(text), text);
  const broken = text.replace('"Nodejs18.15", ', '');
  assert.notEqual(broken, text);
  assert.equal(await schemaWithRuntimes(broken), text, 'a runtime missing from the file is written back');
});

test('every name is unique, aliases point at a real runtime, each family is listed newest first', () => {
  assert.equal(new Set(RUNTIME_NAMES).size, RUNTIME_NAMES.length);
  for (const r of RUNTIMES) if (r.aliasOf) assert.ok(findRuntime(r.aliasOf) && !findRuntime(r.aliasOf)!.aliasOf, `${r.name} -> ${r.aliasOf}`);
  assert.deepEqual(
    currentRuntimes('python').map((r) => r.name),
    ['Python3.12', 'Python3.11', 'Python3.10', 'Python3.9', 'Python3.7', 'Python3.6'],
  );
  assert.deepEqual(
    currentRuntimes('nodejs').map((r) => r.name),
    ['Nodejs20.15', 'Nodejs18.15', 'Nodejs16.13', 'Nodejs14.18', 'Nodejs12.16', 'Nodejs10.15'],
  );
  assert.equal(newestRuntime('php')?.name, 'Php8.0');
  assert.ok(!currentRuntimes().some((r) => r.deprecated || r.aliasOf));
  assert.ok(findRuntime(DEFAULT_RUNTIME));
});

test('one runtimeFamily: table names, case-insensitive spellings and unknown versions of a family agree', () => {
  assert.equal(runtimeFamily('Python3.9'), 'python');
  assert.equal(runtimeFamily('Python2.7'), 'python');
  assert.equal(runtimeFamily('Nodejs22.12'), 'nodejs', 'a newer Node.js still is Node.js');
  assert.equal(runtimeFamily('PHP7'), 'php');
  assert.equal(runtimeFamily('Go1'), 'go');
  assert.equal(runtimeFamily('Java11'), 'java');
  assert.equal(runtimeFamily('CustomRuntime'), 'custom');
  assert.equal(runtimeFamily('customruntime'), 'custom');
  assert.equal(runtimeFamily('Ruby2.7'), 'unknown');
  assert.equal(handlerForm('Go1'), 'binary');
  assert.equal(handlerForm('Java8'), 'package.Class::method');
  assert.equal(handlerForm('CustomRuntime'), 'free');
  assert.equal(handlerForm('Php8.0'), 'file.function');
  assert.equal(handlerForm('Ruby2.7'), undefined);
});

test('deprecated runtimes are marked, and the nearest current runtimes are offered for them and for names SCF never had', () => {
  assert.equal(isDeprecated('Nodejs6.10'), true);
  assert.equal(isDeprecated('Nodejs8.9'), true);
  assert.equal(isDeprecated('Python2.7'), true);
  assert.equal(isDeprecated('Python3.6'), false);
  assert.equal(isDeprecated('Nodejs18.15'), false);
  assert.deepEqual(nearestRuntimes('Nodejs16'), ['Nodejs16.13', 'Nodejs18.15', 'Nodejs14.18']);
  assert.deepEqual(nearestRuntimes('Python3.8', 2), ['Python3.9', 'Python3.7'], 'ties go to the newer');
  assert.deepEqual(nearestRuntimes('Nodejs8.9', 1), ['Nodejs10.15']);
  assert.deepEqual(nearestRuntimes('nodejs18.15'), ['Nodejs18.15'], 'a spelling differing in case is the runtime itself');
  assert.equal(nearestRuntimes('Php7.2')[0], 'Php7', 'PHP 7.2 is called Php7 on SCF');
  assert.deepEqual(nearestRuntimes('PHP7'), ['Php7']);
  assert.deepEqual(nearestRuntimes('Python', 1), ['Python3.12']);
  assert.deepEqual(nearestRuntimes('Jva8', 1), ['Java8'], 'a typo of the family goes by spelling');
  assert.deepEqual(nearestRuntimes('Ruby2.7'), []);
});

test("SCF's image folders name their runtime (scf_bootstrap files use them)", () => {
  assert.equal(runtimeForImageDir('/var/lang/python37')?.name, 'Python3.7');
  assert.equal(runtimeForImageDir('/var/lang/python3')?.name, 'Python3.6');
  assert.equal(runtimeForImageDir('/var/lang/python2')?.name, 'Python2.7');
  assert.equal(runtimeForImageDir('/var/lang/node12')?.name, 'Nodejs12.16');
  assert.equal(runtimeForImageDir('/var/lang/php7')?.name, 'Php7');
  assert.equal(runtimeForImageDir('/var/lang/php5')?.name, 'Php5.6');
  assert.equal(runtimeForImageDir('/var/lang/java8/')?.name, 'Java8');
  assert.equal(runtimeForImageDir('/var/lang/ruby3'), undefined);
});
