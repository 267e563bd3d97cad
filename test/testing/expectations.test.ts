import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeMismatches,
  expectationFromRun,
  expectationKeyLines,
  expectationPath,
  isExpectationFile,
  lineDiff,
  matchExpectation,
  parseExpectation,
} from '../../src/testing/expectations';

const ok = (result: unknown, log = '') => ({ statusCode: 200, statusName: 'Success', result, log });

describe('expectation files', () => {
  test('sit beside the event as <name>.expect.json', () => {
    assert.equal(expectationPath('/p/.scf/events/fn/hello.json'), '/p/.scf/events/fn/hello.expect.json');
    assert.ok(isExpectationFile('/p/.scf/events/fn/hello.expect.json'));
    assert.ok(!isExpectationFile('/p/.scf/events/fn/hello.json'));
  });

  test('a syntax error names the file, line and column', () => {
    const r = parseExpectation('{\n  "statusCode": 200,\n  "result": {\n}', 'x.expect.json');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'expect.syntax');
    assert.match(r.error.message, /^x\.expect\.json:4:2: JSON syntax error/);
  });

  test('an unknown key (a typo) is refused at its line, so it never silently checks nothing', () => {
    const r = parseExpectation('{\n  "statusCode": 200,\n  "reslt": {"a": 1}\n}', 'x.expect.json');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.error.message, /^x\.expect\.json:3:3: unknown key "reslt"/);
  });

  test('wrong types are refused: statusCode a number, logIncludes strings', () => {
    const message = (text: string) => {
      const r = parseExpectation(text, 'x');
      return r.ok ? 'accepted' : r.error.message;
    };
    assert.equal(message('{"statusCode": "200"}'), 'x:1:2: "statusCode" must be an SCF status code such as 200 or 430, got "200"');
    assert.equal(message('{\n  "logIncludes": ["a", 2]\n}'), 'x:2:3: "logIncludes" must be a list of strings, e.g. ["order saved"], got ["a", 2]');
    assert.equal(message('{"errorMessage": 1}'), 'x:1:2: "errorMessage" must be a string the error message contains, got 1');
    assert.match(message('[1]'), /^x:1:1: an expectation is a JSON object/);
    assert.equal(message('{"statusCode": 430, "errorMessage": "boom", "result": null}'), 'accepted');
  });

  test('each key\'s line is known, so editors can put a message at the key it is about', () => {
    assert.deepEqual(expectationKeyLines('{\n  "statusCode": 200,\n  "result": {\n    "a": 1\n  },\n  "logIncludes": []\n}'), { statusCode: 1, result: 2, logIncludes: 5 });
  });

  test('"result": null is kept as an expectation of null', () => {
    const r = parseExpectation('{"result": null}', 'x');
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.ok('result' in r.value);
    assert.equal(matchExpectation(r.value, ok(null)).pass, true);
    assert.equal(matchExpectation(r.value, ok({})).pass, false);
  });
});

describe('matching', () => {
  test('result is a subset match: keys the expectation leaves out are ignored, nested objects too', () => {
    const expectation = { result: { greeting: 'hi', meta: { version: 2 } } };
    const actual = ok({ greeting: 'hi', at: 123, meta: { version: 2, build: 'x' } });
    assert.deepEqual(matchExpectation(expectation, actual), { pass: true, mismatches: [] });
  });

  test('arrays are compared whole', () => {
    const r = matchExpectation({ result: { items: [1, 2] } }, ok({ items: [1, 2, 3] }));
    assert.equal(r.pass, false);
    assert.equal(r.mismatches[0]!.path, 'result.items');
    assert.equal(r.mismatches[0]!.message, 'result.items: expected [1,2], got [1,2,3]');
    assert.equal(matchExpectation({ result: [{ a: 1 }] }, ok([{ a: 1, b: 2 }])).pass, false);
  });

  test('a missing key, a wrong type and a different scalar each get their own line with the JSON path', () => {
    const r = matchExpectation({ result: { a: 1, b: { c: 'x' }, 'd-e': true } }, ok({ a: '1', b: 5 }));
    assert.deepEqual(
      r.mismatches.map((m) => m.message),
      ['result.a: expected 1, got "1"', 'result.b: expected {"c":"x"}, got 5', 'result["d-e"]: expected true, got (missing)'],
    );
  });

  test('statusCode defaults to 200 and a different status says why', () => {
    const r = matchExpectation({}, { statusCode: 430, statusName: 'User code exception caught', result: null, errorMessage: 'Error: boom', log: '' });
    assert.equal(r.pass, false);
    assert.equal(r.mismatches[0]!.message, 'expected status 200 (the default), got 430 User code exception caught: Error: boom');
  });

  test('an expected failure passes on its status and error text', () => {
    const actual = { statusCode: 430, result: null, errorMessage: 'Error: boom: x', log: '' };
    assert.equal(matchExpectation({ statusCode: 430, errorMessage: 'boom: x' }, actual).pass, true);
    assert.equal(matchExpectation({ statusCode: 430, errorMessage: 'other' }, actual).pass, false);
  });

  test('logIncludes: each text must appear in the log', () => {
    const log = 'START RequestId: 1\norder 42 saved\nEND RequestId: 1';
    assert.equal(matchExpectation({ logIncludes: ['order 42 saved', 'END RequestId'] }, ok({}, log)).pass, true);
    const r = matchExpectation({ logIncludes: ['order 43 saved'] }, ok({}, log));
    assert.deepEqual(r.mismatches, [{ path: 'log', message: 'the log does not include "order 43 saved"' }]);
  });

  test('a result mismatch carries a side-by-side diff of only the keys the expectation names', () => {
    const r = matchExpectation({ result: { greeting: 'Hello, Alice!' } }, ok({ greeting: 'Hello, Bob!', noise: 'x'.repeat(100) }));
    assert.deepEqual(r.resultDiff, { expected: '{\n  "greeting": "Hello, Alice!"\n}', actual: '{\n  "greeting": "Hello, Bob!"\n}' });
    const text = describeMismatches(r);
    assert.match(text, /^- result\.greeting: expected "Hello, Alice!", got "Hello, Bob!"$/m);
    assert.match(text, /^-   "greeting": "Hello, Alice!"$/m);
    assert.match(text, /^\+   "greeting": "Hello, Bob!"$/m);
    assert.doesNotMatch(text, /noise/);
  });

  test('lineDiff keeps common lines and marks the rest', () => {
    assert.deepEqual(lineDiff('a\nb\nc', 'a\nx\nc'), ['  a', '- b', '+ x', '  c']);
  });
});

describe('Save result as expected', () => {
  test('writes the status and result of a success, and keeps the logIncludes this run\'s log holds', () => {
    assert.deepEqual(expectationFromRun({ statusCode: 200, result: { a: 1 }, log: 'saved x\nEND' }, { logIncludes: ['saved x', 'gone'], result: { a: 0 } }), {
      statusCode: 200,
      result: { a: 1 },
      logIncludes: ['saved x'],
    });
  });

  test('writes the status and error message of a failure', () => {
    assert.deepEqual(expectationFromRun({ statusCode: 433, result: null, errorMessage: 'time out' }), { statusCode: 433, errorMessage: 'time out' });
  });
});

describe('JUnit report', () => {
  test('escapes markup and drops characters XML cannot hold, so CI parsers accept any log', async () => {
    const { junitXml, summarize } = await import('../../src/testing/reporters');
    const spec = { file: '/p/serverless.yml', name: 'fn' } as never;
    const run = {
      testCase: { id: 'x', spec, event: { functionName: 'fn', name: 'e<1>', file: '/p/.scf/events/fn/e.json' }, expectFile: '', hasExpectation: true },
      status: 'failed' as const,
      message: '- result.a: expected "<b>", got "&"',
      durationMs: 5,
      logs: [{ requestId: 'r', stream: 'stdout' as const, text: 'bell \u0007 and ]]> and <tag>', time: 0 }],
    };
    const xml = junitXml([run], summarize([run], 5), '/p');
    assert.match(xml, /<testcase classname="fn" name="e&lt;1&gt;" file="\.scf\/events\/fn\/e\.json" time="0\.005">/);
    assert.match(xml, /<failure type="expectation" message="result\.a: expected &quot;&lt;b&gt;&quot;, got &quot;&amp;&quot;">/);
    assert.match(xml, /<system-out>bell \uFFFD and ]]&gt; and &lt;tag&gt;<\/system-out>/);
    assert.doesNotMatch(xml, /\u0007/);
  });
});
