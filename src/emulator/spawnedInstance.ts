/**
 * What the instance kinds that start their process in waitReady share (Go, web functions, Custom
 * Runtime): the process, the files whose change retires the instance, the log sink, and the
 * lifecycle calls the pool makes (freeze between requests, thaw, retire when dead or changed).
 */
import { CodeWatch } from './codeWatch';
import type { InitOutcome, RunMeasure, RuntimeInstance } from './instanceTypes';
import type { LogSink, RuntimeProcess } from './runtimeProcess';

export abstract class SpawnedInstance implements RuntimeInstance {
  protected proc: RuntimeProcess | undefined;
  protected readonly watched = new CodeWatch();
  protected killed = false;
  busy = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(protected sink: LogSink) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get dead(): boolean {
    return this.killed || (this.proc?.dead ?? false);
  }

  get reachedTaskLimit(): boolean {
    return this.proc?.reachedTaskLimit ?? false;
  }

  setSink(sink: LogSink): void {
    this.sink = sink;
    this.proc?.setSink(sink);
  }

  abstract waitReady(initTimeoutMs: number): Promise<InitOutcome>;
  abstract run(payload: string, context: object, timeoutMs: number, memoryLimitMb: number, signal?: AbortSignal): Promise<RunMeasure>;

  reusable(): boolean {
    return !this.dead && this.watched.unchanged();
  }

  freeze(): void {
    this.proc?.freeze();
  }

  thaw(): void {
    this.proc?.thaw();
  }

  /** Ends the process (subclasses end what else they hold, then call this). */
  kill(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.killed = true;
    this.proc?.kill();
  }
}
