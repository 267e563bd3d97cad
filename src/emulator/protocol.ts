/**
 * Messages between a client (the VS Code extension, the programmatic API) and the emulator host
 * process (dist/host.js, spawned with a socket as its fd 3, which carries them: lineChannel.ts).
 * Each side sends what one tick of its own produced as one message, in order: the client a
 * HostRequest[] (or one HostRequest), the host a HostReply[].
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
  | { type: 'accepted'; id: string; requestId: string }
  | { type: 'log'; id: string; line: LogLine }
  /**
   * `lines`: the invocation's log lines that went out with its result (a warm invocation's START to
   * REPORT), compact: [stream, text, time] and the request id when it is not the result's. They come
   * before the result, as if sent as `log` messages first.
   */
  | { type: 'result'; id: string; result: InvokeResult; lines?: CompactLine[] }
  /** A failure before any code ran: bad serverless.yml, no such function, runtime not installed ... */
  | { type: 'error'; id: string; error: Problem }
  | { type: 'resumed'; id: string; pending: number }
  /** Log lines and endings of async events no client invocation is waiting for (restored ones). */
  | { type: 'asyncLog'; line: LogLine }
  | { type: 'asyncFinished'; event: FinishedEvent };

/** A LogLine in a result's `lines`: its stream, text and time, and its request id when not the result's. */
export type CompactLine = [stream: LogLine['stream'], text: string, time: number, requestId?: string];
