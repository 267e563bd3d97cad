import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { functionFileAnchors, functionsForSource, handlerLine, handlerSourceFile, isFunctionFileName } from '../../src/views/codeLensModel';
import { functionsOfFile } from '../../src/model/handlerFile';
import { loadServerlessFile } from '../../src/model';

const FIXTURES = resolve(__dirname, '../fixtures');

describe('CodeLens anchors', () => {
  test('one anchor per function of a serverless.yml, on its `inputs` line', () => {
    const text = 'component: scf\nname: a\ninputs:\n  src: ./\n  handler: index.main_handler\n';
    const anchors = functionFileAnchors(text, '/p/serverless.yml');
    assert.deepEqual(anchors.map((a) => [a.line, a.spec.name]), [[2, 'a-dev-a']]);
  });

  test('one anchor per function of a TCSAM template, on the function\'s key', () => {
    const file = join(FIXTURES, 'tcsam/multi/template.yaml');
    const anchors = functionFileAnchors(readFileSync(file, 'utf8'), file);
    assert.deepEqual(anchors.map((a) => [a.line, a.spec.name]), [[10, 'hello'], [28, 'pyecho']]);
  });

  test('a file that does not parse gives no lenses (the diagnostics say why)', () => {
    assert.deepEqual(functionFileAnchors('component: scf\ninputs: [', '/p/serverless.yml'), []);
    assert.ok(isFunctionFileName('/p/serverless.yaml') && isFunctionFileName('/p/template.yml') && !isFunctionFileName('/p/other.yml'));
  });

  test('the handler line: CommonJS, ES modules, late exports and Python', () => {
    assert.equal(handlerLine("'use strict';\n\nexports.main_handler = async (event) => {};\n", 'main_handler', 'javascript'), 2);
    assert.equal(handlerLine('const x = 1;\nmodule.exports.main = function () {};\n', 'main', 'javascript'), 1);
    assert.equal(handlerLine('import fs from "fs";\nexport async function handler(event) {}\n', 'handler', 'javascript'), 1);
    assert.equal(handlerLine('export const handler = async () => {};\n', 'handler', 'javascript'), 0);
    assert.equal(handlerLine('// helper\nasync function main(e) {}\nmodule.exports = { main };\n', 'main', 'javascript'), 1);
    assert.equal(handlerLine('import os\n\n\ndef main_handler(event, context):\n    return 1\n', 'main_handler', 'python'), 3);
    assert.equal(handlerLine('def other():\n    pass\n', 'main_handler', 'python'), undefined);
    assert.equal(handlerLine('exports.main_handler2 = 1;\n', 'main_handler', 'javascript'), undefined, 'no prefix match');
  });

  test('a source file finds the functions whose handler it is, from the function files above it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-lens-'));
    cpSync(join(FIXTURES, 'tcsam/multi'), join(dir, 'legacy'), { recursive: true });
    cpSync(join(FIXTURES, 'testing/greeter'), join(dir, 'greeter'), { recursive: true });
    const hello = join(dir, 'legacy/hello/index.js');
    assert.deepEqual(functionsForSource(hello, { stopAt: dir }).map((s) => s.name), ['hello']);
    assert.deepEqual(functionsForSource(join(dir, 'legacy/py/index.py'), { stopAt: dir }).map((s) => s.name), ['pyecho']);
    const greeter = join(dir, 'greeter/src/index.js');
    assert.deepEqual(functionsForSource(greeter, { stopAt: dir }).map((s) => s.name), ['greeter']);
    const [spec] = functionsForSource(greeter, { stopAt: dir });
    assert.equal(handlerSourceFile(spec!), greeter);
    mkdirSync(join(dir, 'greeter/src/lib'));
    writeFileSync(join(dir, 'greeter/src/lib/util.js'), 'exports.x = 1;\n');
    assert.deepEqual(functionsForSource(join(dir, 'greeter/src/lib/util.js'), { stopAt: dir }), [], 'a file that is not a handler gets no lens');
  });

  test('the editor\'s unsaved text of serverless.yml is what counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-lens-'));
    cpSync(join(FIXTURES, 'testing/greeter'), dir, { recursive: true });
    const source = join(dir, 'src/index.js');
    const edited = readFileSync(join(dir, 'serverless.yml'), 'utf8').replace('name: greeter\n  src', 'name: renamed\n  src');
    const specs = functionsForSource(source, { stopAt: dir, read: (f) => (f.endsWith('serverless.yml') ? edited : readFileSync(f, 'utf8')) });
    assert.deepEqual(specs.map((s) => s.name), ['renamed']);
  });
});

test('the function of a file: its serverless.yml, one of its test events, or its handler\'s source', () => {
  const root = mkdtempSync(join(tmpdir(), 'scf-active-'));
  mkdirSync(join(root, 'api', 'src'), { recursive: true });
  mkdirSync(join(root, 'jobs'), { recursive: true });
  writeFileSync(join(root, 'api', 'serverless.yml'), 'component: scf\nname: api\ninputs:\n  name: api\n  src: ./src\n  handler: app.main_handler\n  runtime: Nodejs18.15\n');
  writeFileSync(join(root, 'api', 'src', 'app.js'), 'exports.main_handler = async () => 1;\n');
  writeFileSync(join(root, 'api', 'src', 'util.js'), 'exports.x = 1;\n');
  writeFileSync(join(root, 'jobs', 'serverless.yml'), 'component: scf\nname: jobs\ninputs:\n  name: jobs\n  src: ./\n  handler: index.main_handler\n  runtime: Python3.9\n');
  writeFileSync(join(root, 'jobs', 'index.py'), 'def main_handler(event, context):\n    return 1\n');
  const specs = [join(root, 'api'), join(root, 'jobs')].flatMap((d) => {
    const r = loadServerlessFile(d);
    assert.ok(r.ok);
    return r.value.functions;
  });
  const names = (p: string) => functionsOfFile(p, specs).map((s) => s.name);
  assert.deepEqual(names(join(root, 'api', 'serverless.yml')), ['api']);
  assert.deepEqual(names(join(root, 'api', 'src', 'app.js')), ['api']);
  assert.deepEqual(names(join(root, 'jobs', 'index.py')), ['jobs']);
  assert.deepEqual(names(join(root, 'jobs', '.scf', 'events', 'jobs', 'nightly.json')), ['jobs']);
  assert.deepEqual(names(join(root, 'api', '.scf', 'events', 'jobs', 'nightly.json')), [], 'jobs is not declared beside api/');
  assert.deepEqual(names(join(root, 'api', 'src', 'util.js')), []);
});
