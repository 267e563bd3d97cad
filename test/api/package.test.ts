/**
 * The programmatic API as a user meets it: the package as `npm pack` makes it, installed into a
 * project's node_modules, `require('scf-toolkit')` in a node:test file run by `node --test`, and its
 * types compiled by TypeScript with the project's own settings (package.json `exports`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');
const built = existsSync(join(ROOT, 'dist/api.js')) && existsSync(join(ROOT, 'dist/api.d.ts'));
const skip = built ? false : 'dist/ is not built (npm run build)';

let project = '';

before(() => {
  if (!built) return;
  project = mkdtempSync(join(tmpdir(), 'scf-api-user-'));
  // npm pack: exactly the files package.json `files` ships
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ filename: string }>;
  const modules = join(project, 'node_modules', 'scf-toolkit');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', join(project, packed[0]!.filename), '-C', modules, '--strip-components=1']);
  cpSync(join(ROOT, 'examples/hello-nodejs'), join(project, 'hello'), { recursive: true });
  mkdirSync(join(project, 'broken', 'src'), { recursive: true });
  writeFileSync(join(project, 'broken', 'src', 'index.js'), "exports.main_handler = async () => { throw new Error('boom'); };\n");
  writeFileSync(join(project, 'broken', 'serverless.yml'), 'component: scf\nname: broken\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n');
});
after(() => project && rmSync(project, { recursive: true, force: true }));

function runNodeTest(file: string): { status: number | null; out: string } {
  // A hang (a host that keeps the runner alive) fails here instead of hanging this suite.
  const r = spawnSync(process.execPath, ['--test', file], { cwd: project, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("require('scf-toolkit') in a user's project", { skip }, () => {
  test("the package ships dist/package.json: its dist/ is a package scope of its own (scripts/build.mjs)", () => {
    assert.deepEqual(JSON.parse(readFileSync(join(project, 'node_modules', 'scf-toolkit', 'dist', 'package.json'), 'utf8')), { type: 'commonjs' });
  });

  // Each in both of the API's modes: through the emulator host (the default), and in process.
  for (const mode of [
    { title: '', file: '', options: '', child: '-f host.js', what: 'host' },
    { title: ' (inProcess: true)', file: '-in-process', options: '{ inProcess: true }', child: '', what: "handler's runtime process" },
  ]) {
    test(`a node:test file invokes a function twice (cold, then warm), a throwing one, and a missing one${mode.title}`, () => {
      writeFileSync(
        join(project, `hello${mode.file}.test.js`),
        `const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { createEmulator } = require('scf-toolkit');

let scf;
test.before(async () => { scf = await createEmulator(${mode.options}); });
after(() => scf.close());

test('hello answers like SCF, then from a warm instance', async () => {
  const first = await scf.invoke('hello', { name: 'SCF' });
  assert.ok(first.ok, first.ok || first.error.message);
  assert.equal(first.value.statusCode, 200);
  assert.deepEqual(first.value.result, { message: 'Hello, SCF!', invocations: 1 });
  assert.equal(first.value.coldStart, true);
  assert.match(first.value.logs, /event: \\{"name":"SCF"\\}/);
  assert.match(first.value.logs, /^START RequestId: /m);
  assert.equal(typeof first.value.requestId, 'string');
  assert.ok(first.value.durationMs >= 0);
  const second = await scf.invoke('hello/serverless.yml', {});
  assert.ok(second.ok);
  assert.equal(second.value.coldStart, false);
  assert.deepEqual(second.value.result, { message: 'Hello, world!', invocations: 2 });
});

test('the answer carries the whole log: logs is the texts of logLines, one per line, the lines onLog was given as they came', async () => {
  const heard = [];
  const r = await scf.invoke('hello', { name: 'log' }, { onLog: (l) => heard.push(l) });
  assert.ok(r.ok);
  assert.deepEqual(r.value.logLines, heard);
  assert.equal(r.value.logs, heard.map((l) => l.text).join('\\n'));
  assert.deepEqual(heard.map((l) => l.stream).filter((s) => s === 'platform').length, 3);
  assert.ok(heard.every((l) => l.requestId === r.value.requestId && typeof l.time === 'number'));
  assert.match(heard[0].text, /^START RequestId: /);
  assert.match(heard.at(-1).text, /^REPORT RequestId: /);
  const keys = Object.keys(r.value);
  assert.deepEqual(keys.slice(-2), ['logs', 'logLines']);
  assert.ok(['requestId', 'statusCode', 'result', 'durationMs'].every((k) => keys.includes(k)));
});

test('an invocation whose signal is aborted ends with 499', async () => {
  const aborted = AbortSignal.abort();
  const r = await scf.invoke('hello', {}, { signal: aborted });
  assert.ok(r.ok);
  assert.equal(r.value.statusCode, 499);
});

test('a handler that throws is status 430 with its message and stack', async () => {
  const r = await scf.invoke('broken', {});
  assert.ok(r.ok);
  assert.equal(r.value.statusCode, 430);
  assert.match(r.value.errorMessage, /boom/);
  assert.match(r.value.errorStack, /index\\.js/);
});

test('what fails before any code runs is a Problem naming the file', async () => {
  const missing = await scf.invoke('nowhere', {});
  assert.equal(missing.ok, false);
  assert.equal(missing.error.code, 'model.fileNotFound');
  assert.match(missing.error.message, /nowhere: no such file or folder/);
  const notJson = await scf.invoke('hello', { n: 1n });
  assert.equal(notJson.ok, false);
  assert.equal(notJson.error.code, 'api.eventNotJson');
  const refused = await scf.invoke('hello', '[1, 2]');
  assert.ok(refused.ok);
  assert.equal(refused.value.statusCode, 400);
  // a value (serialised here, so not parsed again on the way) that is not an object is refused too
  for (const event of [[1, 2], 'not json', 7, new Date(0)]) {
    const r = await scf.invoke('hello', event);
    assert.ok(r.ok);
    assert.equal(r.value.statusCode, 400, JSON.stringify(event));
  }
});
`,
      );
      const r = runNodeTest(`hello${mode.file}.test.js`);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /# pass 5/);
      assert.match(r.out, /# fail 0/);
    });

    test(`a test file that forgets close() still ends, and leaves no process behind${mode.title}`, () => {
      writeFileSync(
        join(project, `forgot${mode.file}.test.js`),
        `const { test } = require('node:test');
const assert = require('node:assert/strict');
const { createEmulator } = require('scf-toolkit');
test('invoke without close', async () => {
  const scf = await createEmulator(${mode.options});
  const r = await scf.invoke('hello', {});
  assert.ok(r.ok && r.value.statusCode === 200);
  require('node:fs').writeFileSync('forgot${mode.file}.pid', String(require('node:child_process').execSync('pgrep -P ' + process.pid + ' ${mode.child} || true').toString().trim()));
});
`,
      );
      const r = runNodeTest(`forgot${mode.file}.test.js`);
      assert.equal(r.status, 0, r.out);
      const childPid = Number(readFileSync(join(project, `forgot${mode.file}.pid`), 'utf8').split('\n')[0]);
      assert.ok(childPid > 0, `the ${mode.what} was found while the test ran`);
      let alive = true;
      for (let i = 0; i < 50 && alive; i++) {
        try {
          process.kill(childPid, 0);
          spawnSync('sleep', ['0.1']);
        } catch {
          alive = false;
        }
      }
      assert.equal(alive, false, `the ${mode.what} ${childPid} outlived the test file`);
    });
  }

  test("the shipped types check a user's TypeScript against the package's exports", () => {
    const file = join(project, 'typed.ts');
    writeFileSync(
      file,
      `import { createEmulator, type Invocation, type Problem } from 'scf-toolkit';
export async function run(): Promise<number> {
  const scf = await createEmulator({ pythonPath: 'python3', cwd: '.', inProcess: false });
  const r = await scf.invoke('hello', { name: 'x' }, { function: 'hello-nodejs', timeout: 3, onLog: (l) => l.text.length });
  await scf.close();
  if (!r.ok) { const p: Problem = r.error; return p.message.length; }
  const v: Invocation = r.value;
  return v.statusCode + v.durationMs + v.logs.length;
}
`,
    );
    const wrong = join(project, 'wrong.ts');
    writeFileSync(wrong, `import { createEmulator } from 'scf-toolkit';\nvoid createEmulator({ pythonPath: 3 });\n`);
    // one program for both files (the libraries are read once); the project's own settings: Node16
    const program = ts.createProgram([file, wrong], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    });
    const messages = (f: string) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(messages(file), []);
    assert.ok(messages(wrong).some((m) => /number.*string|pythonPath/.test(m)), `a wrong option type is caught: ${messages(wrong).join('; ')}`);
  });
});
