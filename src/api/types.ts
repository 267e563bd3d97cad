/**
 * The public types of `require('scf-toolkit')` (the programmatic API, index.ts). scripts/apiTypes.mjs
 * turns this file into dist/api.d.ts, so it imports types only, from small modules.
 */
import type { InvocationType, InvokeResult, LogLine } from '../emulator/types';
import type { Outcome, Problem } from '../model/outcome';

export type { Outcome, Problem, LogLine, InvocationType, InvokeResult };

export interface EmulatorOptions {
  /** The python3 that runs `Python3.x` functions (default: `python3` on PATH). */
  pythonPath?: string;
  /**
   * The `node` that runs the emulator host (default: the one running this process; with `inProcess`,
   * unused). `Nodejs*` functions run on an installed Node.js of their own version, found as the
   * extension finds it (PATH, nvm, fnm, volta ...), and on the host's `node` when there is none.
   */
  nodePath?: string;
  /**
   * The environment `${env:NAME}` in serverless.yml reads (default: `process.env` as it is when
   * createEmulator() is called). It is never given to
   * handlers: they get SCF's variables, the function's `environment.variables` and the `.env` beside it.
   */
  env?: Record<string, string | undefined>;
  /** Folder that relative targets are resolved against (default: `process.cwd()`). */
  cwd?: string;
  /**
   * Run the emulator in this process instead of an emulator host process of its own (default: false,
   * the host, as the extension does). Faster per invoke (one process fewer on the way), but the
   * emulator's own work and its bookkeeping of warm instances run on your thread and in your process:
   * a crash of the emulator is your process's. Handlers still run in their own processes, with SCF's
   * event, context, environment, limits, status codes and warm instances, and answer the same.
   */
  inProcess?: boolean;
}

export interface InvokeOptions {
  /** Which function, when the file defines several (the SCF name, or the multi-scf key). */
  function?: string;
  /** `Event`: SCF's async invocation (128 KB limit, retries, dead letters); resolves once it has finished. Default `RequestResponse`. */
  invocationType?: InvocationType;
  /** Seconds this invocation may run, instead of `timeout` from serverless.yml. */
  timeout?: number;
  /** Each log line as it is printed (the handler's stdout/stderr and the platform's START/END/REPORT). */
  onLog?: (line: LogLine) => void;
  /** Aborting ends the invocation with 499 RequestCanceled and retires its instance. */
  signal?: AbortSignal;
}

/** How an invocation ended: SCF's answer (InvokeResult), with the log it printed. */
export interface Invocation extends Omit<InvokeResult, 'errorMessage'> {
  /** What went wrong (the handler's error, SCF's message for a timeout ...); null on success. */
  errorMessage: string | null;
  /** The whole log, one line per line, as SCF's Invoke API returns it in `Log`. */
  logs: string;
  /** The same lines with their stream and time. */
  logLines: LogLine[];
}

export interface Emulator {
  /**
   * Invokes a function. `target`: a serverless.yml (or template.yaml), or the folder that holds it.
   * `event`: any JSON value (serialised here), or JSON text as it is (so a test can send what SCF would
   * refuse with 400); default `{}`.
   */
  invoke(target: string, event?: unknown, options?: InvokeOptions): Promise<Outcome<Invocation>>;
  /** Ends the host (if there is one) and every instance kept warm. */
  close(): Promise<void>;
}

/** Starts an emulator host (a process of its own; with `inProcess`, none) and resolves once it is ready for invocations. */
export type CreateEmulator = (options?: EmulatorOptions) => Promise<Emulator>;
