/**
 * Test events as tests: finds each function's events (`.scf/events/<function>/<name>.json`) and their
 * expectations (`<name>.expect.json`), invokes the function with each event and checks the outcome.
 * The same runner serves `scf-toolkit test` (through the Emulator in the CLI's process) and VS Code's
 * Test Explorer (through the emulator host process): the caller passes how to invoke.
 */
import { readFile } from 'node:fs/promises';
import type { FunctionSpec } from '../model';
import type { InvokeOutcome } from '../emulator/emulator';
import type { InvokeResult, LogLine } from '../emulator/types';
import { existsSync } from 'node:fs';
import { listEvents, type EventFile } from '../events/store';
import { checkEventText } from '../events/validate';
import { expectationKeyLines, expectationPath, matchExpectation, parseExpectation, describeMismatches, type Expectation, type MatchReport } from './expectations';

/** How the runner invokes a function; the CLI and the editor each give their own. */
export interface TestInvoker {
  invoke(spec: FunctionSpec, payload: string, onLog: (line: LogLine) => void, signal?: AbortSignal): Promise<InvokeOutcome>;
}

export interface TestCase {
  /** Stable across runs: `<serverless file>#<function>/<event>`. */
  id: string;
  spec: FunctionSpec;
  event: EventFile;
  /** Where the expectation is (or would be written). */
  expectFile: string;
  hasExpectation: boolean;
}

export type TestStatus = 'passed' | 'failed' | 'errored';

export interface TestRun {
  testCase: TestCase;
  status: TestStatus;
  /** One paragraph: why it failed or errored, or a summary when it passed. */
  message: string;
  /** Wall time of the invocation in this process, ms. */
  durationMs: number;
  invokeResult?: InvokeResult;
  logs: LogLine[];
  expectation?: Expectation;
  report?: MatchReport;
  /** The 0-based line of each key of the expectation file (`result`, `statusCode` ...), to place messages. */
  expectLines?: Record<string, number>;
  /** For "errored": where the problem is, 0-based (the event or expectation file). */
  location?: { file: string; line: number; column: number };
}

export function testId(spec: FunctionSpec, eventName: string): string {
  return `${spec.file}#${spec.name}/${eventName}`;
}

/** The events of the functions as test cases, in file, function and event order. */
export async function collectTests(specs: FunctionSpec[], options: { onlyWithExpectation?: boolean } = {}): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  const perFunction = await Promise.all(specs.map((spec) => listEvents(spec.file, spec.name).then((events) => ({ spec, events }))));
  for (const { spec, events } of perFunction) {
    // listEvents leaves out `<name>.expect.json`: the expectation of `<name>.json`, not an event of its own.
    for (const event of events) {
      const expectFile = expectationPath(event.file);
      const hasExpectation = existsSync(expectFile);
      if (options.onlyWithExpectation && !hasExpectation) continue;
      cases.push({ id: testId(spec, event.name), spec, event, expectFile, hasExpectation });
    }
  }
  return cases;
}

export interface RunOptions {
  signal?: AbortSignal;
  onLog?: (line: LogLine) => void;
  /** The invoker cannot see the log (e.g. a debug session that streams it elsewhere): skip `logIncludes`. */
  skipLogChecks?: boolean;
}

/** Runs one test: reads the event and its expectation, invokes, matches. Never throws. */
export async function runTest(testCase: TestCase, invoker: TestInvoker, options: RunOptions = {}): Promise<TestRun> {
  const logs: LogLine[] = [];
  const base = { testCase, logs, durationMs: 0 };
  let payload: string;
  try {
    payload = await readFile(testCase.event.file, 'utf8');
  } catch (e) {
    return { ...base, status: 'errored', message: `${testCase.event.file}: cannot read the event: ${(e as Error).message}` };
  }
  const checked = checkEventText(payload, { file: testCase.event.file });
  if (!checked.ok) {
    const p = checked.problems[0]!;
    return { ...base, status: 'errored', message: p.message, location: { file: testCase.event.file, line: p.line, column: p.column } };
  }

  let expectation: Expectation = {};
  let expectText: string | undefined;
  try {
    expectText = await readFile(testCase.expectFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { ...base, status: 'errored', message: `${testCase.expectFile}: cannot read the expectation: ${(e as Error).message}` };
    }
  }
  if (expectText !== undefined) {
    const parsed = parseExpectation(expectText, testCase.expectFile);
    if (!parsed.ok) {
      return { ...base, status: 'errored', message: parsed.error.message, location: { file: testCase.expectFile, line: parsed.error.line, column: parsed.error.column } };
    }
    expectation = parsed.value;
  }
  const expectLines = expectText === undefined ? undefined : expectationKeyLines(expectText);

  const started = performance.now();
  let outcome: InvokeOutcome;
  try {
    outcome = await invoker.invoke(
      testCase.spec,
      payload,
      (line) => {
        logs.push(line);
        options.onLog?.(line);
      },
      options.signal,
    );
  } catch (e) {
    outcome = { ok: false, error: { code: 'runner.invokeFailed', message: (e as Error).message } };
  }
  const durationMs = Math.round(performance.now() - started);
  if (!outcome.ok) return { ...base, durationMs, status: 'errored', message: outcome.error.message, expectation };

  const r = outcome.value;
  const applied = options.skipLogChecks ? { ...expectation, logIncludes: undefined } : expectation;
  const report = matchExpectation(applied, {
    statusCode: r.statusCode,
    statusName: r.statusName,
    result: r.result,
    errorMessage: r.errorMessage,
    log: logs.map((l) => l.text).join('\n'),
  });
  const message = report.pass
    ? `${r.statusCode} ${r.statusName} in ${r.durationMs} ms${expectText === undefined ? ' (no expectation file: passes on status 200)' : ''}${options.skipLogChecks && expectation.logIncludes?.length ? ' (logIncludes not checked in this run)' : ''}`
    : describeMismatches(report);
  return { ...base, durationMs, status: report.pass ? 'passed' : 'failed', message, invokeResult: r, expectation, report, ...(expectLines ? { expectLines } : {}) };
}

/** Runs the tests one after another (a function's warm instance serves its next event, as on SCF). */
export async function runTests(
  cases: TestCase[],
  invoker: TestInvoker,
  options: RunOptions & { onStart?: (c: TestCase) => void; onDone?: (run: TestRun) => void } = {},
): Promise<TestRun[]> {
  const runs: TestRun[] = [];
  for (const c of cases) {
    if (options.signal?.aborted) break;
    options.onStart?.(c);
    const run = await runTest(c, invoker, options);
    runs.push(run);
    options.onDone?.(run);
  }
  return runs;
}
