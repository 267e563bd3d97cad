/** What every kind of runtime instance offers the emulator, whatever protocol it speaks inside. */
import type { ScfContext } from './context';
import type { LogSink } from './runtimeProcess';
import type { Cancelable } from './types';

export type InitOutcome =
  /** notes: lines for the log about how the instance came to be (e.g. a Go build). */
  | { kind: 'ready'; initMs: number; notes?: string[] }
  | { kind: 'initError'; code: number; message: string; stack: string }
  | { kind: 'initTimeout'; initMs: number }
  | { kind: 'exit'; description: string; code?: number }
  | { kind: 'spawnError'; message: string; code?: number };

export type RunOutcome =
  /** `text`: the result's JSON as the runtime sent it, where it is known to be that value's (Instance). */
  | { kind: 'result'; value: unknown; resultBytes: number; text?: string }
  | { kind: 'error'; code: number; message: string; stack: string; recycle: boolean }
  | { kind: 'timeout' }
  | { kind: 'memory'; usedKb: number }
  | { kind: 'exit'; description: string }
  | { kind: 'canceled' };

export interface RunMeasure {
  outcome: RunOutcome;
  peakKb: number;
}

export interface RuntimeInstance {
  readonly pid: number | undefined;
  busy: boolean;
  readonly dead: boolean;
  /** Whether a fork was refused at the instance's task limit (a fork bomb): it is then recycled. */
  readonly reachedTaskLimit: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** When the instance last went idle (clock.ts now()), for its freeze (Emulator.release). */
  releasedAt?: number;
  /** Its pending freeze, while idle and not yet frozen. */
  freezeTimer?: NodeJS.Timeout;
  setSink(sink: LogSink): void;
  waitReady(initTimeoutMs: number): Promise<InitOutcome>;
  /** Runs one request; the payload is the caller's JSON text. */
  run(payload: string, context: ScfContext, timeoutMs: number, memoryLimitMb: number, signal?: Cancelable): Promise<RunMeasure>;
  /** False when the process has gone or a file it loaded has changed since. */
  reusable(): boolean;
  /** Stops the instance's processes between requests (as SCF freezes an idle instance) / lets them run. */
  freeze(): void;
  thaw(): void;
  kill(): void;
}
