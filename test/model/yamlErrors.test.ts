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
  // the bracket opened on line 5 is never closed: the library reports it at the end of the text
  { what: 'an unclosed flow sequence', text: 'component: scf\nname: x\ninputs:\n  handler: index.main\n  runtime: [Nodejs18.15\n', line: 4, column: 11 },
  { what: 'an unclosed flow mapping, before the next key', text: 'component: scf\nname: x\ninputs:\n  environment: { variables: { A: 1 }\n  timeout: 3\n', line: 3, column: 15 },
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
    assert.deepEqual([range.line, range.column], [c.line, c.column], 'at the opening quote or bracket');
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
  // line 8 indented one space more than the keys above it: the library reports it twice, at 7:15, the value above
  const text = 'component: scf\nname: x\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: 128\n   timeout: 3\n';
  const syntax = validateServerlessText(text).diagnostics.filter((d) => d.code === 'scf.yaml.syntax');
  assert.equal(syntax.length, 1, syntax.map((d) => d.message).join(' | '));
  assert.match(syntax[0]!.message, /^YAML syntax error: `timeout` is indented further than `memorySize` above it \(3 spaces, not 2 spaces\)/);
  const loaded = parseServerless(text, '/p/serverless.yml');
  assert.ok(!loaded.ok);
  assert.equal(loaded.error.message, `/p/serverless.yml:8:4: ${syntax[0]!.message}`);
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

test('a key indented further than the key above it is pointed at itself, with the key to line it up with', () => {
  // (the library reports it at the value above, 7:15, as "Nested mappings are not allowed in compact mappings")
  const text = 'component: scf\nname: x\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: 128\n    timeout: 3\n';
  const syntax = validateServerlessText(text).diagnostics.filter((d) => d.code === 'scf.yaml.syntax');
  assert.equal(syntax.length, 1, syntax.map((d) => d.message).join(' | '));
  assert.equal(text.slice(syntax[0]!.start, syntax[0]!.end), 'timeout');
  assert.match(syntax[0]!.message, /`timeout` is indented further than `memorySize` above it \(4 spaces, not 2 spaces\).*indent it with as many spaces as the keys beside it/);
  const loaded = parseServerless(text, '/p/serverless.yml');
  assert.ok(!loaded.ok);
  assert.equal(loaded.error.message, `/p/serverless.yml:8:5: ${syntax[0]!.message}`);
  // a value that does hold ": " keeps the library's words and place
  const quoted = validateServerlessText('component: scf\nname: x\ninputs:\n  description: a: b\n').diagnostics[0]!;
  assert.match(quoted.message, /Nested mappings are not allowed in compact mappings; .*quote the value/);
});

test('a key out of line with the keys beside it is pointed at the key, not at the indentation or a comment above it', () => {
  // (the places it can go: beside the key above it at 6 spaces or beside `variables` at 4; beside `memorySize` alone)
  const cases: Array<[string, string, number, number]> = [
    ['component: scf\nname: x\ninputs:\n  environment:\n    variables:\n      A: 1\n     B: 2\n', 'B', 7, 2],
    ['component: scf\nname: x\ninputs:\n  src: ./src\n  memorySize: 128\n\n  # the timeout\n   timeout: 3\n', 'timeout', 8, 1],
  ];
  for (const [text, key, line, places] of cases) {
    const first = validateServerlessText(text).diagnostics[0]!;
    assert.match(first.message, /All mapping items must start at the same column/);
    assert.equal(text.slice(first.start, first.end), key);
    const loaded = parseServerless(text, '/p/serverless.yml');
    assert.ok(!loaded.ok);
    assert.equal(loaded.error.range!.line + 1, line);
    assert.equal(loaded.error.range!.column, text.split('\n')[line - 1]!.indexOf(key));
    // its quick fix indents it like the key above it, and the file then parses
    const fix = first.fixes?.[0];
    assert.ok(fix?.kind === 'edit', 'an edit');
    assert.equal(first.fixes!.length, places);
    assert.equal(fix.preferred, places === 1);
    const e = fix.edits[0]!;
    const fixed = text.slice(0, e.start) + e.newText + text.slice(e.end);
    assert.deepEqual(validateServerlessText(fixed).diagnostics.filter((d) => d.code === 'scf.yaml.syntax'), [], fixed);
  }
  // between two blocks' columns, which one it belongs to is the user's to say: a fix for each, neither preferred
  const between = validateServerlessText('component: scf\nname: x\ninputs:\n  environment:\n    variables:\n      A: 1\n   timeout: 3\n').diagnostics[0]!;
  assert.deepEqual(between.fixes?.map((f) => [f.title, f.preferred]), [
    ['Indent `timeout` like `variables` (4 spaces)', false],
    ['Indent `timeout` like `environment` (2 spaces)', false],
  ]);
});

test('the common slips get a quick fix that mends them: the quote or bracket closed, tabs as spaces, the space after a colon, the colon itself', () => {
  const cases: Array<[string, string, string]> = [
    ['component: scf\nname: x\ninputs:\n  src: ./src\n  handler: "index.main_handler\n  runtime: Nodejs18.15\n', 'Close the quote: add " at the end of the line', '  handler: "index.main_handler"\n'],
    ["component: scf\nname: x\ninputs:\n  handler: 'index.main_handler  \n  runtime: Nodejs18.15\n", "Close the quote: add ' at the end of the line", "  handler: 'index.main_handler'  \n"],
    ['component: scf\ninputs:\n\thandler: x\n', 'Indent with spaces (2 for each tab)', '\n  handler: x\n'],
    ['component: scf\nname: x\ninputs:\n  src:./src\n  handler: index.main\n', 'Add a space after `src:`', '\n  src: ./src\n'],
    ['component: scf\nname: x\ninputs:\n  src: ./src\n  runtime Nodejs18.15\n  handler: index.main\n', 'Add `:` after `runtime`', '\n  runtime: Nodejs18.15\n'],
    ['component: scf\nname: x\ninputs:\n  src: ./src\n  handler: index.main\n  runtime Nodejs18.15\n', 'Add `:` after `runtime`', '\n  runtime: Nodejs18.15\n'],
    ['component: scf\nname: x\ninputs:\n  handler: index.main\n  memorySize: [128\n', 'Close the bracket: add ] at the end of the line', '  memorySize: [128]\n'],
    ['component: scf\nname: x\ninputs:\n  environment: { variables: { A: 1 }\n  timeout: 3\n', 'Close the bracket: add } at the end of the line', '{ variables: { A: 1 }}\n'],
  ];
  for (const [text, title, mended] of cases) {
    const first = validateServerlessText(text).diagnostics[0]!;
    assert.equal(first.code, 'scf.yaml.syntax');
    assert.deepEqual(first.fixes?.map((f) => [f.title, f.preferred]), [[title, true]], text);
    const fix = first.fixes![0]!;
    assert.ok(fix.kind === 'edit');
    const e = fix.edits[0]!;
    const fixed = text.slice(0, e.start) + e.newText + text.slice(e.end);
    assert.ok(fixed.includes(mended), fixed);
    assert.deepEqual(validateServerlessText(fixed).diagnostics.filter((d) => d.code === 'scf.yaml.syntax'), [], fixed);
  }
  // a bracket closed on a later line, indented too little, is not a missing bracket: no fix (the message says to indent)
  const text = 'component: scf\nname: x\ninputs:\n  layers: [a,\n  b]\n  timeout: 3\n';
  const flow = validateServerlessText(text).diagnostics[0]!;
  assert.match(flow.message, /Flow sequence/);
  assert.equal(text.slice(flow.start, flow.end), '[a,');
  assert.equal(flow.fixes, undefined);
});
