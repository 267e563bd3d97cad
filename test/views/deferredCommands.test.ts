/**
 * activate() resolves before commands/core.ts and commands/deferred.ts have loaded (src/extension.ts);
 * until then each of their commands is a stand-in from CORE_COMMANDS or DEFERRED_COMMANDS. A command
 * missing from its list would be "not found" when it is what activated the extension, and one in the
 * wrong list would load the wrong part. Both sides are read from the sources (the modules import
 * `vscode`, which only the editor provides).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

const SRC = join(__dirname, '..', '..', 'src');
const read = (rel: string) => readFileSync(join(SRC, rel), 'utf8');

/** Every module `entry` imports (not only its types), as paths under src/; with `deep`, what those import too, within `within`. */
function modulesOf(entry: string, deep: boolean, within = 'src'): string[] {
  const seen = new Set<string>();
  const visit = (file: string, depth: number) => {
    for (const m of read(file).matchAll(/^import (?!type)[^;]*? from '(\.[^']+)';/gm)) {
      const target = join(dirname(file), `${m[1]}.ts`);
      if (!existsSync(join(SRC, target)) || seen.has(target) || !join('src', target).startsWith(within)) continue;
      seen.add(target);
      if (deep || depth === 0) visit(target, depth + 1);
    }
  };
  visit(entry, 0);
  return [...seen];
}

/** The command ids registered in `files` (literal or a constant exported by one of them). */
function registrations(files: string[]): Set<string> {
  const constants = new Map<string, string>();
  const registered = new Set<string>();
  for (const f of files) for (const m of read(f).matchAll(/export const (\w+) = '([^']+)'/g)) constants.set(m[1]!, m[2]!);
  for (const f of files) {
    for (const m of read(f).matchAll(/registerCommand\(\s*(?:'([^']+)'|(\w+))/g)) {
      const id = m[1] ?? constants.get(m[2]!);
      assert.ok(id, `${f}: registerCommand(${m[2]}) names a constant this test cannot resolve`);
      registered.add(id);
    }
  }
  return registered;
}

const listed = (name: string) => new Set([...new RegExp(`${name} = \\[([^\\]]*)\\]`).exec(read('extension.ts'))![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!));

test('every command the deferred part registers has a stand-in until it loads (DEFERRED_COMMANDS)', () => {
  const registered = registrations([...modulesOf('commands/deferred.ts', false), 'commands/deployCredentials.ts']);
  assert.ok(registered.size > 10, `found the registrations (${[...registered].join(', ')})`);
  assert.deepEqual([...registered].sort(), [...listed('DEFERRED_COMMANDS')].sort());
});

test('every command the core part registers has a stand-in until it loads (CORE_COMMANDS)', () => {
  // What core.ts imports from commands/ and views/, and what those import from commands/ (pick, debugFunction, ...).
  const files = modulesOf('commands/core.ts', false).flatMap((f) => [f, ...modulesOf(f, true, 'src/commands')]);
  const registered = registrations([...new Set(files)]);
  assert.ok(registered.size > 10, `found the registrations (${[...registered].join(', ')})`);
  assert.deepEqual([...registered].sort(), [...listed('CORE_COMMANDS')].sort());
});

test('the entry registers no command of its own but the stand-ins, and every declared command has one', () => {
  assert.doesNotMatch(read('extension.ts'), /registerCommand\('/);
  const declared = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')).contributes.commands.map((c: { command: string }) => c.command) as string[];
  const standIns = new Set([...listed('CORE_COMMANDS'), ...listed('DEFERRED_COMMANDS')]);
  for (const c of declared) assert.ok(standIns.has(c), `${c} is declared in package.json but has no stand-in in src/extension.ts`);
});
