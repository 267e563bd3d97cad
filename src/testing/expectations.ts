/**
 * Expectations for test events: `.scf/events/<function>/<name>.expect.json` beside `<name>.json`.
 *
 *   { "statusCode": 200, "result": { ... }, "logIncludes": ["..."], "errorMessage": "..." }
 *
 * - `statusCode`: the SCF status code the invocation must end with. Our choice: when it is left out,
 *   200 is expected (a test passes only when the function succeeds unless it says otherwise).
 * - `result`: a subset match: every key given must be equal in the actual result, recursively through
 *   objects; arrays and scalars are compared whole. Keys the expectation does not name are ignored.
 * - `logIncludes`: each string must appear somewhere in the invocation's log (handler output and the
 *   platform's START/END/REPORT lines).
 * - `errorMessage`: a text the error message must contain (for expected failures such as 430).
 */
import { parse, parseTree, findNodeAtLocation, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import expectationSchema from '../../schemas/scf-expectation.schema.json';
import { validator } from '../schema/validators';
import { lineStarts, positionAt } from '../model/lines';
import { ok, type Outcome, type Problem } from '../model/outcome';

export const EXPECT_SUFFIX = '.expect.json';

export interface Expectation {
  statusCode?: number;
  result?: unknown;
  logIncludes?: string[];
  errorMessage?: string;
}

export interface ExpectationError extends Problem {
  code: 'expect.syntax' | 'expect.shape';
  /** Names the file and the 1-based line and column. */
  message: string;
  /** 0-based, for editors. */
  line: number;
  column: number;
}

export type ExpectationParse = Outcome<Expectation, ExpectationError>;

/** `<dir>/<name>.json` -> `<dir>/<name>.expect.json`. */
export function expectationPath(eventFile: string): string {
  return eventFile.replace(/\.json$/i, '') + EXPECT_SUFFIX;
}

/** Whether a file name is an expectation (so event lists can leave it out). */
export function isExpectationFile(path: string): boolean {
  return basename(path).toLowerCase().endsWith(EXPECT_SUFFIX);
}

type ExpectationSchemaNode = { properties: Record<string, { errorMessage?: string }> };
const SCHEMA_NODE = expectationSchema as ExpectationSchemaNode;

const schemaValidator = () => validator('expectation');

/** Reads the text of an expectation file (shape: schemas/scf-expectation.schema.json); `file` is used in messages. */
export function parseExpectation(text: string, file: string): ExpectationParse {
  let starts: number[] | undefined;
  const fail = (code: ExpectationError['code'], offset: number, what: string): ExpectationParse => {
    starts ??= lineStarts(text);
    const p = positionAt(starts, offset);
    return { ok: false, error: { code, file, line: p.line, column: p.character, message: `${file}:${p.line + 1}:${p.character + 1}: ${what}` } };
  };
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  if (errors.length > 0) return fail('expect.syntax', errors[0]!.offset, `JSON syntax error: ${printParseErrorCode(errors[0]!.error)}`);
  const validate = schemaValidator();
  if (validate(value)) return ok(value as Expectation);

  const err = validate.errors![0]!;
  const key = err.keyword === 'additionalProperties' ? String((err.params as { additionalProperty: string }).additionalProperty) : err.instancePath.split('/')[1];
  if (key === undefined) {
    return fail('expect.shape', firstNonSpace(text), 'an expectation is a JSON object such as {"statusCode": 200, "result": {...}, "logIncludes": ["..."]}');
  }
  const tree = parseTree(text);
  const node = tree ? findNodeAtLocation(tree, [key]) : undefined;
  const offset = node?.parent?.offset ?? node?.offset ?? 0;
  if (err.keyword === 'additionalProperties') {
    return fail('expect.shape', offset, `unknown key "${key}"; an expectation may hold statusCode, result, logIncludes and errorMessage`);
  }
  const sentence = SCHEMA_NODE.properties[key]?.errorMessage ?? `"${key}" ${err.message ?? 'is not valid'}`;
  const got = node?.parent?.children?.[1] ?? node;
  return fail('expect.shape', offset, `${sentence}, got ${got ? text.slice(got.offset, got.offset + Math.min(got.length, 60)) : 'something else'}`);
}

/** The 0-based line of each top-level key of an expectation text (for placing messages). */
export function expectationKeyLines(text: string): Record<string, number> {
  const tree = parseTree(text);
  const out: Record<string, number> = {};
  let starts: number[] | undefined;
  for (const prop of tree?.type === 'object' ? (tree.children ?? []) : []) {
    const key = prop.children?.[0];
    if (key && typeof key.value === 'string') out[key.value] = positionAt((starts ??= lineStarts(text)), prop.offset).line;
  }
  return out;
}

/** What one invocation produced, as far as expectations look at it. */
export interface ActualOutcome {
  statusCode: number;
  statusName?: string;
  result: unknown;
  errorMessage?: string;
  /** The whole log, one line per entry. */
  log: string;
}

export interface Mismatch {
  /** `statusCode`, `result.items[0]` (the JSON path), `log` or `errorMessage`. */
  path: string;
  message: string;
  /** JSON texts, when the mismatch is between two values. */
  expected?: string;
  actual?: string;
}

export interface MatchReport {
  pass: boolean;
  mismatches: Mismatch[];
  /** The expected result and the actual result cut down to the keys the expectation names, as JSON
   * text: what an editor's diff view should show side by side. Set when `result` mismatches. */
  resultDiff?: { expected: string; actual: string };
}

const MISSING = Symbol('missing');

export function matchExpectation(expectation: Expectation, actual: ActualOutcome): MatchReport {
  const mismatches: Mismatch[] = [];
  const wantStatus = expectation.statusCode ?? 200;
  if (actual.statusCode !== wantStatus) {
    const why = actual.errorMessage ? `: ${actual.errorMessage}` : '';
    mismatches.push({
      path: 'statusCode',
      message: `expected status ${wantStatus}${expectation.statusCode === undefined ? ' (the default)' : ''}, got ${actual.statusCode}${actual.statusName ? ` ${actual.statusName}` : ''}${why}`,
      expected: String(wantStatus),
      actual: String(actual.statusCode),
    });
  }
  let resultDiff: MatchReport['resultDiff'];
  if ('result' in expectation) {
    const before = mismatches.length;
    subsetMismatches(expectation.result, actual.result, 'result', mismatches);
    if (mismatches.length > before) {
      resultDiff = { expected: pretty(expectation.result), actual: pretty(project(expectation.result, actual.result)) };
    }
  }
  if (expectation.errorMessage !== undefined && !(actual.errorMessage ?? '').includes(expectation.errorMessage)) {
    mismatches.push({
      path: 'errorMessage',
      message: actual.errorMessage
        ? `the error message does not contain ${JSON.stringify(expectation.errorMessage)}; it is ${JSON.stringify(actual.errorMessage)}`
        : `expected an error message containing ${JSON.stringify(expectation.errorMessage)}, but the invocation had none`,
      expected: JSON.stringify(expectation.errorMessage),
      actual: JSON.stringify(actual.errorMessage ?? null),
    });
  }
  for (const text of expectation.logIncludes ?? []) {
    if (!actual.log.includes(text)) mismatches.push({ path: 'log', message: `the log does not include ${JSON.stringify(text)}` });
  }
  return { pass: mismatches.length === 0, mismatches, ...(resultDiff ? { resultDiff } : {}) };
}

/** Subset comparison: objects key by key (extra actual keys ignored), everything else whole. */
function subsetMismatches(expected: unknown, actual: unknown | typeof MISSING, path: string, out: Mismatch[]): void {
  if (isPlainObject(expected) && isPlainObject(actual)) {
    for (const key of Object.keys(expected)) {
      const next = Object.prototype.hasOwnProperty.call(actual, key) ? actual[key] : MISSING;
      subsetMismatches(expected[key], next, `${path}${propertyPath(key)}`, out);
    }
    return;
  }
  if (actual !== MISSING && isDeepStrictEqual(expected, actual)) return;
  const actualText = actual === MISSING ? '(missing)' : compact(actual);
  out.push({
    path,
    message: `${path}: expected ${compact(expected)}, got ${actualText}`,
    expected: JSON.stringify(expected),
    actual: actual === MISSING ? undefined : JSON.stringify(actual),
  });
}

/** The actual value cut down to the keys the expectation names (missing keys stay missing). */
export function project(expected: unknown, actual: unknown): unknown {
  if (!isPlainObject(expected) || !isPlainObject(actual)) return actual;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) {
    if (Object.prototype.hasOwnProperty.call(actual, key)) out[key] = project(expected[key], actual[key]);
  }
  return out;
}

/**
 * The expectation "Save result as expected" writes: the status, the result (or the error message), and
 * those of the previous `logIncludes` that this run's log holds (given `log`; all of them without it).
 */
export function expectationFromRun(actual: Omit<ActualOutcome, 'log'> & { log?: string }, previous?: Expectation): Expectation {
  const out: Expectation = { statusCode: actual.statusCode };
  if (actual.statusCode === 200) out.result = actual.result;
  else if (actual.errorMessage) out.errorMessage = actual.errorMessage;
  const kept = (previous?.logIncludes ?? []).filter((t) => actual.log === undefined || actual.log.includes(t));
  if (kept.length) out.logIncludes = kept;
  return out;
}

export function formatExpectation(expectation: Expectation): string {
  return `${JSON.stringify(expectation, null, 2)}\n`;
}

/** A readable report of the mismatches, for terminals and test messages. */
export function describeMismatches(report: MatchReport): string {
  const lines: string[] = [];
  for (const m of report.mismatches) lines.push(`- ${m.message}`);
  if (report.resultDiff) {
    lines.push('', 'result (- expected, + actual; only the keys the expectation names):');
    lines.push(...lineDiff(report.resultDiff.expected, report.resultDiff.actual));
  }
  return lines.join('\n');
}

/** A line diff (longest common subsequence) of two short texts: ` ` same, `-` only in a, `+` only in b. */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  if (n * m > 4_000_000) return [...x.map((l) => `- ${l}`), ...y.map((l) => `+ ${l}`)];
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push(`  ${x[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(`- ${x[i++]}`);
    else out.push(`+ ${y[j++]}`);
  }
  while (i < n) out.push(`- ${x[i++]}`);
  while (j < m) out.push(`+ ${y[j++]}`);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function pretty(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v, null, 2);
}

function compact(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

function firstNonSpace(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : 0;
}
