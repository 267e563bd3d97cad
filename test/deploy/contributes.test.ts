import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Every command the deploy adapters register must be declared: in package.json's "contributes" or,
 * until it is merged there, in the hand-off fragment test/fixtures/deploy/contributes.json (checked in
 * a real VS Code: see the deploy commit messages).
 */
test('every deploy command, the Deployed view and scf.deploy.target are declared', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { commands?: Array<{ command: string }>; views?: Record<string, Array<{ id: string }>>; configuration?: { properties?: Record<string, unknown> } };
  };
  const fragment = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/deploy/contributes.json'), 'utf8')) as {
    commands: Array<{ command: string }>;
    'views.scf': Array<{ id: string }>;
    'configuration.properties': Record<string, unknown>;
  };
  const declared = new Set([...(pkg.contributes.commands ?? []), ...fragment.commands].map((c) => c.command));
  const registered = ['src/commands/deploy.ts', 'src/commands/deployCredentials.ts']
    .map((f) => readFileSync(join(ROOT, f), 'utf8'))
    .flatMap((text) => [...text.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]!));
  assert.ok(registered.length >= 9, registered.join(', '));
  assert.deepEqual(registered.filter((c) => !declared.has(c)), []);
  const views = [...Object.values(pkg.contributes.views ?? {}).flat(), ...fragment['views.scf']].map((v) => v.id);
  assert.ok(views.includes('scf.deployed'));
  assert.ok('scf.deploy.target' in { ...(pkg.contributes.configuration?.properties ?? {}), ...fragment['configuration.properties'] });
});
