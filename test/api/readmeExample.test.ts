/**
 * The README's test example, as written there, run by `node --test` in a copy of each example
 * function it could be pasted beside (examples/hello-nodejs, examples/hello-python), with
 * `require('scf-toolkit')` resolving to this package (a link in node_modules, package.json `exports`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = resolve(__dirname, '../..');
const built = existsSync(join(ROOT, 'dist/api.js'));

/** The code block under the README's "In tests" heading. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf("## In tests: `require('scf-toolkit')`"));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "README.md: no js block under \"## In tests: `require('scf-toolkit')`\"");
  return block[1]!;
}

const python = spawnSync('python3', ['-c', '0']).status === 0;
const folders: string[] = [];
after(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

describe("the README's test example", { skip: built ? false : 'dist/ is not built (npm run build)' }, () => {
  for (const example of ['hello-nodejs', 'hello-python']) {
    test(`passes beside examples/${example}`, { skip: example === 'hello-python' && !python ? 'no python3 on PATH' : false }, () => {
      const dir = mkdtempSync(join(tmpdir(), 'scf-readme-'));
      folders.push(dir);
      cpSync(join(ROOT, 'examples', example), dir, { recursive: true });
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(ROOT, join(dir, 'node_modules', 'scf-toolkit'), 'dir');
      writeFileSync(join(dir, 'hello.test.js'), readmeExample());
      const r = spawnSync(process.execPath, ['--test', 'hello.test.js'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^# pass 1$/m);
    });
  }
});
