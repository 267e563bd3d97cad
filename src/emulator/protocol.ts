/**
 * Messages between a client (the VS Code extension, the programmatic API) and the emulator host
 * process (dist/host.js, spawned with a socket as its fd 3, which carries them: lineChannel.ts).
 * Each side sends what one tick of its own produced as one message, in order: the client a
 * HostRequest[] (or one HostRequest), the host a HostReply[] (its hot replies compact: SyncResult).
 */
import type { FinishedEvent } from './async';
import type { Problem } from '../model/outcome';
import type { InvocationType, InvokeResult, LogLine } from './types';

/** One invocation: what EmulatorClient.invoke takes (InvokeParams) is this without `type` and `id`. */
export interface InvokeMessage {
  type: 'invoke';
  /** Chosen by the client; every reply for this invocation carries it. */
  id: string;
  /** serverless.yml / serverless.yaml, or the folder that holds it. */
  target: string;
  /** Picks one function when the file defines several. */
  functionName?: string;
  /** The event as JSON text. */
  payload: string;
  /** The client made payload with JSON.stringify from a value (InvokeRequest.payloadMadeByStringify). */
  payloadMadeByStringify?: true;
  invocationType?: InvocationType;
  /** Environment for `${env:X}` in serverless.yml only; never passed to the handler. */
  interpolationEnv?: Record<string, string>;
  /**
   * Instead of interpolationEnv: the same one as this client's last invoke that carried one (a client
   * sends its environment once, not a few KB with every invoke).
   */
  sameInterpolationEnv?: true;
  /** Run under a debugger on this port (see InvokeRequest.debug). */
  debug?: { port: number };
  /** Seconds, replacing the function's timeout for this invocation. */
  timeoutOverride?: number;
  /** Layer name -> local folder (the scf.layers setting), for layers that are not in the workspace. */
  layerFolders?: Record<string, string>;
}

export type HostRequest =
  | InvokeMessage
  | { type: 'cancel'; id: string }
  /** Restores the async queue beside this serverless.yml (after a restart) and runs what it holds. */
  | { type: 'resume'; id: string; target: string }
  | { type: 'shutdown' };

export type HostReply =
  | { type: 'ready'; pid: number }
  /** An async invocation's event has been accepted (a sync one's acceptance is its START: InvocationLines). */
  | { type: 'accepted'; id: string; requestId: string }
  /** A log line of an async invocation this client waits for (a sync one's travel as InvocationLines). */
  | { type: 'log'; id: string; line: LogLine }
  /** An async invocation's end (a sync one's is a SyncResult). */
  | { type: 'result'; id: string; result: InvokeResult }
  /** A failure before any code ran: bad serverless.yml, no such function, runtime not installed ... */
  | { type: 'error'; id: string; error: Problem }
  | { type: 'resumed'; id: string; pending: number }
  /** Log lines and endings of async events no client invocation is waiting for (restored ones). */
  | { type: 'asyncLog'; line: LogLine }
  | { type: 'asyncFinished'; event: FinishedEvent }
  | InvocationLines
  | SyncResult;

/**
 * The hot replies, a sync invocation's, are arrays (no key names to write and read): what one batch
 * carries of one invocation is one of them. Their log lines are the invocation's request id's.
 *
 * The platform's START, END and REPORT lines are not sent: the client renders them (logFormat.ts) from
 * what is sent, the same text the emulator writes for its in-process callers. A number among `lines`
 * is the START line's time, at its place (the acceptance: the request id is known from then on);
 * END and REPORT follow the result's lines, at its `time`, when the invocation had its START (an event
 * refused before any code ran, 400 or 406, or a 432, has none: as in the emulator).
 */
export type InvocationLines = [kind: 'L', id: string, requestId: string, lines: InvocationLine[]];

export type SyncResult = [
  kind: 'R',
  id: string,
  requestId: string,
  statusCode: number,
  durationMs: number,
  billedDurationMs: number,
  memorySize: number,
  maxMemoryUsedMB: number,
  coldStart: 0 | 1,
  initDurationMs: number | null,
  /** Date.now() when it ended: the time of END and REPORT. */
  time: number,
  /** The lines that went out with the result (before it), or 0. */
  lines: InvocationLine[] | 0,
  errorMessage: string | null,
  errorStack: string | null,
  /** The handler's result (JSON), last. */
  result: unknown,
];

/** The replies that are objects with a `type` (all but the compact ones). */
export type KeyedReply = Exclude<HostReply, InvocationLines | SyncResult>;

/** A log line in InvocationLines and SyncResult: [stream, text, time], or the START line's time. */
export type InvocationLine = CompactLine | number;

/** A LogLine in a reply's `lines`: its stream, text and time (its request id is the reply's). */
export type CompactLine = [stream: LogLine['stream'], text: string, time: number];
