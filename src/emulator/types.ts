import type { Problem } from '../model/outcome';
import type { FunctionSpec } from '../model/types';

export type InvocationType = 'RequestResponse' | 'Event';

export interface InvokeRequest {
  spec: FunctionSpec;
  /** The event as the caller sent it: JSON text. The emulator checks it like SCF does (400, 406). */
  payload: string;
  /**
   * The caller made `payload` with JSON.stringify (the programmatic API, from an event value): it is
   * JSON, so only its size and whether it is an object are checked, without parsing it again.
   */
  payloadMadeByStringify?: boolean;
  invocationType?: InvocationType;
  /** Defaults to a fresh UUID. */
  requestId?: string;
  /**
   * Run under a debugger: Node.js through the inspector, Python through debugpy, on this port of
   * 127.0.0.1 (0: any free port, printed in the log). The runtime waits for the debugger before it loads
   * the handler; time limits are not enforced while debugging (a request past its timeout is reported).
   */
  debug?: { port: number };
  /** Seconds; replaces the function's `timeout` for this invocation (the `scf.invoke.timeoutOverride` setting). */
  timeoutOverride?: number;
  /**
   * The caller has just checked that nothing `spec` was built from has changed (the host's SpecCache,
   * which stamps the `.env` and the layer folders too): the emulator does not stat them again.
   */
  specJustChecked?: boolean;
}

/** One log line, as printed by the handler (stdout/stderr) or by the platform (START/END/REPORT ...). */
export interface LogLine {
  requestId: string;
  stream: 'stdout' | 'stderr' | 'platform';
  text: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** How an invocation ended: SCF's answer. */
export interface InvokeResult {
  requestId: string;
  /** SCF's status code: 200, or 430 (the handler threw), 433 (timeout), 434 (memory), 437 (handler not found) ... */
  statusCode: number;
  /** The status code's SCF name, e.g. `TimeLimitReached`. */
  statusName: string;
  /** The handler's return value (JSON); null when it failed and for async invocations. */
  result: unknown;
  errorMessage?: string;
  /** The stack or traceback, when the handler threw (430) or did not load (443). */
  errorStack?: string;
  durationMs: number;
  billedDurationMs: number;
  /** The function's memorySize and the peak it used, in MB. */
  memorySize: number;
  maxMemoryUsedMB: number;
  /** Whether a new instance was started for this invocation (false: a warm one served it). */
  coldStart: boolean;
  initDurationMs?: number;
  invocationType: InvocationType;
  /** Async invocations: how the event ended after retries, and how many attempts it took. */
  asyncOutcome?: 'succeeded' | 'deadLettered' | 'dropped';
  attempts?: number;
}

export interface InvokeOptions {
  onLog?: (line: LogLine) => void;
  /**
   * While the consumer of onLog is behind: a promise that settles when it has caught up (the handler's
   * output is then read no faster than it is consumed). Undefined while it keeps up.
   */
  logPace?: () => Promise<void> | undefined;
  /** Aborting ends the request with 499 RequestCanceled and recycles the instance (an AbortSignal, or any Cancelable). */
  signal?: Cancelable;
  /** Called once the event has passed the platform's checks (for async invocation: "accepted"). */
  onAccepted?: (requestId: string) => void;
  /**
   * The caller renders the START line (at onAccepted), and END and REPORT (from the result, when
   * onAccepted was called) itself, with logFormat.ts: they are not sent to onLog. The emulator host
   * does, whose client renders them (protocol.ts): no log-line objects made and sent for them.
   */
  platformLinesFromResult?: boolean;
  /**
   * Filled in with a 200 sync result's JSON text as the runtime sent it (no newline in it), when it is
   * known: the emulator host forwards that text to its client instead of serialising the parsed value
   * again (hostMain.ts). Left undefined otherwise.
   */
  resultText?: { text: string | undefined };
}

/** Something the caller got wrong before any code ran (bad file, unknown runtime ...): a Problem. */
export type UsageError = Problem;

/**
 * What can cancel a request: what the emulator uses of an AbortSignal (which is one). The emulator
 * host uses a one-listener object of its own (hostMain.ts): an AbortController costs ~15 us per
 * request on these machines, more than the rest of the host's bookkeeping for it.
 */
export interface Cancelable {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
