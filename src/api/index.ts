/**
 * The programmatic API, `require('scf-toolkit')`: invoke SCF functions from tests or scripts, through
 * the same emulator host process and warm instances as the extension, so a handler runs with SCF's
 * event, context, clean environment, limits and status codes, in a process of its own (never in the
 * caller's). With `inProcess: true` the emulator itself runs in the caller's process instead of a
 * host's (inProcess.ts); the handlers still run in their own. See docs/api.md.
 *
 *   const { createEmulator } = require('scf-toolkit');
 *   const scf = await createEmulator();
 *   const r = await scf.invoke('serverless.yml', { name: 'SCF' });
 *   if (r.ok) console.log(r.value.statusCode, r.value.result);
 *   await scf.close();
 *
 * Failures before any code runs (no serverless.yml, no such function, a runtime that is not installed,
 * an event that cannot be sent) come back as `{ ok: false, error: Problem }` (model/outcome.ts); once
 * the handler has been given the event, every ending is an invocation with SCF's status code, 200 or not.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmulatorClient } from '../emulator/client';
import type { InvokeOutcome } from '../emulator/emulator';
import type { InvokeResult, LogLine } from '../emulator/types';
import { fail, ok, type Problem } from '../model/outcome';
import type { Invoker } from './invoker';
import type { CreateEmulator, EmulatorOptions, Invocation } from './types';

export type * from './types';

/** What an invocation running when close() was called answers (api.closed), in either mode. */
const CLOSED_WHILE_RUNNING = 'the emulator was closed while this invocation ran';

/** Where the bundled host is: beside this file in the package (dist/), or dist/ when run from source. */
function hostScript(): string {
  const beside = join(__dirname, 'host.js');
  return existsSync(beside) ? beside : resolve(__dirname, '../../dist/host.js');
}

/** Starts an emulator host (or, with `inProcess`, the emulator in this process) and resolves once it is ready. */
export const createEmulator: CreateEmulator = async (options = {}) => {
  const invoker = options.inProcess ? (require('./inProcess') as typeof import('./inProcess')).inProcessInvoker(options) : await hostInvoker(options);
  const cwd = options.cwd ?? process.cwd();
  // Read once: enumerating process.env costs ~60 us (each variable is a call into the C++ side),
  // more than the rest of a warm invoke's work in this process. The client sends it to the host only
  // when it differs from what it sent last.
  // Frozen: the in-process mode's spec cache then keeps its key for it instead of making it again per
  // invoke (specCache.ts keyOf: a JSON of the whole environment); the host freezes its own copy.
  const interpolationEnv = Object.freeze(stringValues(options.env ?? process.env));
  let closed = false;
  // (the absolute path of the last target: resolving it again on every invoke of the same one is waste)
  let lastTarget: { target: string; abs: string } | undefined;
  const absolute = (target: string): string => {
    if (lastTarget?.target !== target) lastTarget = { target, abs: resolve(cwd, target) };
    return lastTarget.abs;
  };

  return {
    async invoke(target, event = {}, invokeOptions = {}) {
      if (closed) return fail('api.closed', 'this emulator has been closed; create another with createEmulator()');
      let payload: string;
      try {
        payload = typeof event === 'string' ? event : JSON.stringify(event);
      } catch (e) {
        return fail('api.eventNotJson', `the event cannot be sent as JSON: ${(e as Error).message}`);
      }
      if (payload === undefined) return fail('api.eventNotJson', `the event cannot be sent as JSON: ${typeof event} has no JSON form`);
      const logLines: LogLine[] = [];
      const onLog = invokeOptions.onLog;
      const run = invoker.invoke(
        {
          target: absolute(target),
          functionName: invokeOptions.function,
          payload,
          payloadMadeByStringify: typeof event === 'string' ? undefined : true,
          invocationType: invokeOptions.invocationType,
          interpolationEnv,
          timeoutOverride: invokeOptions.timeout,
        },
        onLog
          ? (line) => {
              logLines.push(line);
              onLog(line);
            }
          : (line) => logLines.push(line),
      );
      const signal = invokeOptions.signal;
      let outcome: InvokeOutcome;
      if (signal) {
        const onAbort = () => run.cancel();
        if (signal.aborted) run.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
        outcome = await run.outcome;
        signal.removeEventListener('abort', onAbort);
      } else outcome = await run.outcome;
      if (!outcome.ok) {
        // (the host ends with close(), and so does what ran on it: the same answer in both modes)
        if (closed && (outcome.error.code === 'host.exited' || outcome.error.code === 'api.closed')) return fail('api.closed', CLOSED_WHILE_RUNNING);
        return { ok: false, error: outcome.error as Problem };
      }
      return ok(invocation(outcome.value, logLines));
    },
    async close() {
      closed = true;
      await invoker.close();
    },
  };
};

/** The emulator host, started and ready: what carries invocations by default. */
async function hostInvoker(options: EmulatorOptions): Promise<Invoker> {
  const script = hostScript();
  if (!existsSync(script)) throw new Error(`scf-toolkit: the emulator host ${script} is missing; run npm run build`);
  const client = new EmulatorClient({ hostScript: script, pythonPath: options.pythonPath, execPath: options.nodePath, unrefWhenIdle: true });
  const started = await client.ready();
  if (!started.ok) throw new Error(`scf-toolkit: ${started.error.message}`);
  return { invoke: (params, onLog) => client.invoke(params, onLog), close: () => client.dispose() };
}

/**
 * The answer: the host's result with its log. `r` is the client's own (parsed from the host's reply
 * for this invocation alone), so the two keys are added to it rather than to a copy of it.
 */
function invocation(r: InvokeResult, logLines: LogLine[]): Invocation {
  let logs = '';
  for (let i = 0; i < logLines.length; i++) logs = i === 0 ? logLines[i]!.text : `${logs}\n${logLines[i]!.text}`;
  const answer = r as Invocation;
  // (always the key, null on success, as the CLI's --json has it: the host's reply leaves it out)
  answer.errorMessage ??= null;
  answer.logs = logs;
  answer.logLines = logLines;
  return answer;
}

function stringValues(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
