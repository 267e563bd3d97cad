// The scf-log TextMate grammar, run by the same engine VS Code uses (vscode-textmate + oniguruma)
// on the lines the SCF output channel shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { Registry, INITIAL, parseRawGrammar, type IGrammar } from 'vscode-textmate';
import { formatInvokeHeader, formatOutcome } from '../../src/views/logFormat';
import { buildRoutes } from '../../src/emulator/gateway/routes';
import { describeRoutes } from '../../src/emulator/gateway/server';
import { loadServerlessFile } from '../../src/model';

const root = join(__dirname, '..', '..');
let grammar: Promise<IGrammar>;

/** VS Code's own JSON grammar, from the code-server the real-VS-Code checks install (test/e2e/run.mjs). */
const vscodeJsonGrammar = join(process.env.RV_HOME ?? join(homedir(), '.cache', 'scf-real-vscode'), 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'json', 'syntaxes', 'JSON.tmLanguage.json');
/**
 * Without it, a stand-in with what matters here of VS Code's grammar: strings, and its comments
 * (`/*` opens a block comment that runs until `*\/`, `//` a line comment), which it colours in JSON too.
 */
const standInJson = {
  scopeName: 'source.json',
  patterns: [
    { match: '"[^"]*"', name: 'string.quoted.double.json' },
    { begin: '/\\*', end: '\\*/', name: 'comment.block.json' },
    { match: '(//).*$\\n?', name: 'comment.line.double-slash.js' },
  ],
};

function load(): Promise<IGrammar> {
  grammar ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new Registry({
      onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
      loadGrammar: async (scope) => {
        if (scope === 'source.scf-log') return parseRawGrammar(readFileSync(join(root, 'syntaxes', 'scf-log.tmLanguage.json'), 'utf8'), 'scf-log.tmLanguage.json');
        if (scope === 'source.json') {
          if (existsSync(vscodeJsonGrammar)) return parseRawGrammar(readFileSync(vscodeJsonGrammar, 'utf8'), 'JSON.tmLanguage.json');
          return parseRawGrammar(JSON.stringify(standInJson), 'json.json');
        }
        return null;
      },
    });
    const g = await registry.loadGrammar('source.scf-log');
    assert.ok(g);
    return g;
  })();
  return grammar;
}

/** Each token's text with its innermost scope, for the given lines tokenized in order. */
async function tokens(lines: string[]): Promise<{ text: string; scope: string }[][]> {
  const g = await load();
  let state = INITIAL;
  return lines.map((line) => {
    const r = g.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scope: t.scopes.slice(1).join(' ') }));
  });
}

function scopeOf(line: { text: string; scope: string }[], text: string): string | undefined {
  return line.find((t) => t.text === text)?.scope;
}

const ID = '3f1c9a52-8d7e-4b1a-9c2d-0e5f6a7b8c9d';

test('START / END / REPORT lines: keywords, request ids and numbers', async () => {
  const [start, end, report] = await tokens([
    `START RequestId: ${ID}`,
    `END RequestId: ${ID}`,
    `REPORT RequestId: ${ID}\tDuration: 54.70 ms\tBilled Duration: 55 ms\tMemory Size: 256 MB\tMax Memory Used: 40 MB`,
  ]);
  assert.match(scopeOf(start!, 'START')!, /^keyword\.control\.platform/);
  assert.match(scopeOf(start!, ID)!, /^constant\.other\.request-id/);
  assert.match(scopeOf(end!, 'END')!, /^keyword\.control\.platform/);
  assert.match(scopeOf(report!, 'REPORT')!, /^keyword\.control\.platform/);
  assert.match(scopeOf(report!, '54.70')!, /^constant\.numeric/);
  assert.match(scopeOf(report!, 'MB')!, /^keyword\.other\.unit/);
});

test('status codes: 200 reads as success, any other code as an error', async () => {
  const ok = formatOutcome({ requestId: ID, statusCode: 200, statusName: 'Success', result: { a: 1 }, durationMs: 12, billedDurationMs: 12, memorySize: 128, maxMemoryUsedMB: 30, coldStart: false, invocationType: 'RequestResponse' });
  const bad = formatOutcome({ requestId: ID, statusCode: 433, statusName: 'TimeLimitReached', result: null, errorMessage: 'time out', durationMs: 3000, billedDurationMs: 3000, memorySize: 128, maxMemoryUsedMB: 30, coldStart: false, invocationType: 'RequestResponse' });
  const [okLine] = await tokens(ok);
  assert.match(scopeOf(okLine!, '200')!, /^constant\.numeric\.status\.success/);
  assert.match(scopeOf(okLine!, 'Success')!, /status-name\.success/);
  assert.match(scopeOf(okLine!, '12')!, /^constant\.numeric\.scf-log/);
  const [badLine, meaning, fix, error] = await tokens(bad);
  assert.match(scopeOf(badLine!, '433')!, /^constant\.numeric\.status\.failure/);
  assert.match(scopeOf(badLine!, 'TimeLimitReached')!, /status-name\.failure/);
  assert.match(scopeOf(meaning!, 'Meaning:')!, /^keyword/);
  assert.match(scopeOf(fix!, 'Fix:')!, /^keyword/);
  assert.match(scopeOf(error!, 'Error:')!, /^invalid\.illegal\.error/);
});

test('errors and stack frames from Node.js and Python', async () => {
  const [err, frame, anon, tb, pyFrame, pyErr] = await tokens([
    'TypeError: Cannot read properties of undefined (reading \'x\')',
    '    at exports.main_handler (/var/user/index.js:3:9)',
    '    at new Promise (<anonymous>)',
    'Traceback (most recent call last):',
    '  File "/var/user/index.py", line 2, in main_handler',
    'ValueError: bad input',
  ]);
  assert.match(scopeOf(err!, 'TypeError:')!, /^invalid\.illegal\.error/);
  assert.match(scopeOf(frame!, 'exports.main_handler')!, /^entity\.name\.function/);
  assert.match(scopeOf(frame!, '/var/user/index.js')!, /^string\.unquoted\.path/);
  assert.match(scopeOf(frame!, '3')!, /^constant\.numeric\.line/);
  assert.match(scopeOf(anon!, 'new Promise (<anonymous>)')!, /^entity\.name\.function/);
  assert.match(scopeOf(tb!, 'Traceback (most recent call last):')!, /^invalid\.illegal\.traceback/);
  assert.match(scopeOf(pyFrame!, '"/var/user/index.py"')!, /^string\.quoted\.double\.path/);
  assert.match(scopeOf(pyFrame!, 'main_handler')!, /^entity\.name\.function/);
  assert.match(scopeOf(pyErr!, 'ValueError:')!, /^invalid\.illegal\.error/);
});

test('the header, timestamps and the result block', async () => {
  const [header, stamped, result, json, next] = await tokens([
    '── Invoke orders-api with test event "paid" (sync) · orders/serverless.yml',
    '2026-01-02T03:04:05.006Z hello from the handler',
    'Result:',
    '  "ok": true',
    '── Invoke orders-api with test event "paid" (sync) · orders/serverless.yml',
  ]);
  assert.match(scopeOf(header!, 'Invoke')!, /^keyword\.control\.invoke/);
  assert.match(scopeOf(stamped!, '2026-01-02T03:04:05.006Z')!, /^comment\.other\.timestamp/);
  assert.match(scopeOf(result!, 'Result:')!, /^keyword\.other\.result/);
  // VS Code's grammar gives a string's quotes and its text tokens of their own, all string.quoted.double.json.
  assert.match(json!.find((t) => t.text.includes('ok'))!.scope, /^string\.quoted\.double\.json/, 'the result is coloured as JSON');
  assert.match(scopeOf(next!, 'Invoke')!, /^keyword\.control\.invoke/, 'the JSON block ends at the next header');
});

test('the result block ends with the JSON: what the channel shows next is not JSON (a gateway route `/orders/*` opens no comment)', async () => {
  // The channel's lines in the order the editor writes them: an invoke and its result, the empty line
  // after it, then the local gateway starting (its routes as it prints them) and the next invoke.
  // VS Code tokenizes the whole channel as one document, so a rule left open colours all that follows.
  const orders = loadServerlessFile(join(root, 'test', 'e2e', 'fixtures', 'workspace', 'orders'), { env: {} });
  assert.ok(orders.ok);
  const routes = describeRoutes(buildRoutes(orders.value.functions));
  assert.ok(routes.some((r) => r.includes('/orders/*')), routes.join('\n'));
  const header = formatInvokeHeader('orders-api', 'test event "paid"', 'orders/serverless.yml');
  const outcome = formatOutcome({ requestId: ID, statusCode: 200, statusName: 'Success', result: { ok: true, items: [1, 2] }, durationMs: 12, billedDurationMs: 12, memorySize: 256, maxMemoryUsedMB: 40, coldStart: false, invocationType: 'RequestResponse' });
  const gateway = ['Starting the local HTTP gateway for orders/serverless.yml...', 'HTTP gateway listening on http://127.0.0.1:39119', ...routes.map((r) => `  ${r}`), `[orders-api] START RequestId: ${ID}`, 'The local HTTP gateway stopped.'];
  const lines = [header, `START RequestId: ${ID}`, ...outcome, '', ...gateway, header, `START RequestId: ${ID}`, ...outcome, ''];
  const all = await tokens(lines);
  const at = (i: number) => all[i]!;
  const json = lines.indexOf('  "ok": true,');
  assert.match(at(json).find((t) => t.text.includes('ok'))!.scope, /\.json\b/, 'the result is coloured as JSON');
  const second = lines.lastIndexOf(header);
  for (let i = lines.indexOf(gateway[0]!); i < second; i++) {
    for (const t of at(i)) assert.doesNotMatch(t.scope, /\.json\b|comment\.(block|line)/, `line ${i + 1} ${JSON.stringify(lines[i])}: "${t.text}" is ${t.scope}`);
  }
  assert.match(scopeOf(at(second), 'Invoke')!, /^keyword\.control\.invoke/, 'the next header is a header');
  assert.match(scopeOf(at(second + 1), 'START')!, /^keyword\.control\.platform/);
  const status = at(second + 2 + outcome.findIndex((l) => l.startsWith('Status:')));
  assert.match(scopeOf(status, '200')!, /^constant\.numeric\.status\.success/, 'the next status line is coloured');
});

test('an async event\'s outcome: the line after its result is not JSON', async () => {
  const outcome = formatOutcome({ requestId: ID, statusCode: 200, statusName: 'Success', result: { path: '/orders/*' }, durationMs: 12, billedDurationMs: 12, memorySize: 256, maxMemoryUsedMB: 40, coldStart: false, invocationType: 'RequestResponse' });
  // OutputView.asyncFinished: the outcome, then this line, then an empty one.
  const lines = [...outcome, `Async event ${ID} of orders-api: succeeded on attempt 1`, '', `START RequestId: ${ID}`];
  const all = await tokens(lines);
  const path = all[outcome.length - 2]!.find((t) => t.text.includes('/orders/*'));
  assert.match(path?.scope ?? '', /string\.quoted\.double\.json/, 'inside the result, /* is in a string');
  for (const t of all[outcome.length]!) assert.doesNotMatch(t.scope, /\.json\b/, `"${t.text}" is ${t.scope}`);
  assert.match(scopeOf(all[outcome.length]!, ID)!, /^constant\.other\.request-id/);
  assert.match(scopeOf(all[lines.length - 1]!, 'START')!, /^keyword\.control\.platform/);
});
