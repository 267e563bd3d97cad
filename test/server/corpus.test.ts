/**
 * The corpus: every file under test/fixtures/server/valid must give no errors or warnings; every file
 * under invalid/ must give exactly the codes its `# expect: code[, code]` comments name, on those lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseServerless } from '../../src/model';
import { validateFile } from '../../src/cli/commands/validate';
import { localCodeDir } from '../../src/schema/checks/handler';
import { diskProbe } from '../../src/schema/checks/context';
import { findInstances, instanceContext } from '../../src/schema/validate';
import { parseYaml } from '../../src/schema/yaml';

const root = join(__dirname, '..', 'fixtures', 'server');
const env = { PATH: process.env.PATH } as NodeJS.ProcessEnv;

function serverlessFile(dir: string): string {
  const yml = join(dir, 'serverless.yml');
  return existsSync(yml) ? yml : join(dir, 'serverless.yaml');
}

for (const name of readdirSync(join(root, 'valid')).sort()) {
  test(`valid/${name} gives no errors or warnings`, () => {
    const file = serverlessFile(join(root, 'valid', name));
    const records = validateFile(readFileSync(file, 'utf8'), file, env).filter((r) => r.severity === 'error' || r.severity === 'warning');
    assert.deepEqual(records, []);
  });
}

for (const name of readdirSync(join(root, 'invalid')).sort()) {
  test(`invalid/${name} gives the expected codes on the expected lines`, () => {
    const file = serverlessFile(join(root, 'invalid', name));
    const text = readFileSync(file, 'utf8');
    const expected: string[] = [];
    text.split('\n').forEach((line, i) => {
      const m = /# expect: (.+)$/.exec(line);
      if (m) for (const code of m[1]!.split(',')) expected.push(`${i + 1} ${code.trim()}`);
    });
    assert.ok(expected.length > 0, 'the fixture names what it expects');
    const got = validateFile(text, file, env).map((r) => `${r.line} ${r.code}`);
    assert.deepEqual(got.sort(), expected.sort());
    // Windows line endings change nothing.
    const crlf = validateFile(text.replace(/\n/g, '\r\n'), file, env).map((r) => `${r.line} ${r.code}`);
    assert.deepEqual(crlf.sort(), expected.sort());
  });
}

test('the validator finds the code folder where the model (and so the emulator) does', () => {
  for (const name of readdirSync(join(root, 'valid'))) {
    const file = serverlessFile(join(root, 'valid', name));
    const text = readFileSync(file, 'utf8');
    const model = parseServerless(text, file, { env });
    if (!model.ok) continue; // COS-only code: the model refuses it for local invoke
    const parsed = parseYaml(text);
    assert.ok(parsed.root?.kind === 'map');
    // Components we do not check (the older express component) describe no functions, to either.
    const instances = findInstances(parsed.root).filter((i) => i.kind !== undefined);
    assert.equal(instances.length, model.value.functions.length, name);
    instances.forEach((instance, i) => {
      const ctx = instanceContext(instance, file, diskProbe, env, {});
      const code = localCodeDir(ctx);
      if (code) assert.equal(code.dir, model.value.functions[i]!.codeDir, name);
    });
  }
});
