/**
 * The client side of the emulator host: forks dist/host.js (a separate Node process, so no user code
 * ever runs in the caller's process, e.g. VS Code's extension host) and speaks protocol.ts over IPC.
 * If the host dies, pending invocations end with an error and the next invoke starts a new host.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { InvokeOutcome } from './emulator';
import type { HostReply, HostRequest } from './protocol';
import type { InvocationType, LogLine } from './types';

export interface EmulatorClientOptions {
  /** The bundled host script, dist/host.js. */
  hostScript: string;
  pythonPath?: string;
  /** The Node.js binary to run the host with (default: this process's). */
  execPath?: string;
}

export interface InvokeParams {
  target: string;
  functionName?: string;
  payload: string;
  invocationType?: InvocationType;
  interpolationEnv?: Record<string, string>;
}

export interface RunningInvocation {
  /** The SCF request id, once the event has been accepted (rejected if the event was refused first). */
  requestId: Promise<string>;
  outcome: Promise<InvokeOutcome>;
  cancel(): void;
}

interface Pending {
  onLog: (line: LogLine) => void;
  accepted: (requestId: string) => void;
  done: (outcome: InvokeOutcome) => void;
}

export class EmulatorClient {
  private host: ChildProcess | undefined;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: EmulatorClientOptions) {}

  private ensureHost(): ChildProcess {
    if (this.host && this.host.connected) return this.host;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    if (this.options.pythonPath) env.SCF_TOOLKIT_PYTHON = this.options.pythonPath;
    // Only PATH and HOME reach the host: the editor's environment (and any credentials in it) stays here.
    const host = fork(this.options.hostScript, [], {
      env,
      execPath: this.options.execPath,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    host.stderr?.resume();
    host.on('message', (m: HostReply) => this.onReply(m));
    host.on('exit', (code, signal) => {
      if (this.host === host) this.host = undefined;
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      for (const [id, p] of this.pending) {
        p.done({ ok: false, error: { code: 'host.exited', message: `the emulator host ${why}; invoke again to start a new one` } });
        this.pending.delete(id);
      }
    });
    this.host = host;
    return host;
  }

  private onReply(m: HostReply): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'accepted':
        p.accepted(m.requestId);
        break;
      case 'log':
        p.onLog(m.line);
        break;
      case 'result':
        this.pending.delete(m.id);
        p.accepted(m.result.requestId);
        p.done({ ok: true, result: m.result });
        break;
      case 'error':
        this.pending.delete(m.id);
        p.done({ ok: false, error: m.error });
        break;
    }
  }

  invoke(params: InvokeParams, onLog: (line: LogLine) => void): RunningInvocation {
    const id = randomUUID();
    let accepted!: (requestId: string) => void;
    let refused!: (e: Error) => void;
    const requestId = new Promise<string>((resolve, reject) => {
      accepted = resolve;
      refused = reject;
    });
    requestId.catch(() => undefined);
    const outcome = new Promise<InvokeOutcome>((resolve) => {
      this.pending.set(id, {
        onLog,
        accepted,
        done: (o) => {
          if (!o.ok) refused(new Error(o.error.message));
          else if (o.result.statusCode === 400 || o.result.statusCode === 406) refused(new Error(o.result.errorMessage ?? 'refused'));
          resolve(o);
        },
      });
    });
    const request: HostRequest = { type: 'invoke', id, ...params };
    this.ensureHost().send(request);
    return {
      requestId,
      outcome,
      cancel: () => {
        if (this.pending.has(id) && this.host?.connected) this.host.send({ type: 'cancel', id } satisfies HostRequest);
      },
    };
  }

  /** Stops the host and with it every runtime instance. */
  async dispose(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    if (!host || host.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        host.kill('SIGKILL');
        resolve();
      }, 2000);
      host.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (host.connected) host.send({ type: 'shutdown' } satisfies HostRequest);
      else host.kill();
    });
  }
}
