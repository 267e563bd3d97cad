/**
 * What carries the API's invocations: the emulator host process (EmulatorClient, the default) or the
 * emulator in the caller's process (inProcess.ts). index.ts does the rest, the same for both.
 */
import type { InvokeParams } from '../emulator/client';
import type { InvokeOutcome } from '../emulator/emulator';
import type { LogLine } from '../emulator/types';

export interface Invoker {
  /** `onLog` is given each line as it comes, START to REPORT. */
  invoke(params: InvokeParams, onLog: (line: LogLine) => void): { outcome: Promise<InvokeOutcome>; cancel(): void };
  /** Ends every instance (and the host, if there is one). */
  close(): Promise<void>;
}
