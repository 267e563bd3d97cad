/**
 * The local endpoint in its own process (`scf-toolkit serve`), as the extension runs it on demand:
 * user code never runs in the editor's extension host, and a CLI deploy in a terminal finds the same
 * endpoint through the state folder's endpoint.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { findRunningEndpoint } from './localTarget';

export interface EndpointProcessOptions {
  /** The bundled CLI (dist/cli.js) or, in tests, src/cli/main.ts with execArgv for tsx. */
  cliScript: string;
  stateDir: string;
  execPath?: string;
  execArgv?: string[];
  pythonPath?: string;
  /** Every line the endpoint prints (one per API request). */
  onLine?: (line: string) => void;
  /** How long to wait for it to listen (default 20 s). */
  startTimeoutMs?: number;
  /** The environment for the endpoint and the handlers it starts (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export class EndpointProcess {
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    }).then(() => {
      this.exited = true;
    });
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Resolves when the process has ended (stopped, or died). */
  whenExited(): Promise<void> {
    return this.exit;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(opts: EndpointProcessOptions): Promise<EndpointProcess> {
    const args = ['serve', '--state', opts.stateDir, ...(opts.pythonPath ? ['--python', opts.pythonPath] : [])];
    const child = fork(opts.cliScript, args, { execPath: opts.execPath, execArgv: opts.execArgv ?? [], env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.length > 8192) stderr = stderr.slice(-8192);
    });
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the local endpoint did not start within ${(opts.startTimeoutMs ?? 20000) / 1000} s${stderr ? `: ${stderr.trim()}` : ''}`));
      }, opts.startTimeoutMs ?? 20000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`the local endpoint exited (code ${code}) before listening${stderr ? `: ${stderr.trim()}` : ''}`));
      };
      child.once('exit', onExit);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      lines.on('line', (line) => {
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(m[1]!);
        } else if (!/^(State:|Press Ctrl\+C)/.test(line)) {
          opts.onLine?.(line);
        }
      });
    });
    return new EndpointProcess(url, child);
  }

  /** Stops the endpoint (SIGTERM: it removes endpoint.json and ends its handler processes). */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** The running endpoint over `stateDir` (ours or anyone's), else a new one. */
export async function ensureEndpoint(current: EndpointProcess | undefined, opts: EndpointProcessOptions): Promise<{ url: string; process?: EndpointProcess }> {
  if (current?.running) return { url: current.url, process: current };
  const running = await findRunningEndpoint(opts.stateDir);
  if (running) return { url: running };
  const started = await EndpointProcess.start(opts);
  return { url: started.url, process: started };
}
