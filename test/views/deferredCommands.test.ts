/**
 * activate() resolves before commands/deferred.ts has loaded (src/extension.ts); until then each of
 * its commands is a stand-in from DEFERRED_COMMANDS. A command missing from that list would be
 * "not found" when it is what activated the extension. Both sides are read from the sources (the
 * modules import `vscode`, which only the editor provides).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const SRC = join(__dirname, '..', '..', 'src');
const read = (rel: string) => readFileSync(join(SRC, rel), 'utf8');

/** Every module commands/deferred.ts imports, as a path under src/. */
function deferredModules(): string[] {
  return [...read('commands/deferred.ts').matchAll(/^import (?!type)[^;]*? from '(\.[^']+)';/gm)].map((m) => join('commands', `${m[1]}.ts`));
}

test('every command the deferred part registers has a stand-in until it loads (DEFERRED_COMMANDS)', () => {
  const constants = new Map<string, string>();
  const registered = new Set<string>();
  const files = [...deferredModules(), 'commands/deployCredentials.ts'];
  for (const f of files) for (const m of read(f).matchAll(/export const (\w+) = '([^']+)'/g)) constants.set(m[1]!, m[2]!);
  for (const f of files) {
    for (const m of read(f).matchAll(/registerCommand\(\s*(?:'([^']+)'|(\w+))/g)) {
      const id = m[1] ?? constants.get(m[2]!);
      assert.ok(id, `${f}: registerCommand(${m[2]}) names a constant this test cannot resolve`);
      registered.add(id);
    }
  }
  const list = /DEFERRED_COMMANDS = \[([^\]]*)\]/.exec(read('extension.ts'))![1]!;
  const standIns = new Set([...list.matchAll(/'([^']+)'/g)].map((m) => m[1]!));
  assert.ok(registered.size > 10, `found the registrations (${[...registered].join(', ')})`);
  assert.deepEqual([...registered].sort(), [...standIns].sort());
});
