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

test('a slip of indentation is one problem, with what to do, in the validator and the model alike', () => {
  // line 8 indented one space more than the keys above it: the library reports it twice, at 7:15
  const text = 'component: scf\nname: x\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: 128\n   timeout: 3\n';
  const syntax = validateServerlessText(text).diagnostics.filter((d) => d.code === 'scf.yaml.syntax');
  assert.equal(syntax.length, 1, syntax.map((d) => d.message).join(' | '));
  assert.match(syntax[0]!.message, /^YAML syntax error: Nested mappings are not allowed in compact mappings; .*check the indentation of the line below$/);
  const loaded = parseServerless(text, '/p/serverless.yml');
  assert.ok(!loaded.ok);
  assert.equal(loaded.error.message, `/p/serverless.yml:7:15: ${syntax[0]!.message}`);
});

test('the fixes of the common slips: an unclosed quote, a tab, a key with no space after its colon', () => {
  const fixes: Array<[string, RegExp]> = [
    ['component: scf\ninputs:\n  handler: "a\n', /Missing closing "quote; close the quote on the same line/],
    ['component: scf\ninputs:\n\thandler: x\n', /Tabs are not allowed as indentation; indent with spaces, not tabs/],
    ['component: scf\nname: x\ninputs:\n  src:./src\n  handler: index.main\n', /Implicit keys need to be on a single line; a key and its `:` go on one line, with a space after the `:`/],
  ];
  for (const [text, expected] of fixes) {
    const first = validateServerlessText(text).diagnostics[0]!;
    assert.match(first.message, expected);
    const loaded = parseServerless(text, '/p/serverless.yml');
    assert.ok(!loaded.ok);
    assert.match(loaded.error.message, expected);
  }
});
