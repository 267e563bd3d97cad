/**
 * `scf-toolkit test [<serverless.yml|template.yaml|folder>...] [--reporter junit] [--json]`
 * Runs every test event that has an expectation (`.scf/events/<function>/<name>.expect.json`) through
 * the emulator and checks it. Exit code: 0 only when every test passed, 1 when any failed or errored
 * (or none was found), 2 for a usage error.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadServerlessFile, type FunctionSpec } from '../../model';
import { Emulator } from '../../emulator/emulator';
import { functionFilesFor } from '../../testing/discover';
import { collectTests, runTests, type TestInvoker, type TestRun } from '../../testing/runner';
import { humanLine, humanSummary, jsonRecord, junitXml, summarize } from '../../testing/reporters';
import { expectationFromRun, formatExpectation, type Expectation } from '../../testing/expectations';
import { RUNTIME_PATH_USAGE } from '../runtimePaths';
import { EXIT, inputError, startCommand, usageError as usage, type CliIO } from '../io';
import { onSignals } from '../stopRequest';
import { now } from '../../emulator/clock';

const HELP = `Usage: scf-toolkit test [<serverless.yml | template.yaml | folder>...] [options]

Runs each test event that has an expectation beside it (.scf/events/<function>/<name>.expect.json)
through the local emulator and checks the outcome. Default target: the current folder (a folder
without a serverless.yml is searched below).

An expectation: {"statusCode": 200, "result": {...}, "logIncludes": ["..."], "errorMessage": "..."}
  statusCode    the status the invocation must end with (default 200)
  result        every key given must be equal in the actual result (arrays are compared whole)
  logIncludes   texts the log must contain
  errorMessage  a text the error message must contain

Options:
  --reporter R         human (default), junit (JUnit XML) or json (same as --json)
  --output FILE        write the junit or json report to FILE; the human report goes to stdout
  --json               one JSON object per line: {"type":"test",...} per test, last {"type":"summary",...}
  --function NAME      only this function's tests
  --all                also run events without an expectation (they pass on status 200)
  --update             write each test's expectation from this run (status and result), then pass
  --pass-with-no-tests exit 0 when no test is found
  --python PATH        the python3 for every Python3.x function (default: each runtime's own version)
${RUNTIME_PATH_USAGE}
  --stage STAGE        the stage for \${stage} (default: the file's stage, STAGE, or dev)

Exit code: 0 when every test passed, 1 when a test failed or errored or none was found, 2 for a usage error.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const command = startCommand(argv, io, {
    name: 'test',
    help: HELP,
    values: ['reporter', 'output', 'function', 'python', 'stage'],
    flags: ['json', 'all', 'update', 'pass-with-no-tests'],
    lists: ['layer', 'runtime-path'],
  });
  if (typeof command === 'number') return command;
  const { positionals, values, flags } = command.args;
  let reporter = values.reporter ?? 'human';
  if (!['human', 'junit', 'json'].includes(reporter)) return usageError(io, `unknown reporter "${reporter}"; use human, junit or json`);
  if (flags.has('json')) {
    if (values.reporter && reporter !== 'json') return usageError(io, `--json and --reporter ${reporter} both write to stdout; add --output FILE for the ${reporter} report, or drop one`);
    reporter = 'json';
  }
  if (values.output !== undefined && reporter === 'human') return usageError(io, '--output needs --reporter junit or --json');

  // Targets -> function files -> functions.
  const specs: FunctionSpec[] = [];
  for (const target of positionals.length ? positionals : ['.']) {
    const found = functionFilesFor(resolve(io.cwd, target));
    if (!found.ok) return usageError(io, found.error.message);
    for (const file of found.value) {
      const loaded = loadServerlessFile(file, { env: io.env, stage: values.stage, layerFolders: command.layerFolders });
      if (!loaded.ok) return fail(io, loaded.error.message);
      specs.push(...loaded.value.functions);
    }
  }
  let selected = specs;
  if (values.function !== undefined) {
    selected = specs.filter((s) => s.name === values.function || s.functionKey === values.function || (s.instanceName === values.function && s.functionKey === undefined));
    if (selected.length === 0) return fail(io, `no function named "${values.function}"; found: ${specs.map((s) => s.name).join(', ')}`);
  }
  const cases = await collectTests(selected, { onlyWithExpectation: !flags.has('all') && !flags.has('update') });

  // Where each report goes: the machine report to stdout or --output; the human lines to stdout
  // unless the machine report took it (then stderr).
  const machineToStdout = reporter !== 'human' && values.output === undefined;
  const human = (text: string) => (machineToStdout ? io.err(text) : io.out(text));
  const jsonLine = (obj: object) => {
    if (reporter !== 'json') return;
    if (machineToStdout) io.out(JSON.stringify(obj));
    else jsonLines.push(JSON.stringify(obj));
  };
  const jsonLines: string[] = [];

  if (cases.length === 0) {
    const where = selected.map((s) => relative(io.cwd, s.file) || s.file);
    const message = `no test events with an expectation for ${selected.map((s) => s.name).join(', ')} (${[...new Set(where)].join(', ')}): add .scf/events/<function>/<name>.expect.json beside an event, or run with --update to write them`;
    human(message);
    const summary = summarize([], 0);
    jsonLine({ type: 'summary', ...summary });
    writeReports(io, reporter, values.output, jsonLines, [], summary);
    return flags.has('pass-with-no-tests') ? EXIT.ok : EXIT.failed;
  }

  const emulator = new Emulator({ pythonPath: values.python, runtimePaths: command.runtimePaths, callerEnv: io.env });
  const abort = new AbortController();
  // Ctrl+C cancels the running tests (499) and reports what ran.
  const offSignals = onSignals(['SIGINT'], () => abort.abort());
  const invoker: TestInvoker = {
    invoke: (spec, payload, onLog, signal) => emulator.invoke({ spec, payload, invocationType: 'RequestResponse' }, { onLog, signal }),
  };
  const started = now();
  let runs: TestRun[];
  try {
    runs = await runTests(cases, invoker, {
      signal: abort.signal,
      onDone: (r) => {
        human(humanLine(r, io.cwd));
        jsonLine(jsonRecord(r));
      },
    });
  } finally {
    offSignals();
    await emulator.dispose();
  }

  if (flags.has('update')) {
    for (const r of runs) {
      if (!r.invokeResult) continue;
      const next = expectationFromRun({ ...r.invokeResult, log: r.logs.map((l) => l.text).join('\n') }, r.expectation as Expectation | undefined);
      writeFileSync(r.testCase.expectFile, formatExpectation(next));
      human(`wrote ${relative(io.cwd, r.testCase.expectFile) || r.testCase.expectFile}`);
    }
  }

  const summary = summarize(runs, Math.round(now() - started));
  human(humanSummary(summary));
  jsonLine({ type: 'summary', ...summary });
  writeReports(io, reporter, values.output, jsonLines, runs, summary);
  if (flags.has('update')) return runs.every((r) => r.invokeResult) ? EXIT.ok : EXIT.failed;
  return summary.total > 0 && summary.passed === summary.total ? EXIT.ok : EXIT.failed;
}

function writeReports(io: CliIO, reporter: string, output: string | undefined, jsonLines: string[], runs: TestRun[], summary: ReturnType<typeof summarize>): void {
  const text = reporter === 'junit' ? junitXml(runs, summary, io.cwd) : reporter === 'json' && output !== undefined ? `${jsonLines.join('\n')}\n` : undefined;
  if (text === undefined) return;
  if (output !== undefined) writeFileSync(resolve(io.cwd, output), text);
  else io.out(text.trimEnd());
}

function usageError(io: CliIO, message: string): number {
  return usage(io, 'test', message);
}

function fail(io: CliIO, message: string): number {
  return inputError(io, 'test', message);
}
