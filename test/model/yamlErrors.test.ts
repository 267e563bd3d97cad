/**
 * A YAML syntax error is reported at the same line and column by the model (invoke, deploy, the API)
 * and by the validator (validate, the language server): yamlErrors.ts is the one answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServerless } from '../../src/model';
import { parseTcsam } from '../../src/model/tcsam';
import { validateServerlessText } from '../../src/schema/validate';

const cases: Array<{ what: string; text: string; line: number; column: number }> = [
  // the quote opened on line 5 is never closed: the library reports it at the end of the text
  { what: 'an unclosed double quote', text: 'component: scf\nname: x\ninputs:\n  src: ./src\n  handler: "index.main_handler\n  runtime: Nodejs18.15\n', line: 4, column: 11 },
  { what: 'an unclosed single quote', text: "component: scf\nname: x\ninputs:\n  handler: 'index.main_handler\n  runtime: Nodejs18.15\n  timeout: 3\n", line: 3, column: 11 },
  { what: 'an unclosed flow sequence', text: 'component: scf\nname: x\ninputs:\n  handler: index.main\n  runtime: [Nodejs18.15\n', line: -1, column: -1 },
];

for (const c of cases) {
  test(`${c.what}: the model and the validator name the same line and column`, () => {
    const loaded = parseServerless(c.text, '/p/serverless.yml');
    assert.ok(!loaded.ok, 'a syntax error');
    assert.equal(loaded.error.code, 'model.yamlSyntax');
    const range = loaded.error.range!;
    const first = validateServerlessText(c.text).diagnostics[0]!;
    assert.equal(first.code, 'scf.yaml.syntax');
    const before = c.text.slice(0, first.start);
    assert.deepEqual([range.line, range.column], [before.split('\n').length - 1, before.length - before.lastIndexOf('\n') - 1]);
    assert.match(loaded.error.message, new RegExp(`^/p/serverless\\.yml:${range.line + 1}:${range.column + 1}: YAML syntax error: `));
    if (c.line >= 0) assert.deepEqual([range.line, range.column], [c.line, c.column], 'at the opening quote');
  });
}

test('a TCSAM template with an unclosed quote is reported at the opening quote too', () => {
  const text = 'Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    hello:\n      Type: TencentCloud::Serverless::Function\n      Properties:\n        Handler: "index.main_handler\n        Runtime: Nodejs18.15\n';
  const read = parseTcsam(text, '/p/template.yaml');
  assert.ok(!read.ok);
  assert.equal(read.error.code, 'model.yamlSyntax');
  assert.deepEqual([read.error.range!.line, read.error.range!.column], [6, 17]);
});
