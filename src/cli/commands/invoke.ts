/**
 * `scf-toolkit invoke <serverless.yml | folder> [--event FILE.json | --event-json '{...}'] [--async] [--json]`
 * Runs the function once in the emulator, streaming its log as it runs, and ends with the status code
 * and the result. Exit code: 0 for status 200, 1 for any other status, 2 for a usage error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FunctionSpec } from '../../model/types';
import { Emulator } from '../../emulator/emulator';
import { prepareSandbox } from '../../emulator/sandbox';
import { saveSpawnRecord } from '../../emulator/speculation';
import { errorMessageLine, startLabel, statusLabel } from '../../emulator/statusCodes';
import type { InvokeResult, LogLine } from '../../emulator/types';
import { RUNTIME_PATH_USAGE } from '../runtimePaths';
import { asRecorded, cachedInvoke, saveInvoke, type Input, type ResolvedInvoke } from '../invokeCache';
import { EXIT, inputError, parsePort, startCommand, usageError as usage, type CliIO } from '../io';
import { onSignals } from '../stopRequest';

const HELP = `Usage: scf-toolkit invoke <serverless.yml | folder> [options]

Runs the function locally the way SCF runs it and prints its log as it runs, then the status and result.

Options:
  --event FILE         the event, a JSON file (use - for standard input); default {}
  --event-json JSON    the event given inline
  --function NAME      pick a function when the file defines several (multi-scf: its key or deployed name)
  --layer NAME=FOLDER  where layer NAME's content is locally (its /opt), for a layer that is not a
                       component: layer of the app; repeatable
  --async              invoke asynchronously (InvocationType Event: 128 KB limit, result only in the log);
                       the event is queued in .scf/async and retried like SCF does (runtime errors up to
                       retryNumber, then the dead-letter file .scf/dlq/<function>.jsonl or dropped)
  --retry-delay-scale N  async retries wait N x SCF's one minute (default 0.0167: one second)
  --json               one JSON object per line: {"type":"log",...} as lines come, last {"type":"result",...}
  --python PATH        the python3 for every Python3.x function (default: each runtime's own version)
${RUNTIME_PATH_USAGE}
  --inspect[=PORT]     run under a debugger and wait for it before loading the handler: Node.js through
                       the inspector (default port 9229), Python through debugpy (default 5678), Java
                       through JDWP (default 5005); time limits are not enforced while debugging
  --stage STAGE        the stage for \${stage} (default: the file's stage, STAGE, or dev)

Exit code: 0 when the status is 200, 1 for any other status, 2 for a usage error.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const started = startCommand(argv, io, {
    name: 'invoke',
    help: HELP,
    values: ['event', 'event-json', 'function', 'python', 'stage', 'retry-delay-scale'],
    lists: ['layer', 'runtime-path'],
    flags: ['async', 'json'],
    optionalValues: ['inspect'],
  });
  if (typeof started === 'number') return started;
  const { positionals, values, flags } = started.args;
  if (positionals.length !== 1) return usageError(io, positionals.length === 0 ? 'give the serverless.yml (or its folder) to invoke' : `expected one serverless.yml, got ${positionals.join(' ')}`);
  if (values.event !== undefined && values['event-json'] !== undefined) return usageError(io, 'give --event or --event-json, not both');

  // the sandbox's probes (cached across processes)
  prepareSandbox();
  // The function from the last cold invoke of this target when none of its inputs has changed
  // (invokeCache.ts); else from serverless.yml, through the model, loaded only then.
  let resolved: ResolvedInvoke | undefined = cachedInvoke(argv, io.cwd, io.env);
  let inputs: Input[] | undefined;
  if (!resolved) {
    const { resolveSpec } = require('./invokeSpec') as typeof import('./invokeSpec');
    const computed = resolveSpec({ target: resolve(io.cwd, positionals[0]!), given: positionals[0]!, env: io.env, stage: values.stage, functionName: values.function, layerFolders: started.layerFolders });
    if (!computed.resolved.ok) return fail(io, computed.resolved.error.message);
    resolved = asRecorded(computed.resolved.value);
    inputs = computed.inputs;
  }
  const { spec } = resolved;
  for (const w of resolved.warnings) io.err(w);

  let payload = '{}';
  if (values['event-json'] !== undefined) {
    payload = values['event-json'];
    // (text that is not JSON is the command line's mistake, as in an --event file: not an event SCF refused)
    const problem = eventSyntaxProblem(payload, '--event-json');
    if (problem) return fail(io, problem.message);
  }
  if (values.event !== undefined) {
    const file = values.event === '-' ? '/dev/stdin' : resolve(io.cwd, values.event);
    try {
      payload = readFileSync(file, 'utf8');
    } catch (e) {
      return fail(io, `${values.event}: cannot read the event file: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const problem = eventSyntaxProblem(payload, values.event);
    if (problem) return fail(io, problem.message);
  }

  const json = flags.has('json');
  const emit = (obj: object) => io.out(JSON.stringify(obj));
  const onLog = (line: LogLine) => {
    if (json) emit({ type: 'log', ...line });
    else io.out(line.text);
  };
  let debug: { port: number } | undefined;
  if (flags.has('inspect')) {
    const port = parsePort(values.inspect, '--inspect', /^Python/i.test(spec.runtime) ? 5678 : /^Java/i.test(spec.runtime) ? 5005 : 9229);
    if (!port.ok) return usageError(io, port.error.message);
    if (flags.has('async')) return usageError(io, '--inspect and --async do not go together: debug a synchronous invoke');
    debug = { port: port.value };
  }
  const emulator = new Emulator({ pythonPath: values.python, runtimePaths: started.runtimePaths, callerEnv: io.env });
  if (flags.has('async')) {
    const scale = values['retry-delay-scale'] === undefined ? undefined : Number(values['retry-delay-scale']);
    if (scale !== undefined && !(scale >= 0)) return usageError(io, '--retry-delay-scale takes a number >= 0');
    try {
      return await invokeAsync(io, emulator, spec, payload, json, onLog, scale, started.layerFolders);
    } finally {
      await emulator.dispose();
    }
  }
  const abort = new AbortController();
  // Ctrl+C cancels the request (499); SIGTERM/SIGHUP too, and the process then ends (the runtime's
  // process group is killed on the way out instead of being left behind).
  const offSignals = onSignals(['SIGINT', 'SIGTERM', 'SIGHUP'], (signal) => {
    abort.abort();
    if (signal !== 'SIGINT') void emulator.dispose().then(() => process.exit(143));
  });
  // What the next cold invoke of this target reuses: how this one started its runtime (for the start
  // ahead) and the function it read. Written once the request is accepted (its runtime started, the
  // go-ahead sent), while the runtime loads the handler, rather than after the answer, where it would
  // hold up the output and the exit; a record is only ever a hint (a start ahead is used when its
  // line is identical, a resolved invoke when its inputs are).
  const save = () => {
    saveSpawnRecord([spec.file, join(dirname(spec.file), '.env')], io.env);
    if (inputs) saveInvoke(resolved, inputs, io.env);
  };
  try {
    const outcome = await emulator.invoke(
      { spec, payload, invocationType: 'RequestResponse', debug },
      {
        onLog,
        logPace: io.pace,
        signal: abort.signal,
        onAccepted: save,
      },
    );
    if (!outcome.ok) return fail(io, outcome.error.message);
    const r = outcome.value;
    if (json) emit(resultLine(r));
    else io.out(humanSummary(r));
    return r.statusCode === 200 ? EXIT.ok : EXIT.failed;
  } finally {
    offSignals();
    await emulator.dispose();
  }
}

/** Queues the event like SCF's async invocation and waits until it has finished (after any retries). */
async function invokeAsync(
  io: CliIO,
  emulator: Emulator,
  spec: FunctionSpec,
  payload: string,
  json: boolean,
  onLog: (line: LogLine) => void,
  retryDelayScale: number | undefined,
  layerFolders: Record<string, string> | undefined,
): Promise<number> {
  // the async queue (and its journal's file handling) only for --async
  const { AsyncQueue, asyncStateDir } = require('../../emulator/async') as typeof import('../../emulator/async');
  const queue = new AsyncQueue({ stateDir: asyncStateDir(spec), emulator, onLog, retryDelayScale, layerFolders });
  const emit = (obj: object) => io.out(JSON.stringify(obj));
  const accepted = queue.enqueue(spec, payload);
  if (!accepted.ok) {
    if (json) emit({ type: 'result', statusCode: accepted.statusCode, statusName: statusLabel(accepted.statusCode).replace(/^\d+ /, ''), result: null, errorMessage: accepted.errorMessage, invocationType: 'Event' });
    else io.out(`Status: ${statusLabel(accepted.statusCode)}\n${errorMessageLine(accepted.errorMessage)}`);
    return 1;
  }
  if (json) emit({ type: 'accepted', requestId: accepted.requestId });
  else io.out(`Accepted (async) RequestId: ${accepted.requestId}`);
  const earlier = queue.pending() - 1;
  if (earlier > 0) io.err(`note: ${earlier} earlier async event(s) from ${asyncStateDir(spec)} run too`);
  const finished = queue.whenFinished(accepted.requestId);
  queue.start();
  const f = await finished;
  queue.stop();
  const last = f.lastResult;
  const statusCode = last?.statusCode ?? 435;
  const r: InvokeResult = last
    ? { ...last, asyncOutcome: f.outcome, attempts: f.attempts }
    : { requestId: f.requestId, statusCode, statusName: 'FunctionNotFound', result: null, durationMs: 0, billedDurationMs: 0, memorySize: spec.memorySize, maxMemoryUsedMB: 0, coldStart: false, invocationType: 'Event', asyncOutcome: f.outcome, attempts: f.attempts };
  if (json) emit(resultLine(r));
  else io.out(`${humanSummary(r)}\nAsync outcome: ${f.outcome} after ${f.attempts} attempt(s)${f.deadLetterFile ? ` (dead letter in ${f.deadLetterFile})` : ''}`);
  return statusCode === 200 ? 0 : 1;
}

function resultLine(r: InvokeResult): object {
  return {
    type: 'result',
    statusCode: r.statusCode,
    statusName: r.statusName,
    result: r.result,
    errorMessage: r.errorMessage ?? null,
    errorStack: r.errorStack ?? null,
    requestId: r.requestId,
    invocationType: r.invocationType,
    durationMs: r.durationMs,
    billedDurationMs: r.billedDurationMs,
    memorySize: r.memorySize,
    maxMemoryUsedMB: r.maxMemoryUsedMB,
    coldStart: r.coldStart,
    initDurationMs: r.initDurationMs ?? null,
    ...(r.asyncOutcome ? { asyncOutcome: r.asyncOutcome, attempts: r.attempts } : {}),
  };
}

function humanSummary(r: InvokeResult): string {
  const lines = ['', `Status: ${statusLabel(r.statusCode)}    Duration: ${r.durationMs} ms    Billed: ${r.billedDurationMs} ms    Memory: ${r.maxMemoryUsedMB}/${r.memorySize} MB    ${startLabel(r)}`];
  if (r.errorMessage) lines.push(errorMessageLine(r.errorMessage));
  if (r.statusCode === 200 && r.invocationType === 'RequestResponse') lines.push('Result:', JSON.stringify(r.result, null, 2));
  return lines.join('\n');
}

/**
 * What is wrong with an event's text, with where (events/validate.ts), or undefined for JSON. JSON.parse
 * first: the checker and its JSON parser are loaded only for text that breaks, not on every cold invoke.
 */
function eventSyntaxProblem(text: string, source: string): { message: string } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    return (require('../../events/validate') as typeof import('../../events/validate')).eventSyntaxProblem(text, source);
  }
}

function usageError(io: CliIO, message: string): number {
  return usage(io, 'invoke', message);
}

function fail(io: CliIO, message: string): number {
  return inputError(io, 'invoke', message);
}
