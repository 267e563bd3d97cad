/**
 * Web functions (`type: web`): SCF starts the executable `scf_bootstrap`, which must start an HTTP
 * server on port 9000, and hands it HTTP requests. Locally several web functions (and several instances
 * of one) run at once and 9000 may be taken, so each instance gets its own free port in the environment
 * variable PORT: a bootstrap that listens on `${PORT:-9000}` works unchanged here and on SCF.
 *
 * An invocation's payload is an API Gateway request event ({httpMethod, path, headers, queryString,
 * body, isBase64Encoded}); the HTTP response comes back as {statusCode, headers, body, isBase64Encoded}.
 * Outcomes: 445 the bootstrap is missing, not executable or exits before listening; 446 it does not
 * listen on its port within initTimeout; 433/434/439 as for any instance.
 */
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { findBootstrap } from './customRuntime';
import { CodeWatch } from './codeWatch';
import type { InitOutcome, RunMeasure, RuntimeInstance } from './instanceTypes';
import { awaitAnswer, RuntimeProcess, type LogSink } from './runtimeProcess';

export interface HttpEvent {
  httpMethod?: string;
  path?: string;
  headers?: Record<string, string>;
  queryString?: Record<string, string | string[]>;
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Headers the gateway owns: a caller cannot set them (facts §7). */
export function isGatewayOwnedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'connection' || n.startsWith('x-scf-') || n === 'keep-alive' || n === 'transfer-encoding' || n === 'host' || n === 'content-length';
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const TEXT_TYPES = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

export class WebInstance implements RuntimeInstance {
  private proc: RuntimeProcess | undefined;
  private port = 0;
  private killed = false;
  private readonly watched = new CodeWatch();
  private sink: LogSink;
  busy = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly codeDir: string,
    private readonly env: Record<string, string>,
    sink: LogSink,
    private readonly identity: { name: string; namespace: string; region: string; appId: string; uin: string },
    /** A start command to run instead of the code folder's scf_bootstrap (the http component's). */
    private readonly bootstrapPath?: string,
  ) {
    this.sink = sink;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get dead(): boolean {
    return this.killed || (this.proc?.dead ?? false);
  }

  /** The port this instance's server listens on (for the log and tests). */
  get listenPort(): number {
    return this.port;
  }

  setSink(sink: LogSink): void {
    this.sink = sink;
    this.proc?.setSink(sink);
  }

  async waitReady(initTimeoutMs: number): Promise<InitOutcome> {
    const started = performance.now();
    const bootstrap = this.bootstrapPath ? { ok: true as const, path: this.bootstrapPath } : findBootstrap(this.codeDir);
    if (!bootstrap.ok) return { kind: 'spawnError', message: bootstrap.message, code: 445 };
    this.port = await freePort();
    this.proc = new RuntimeProcess(bootstrap.path, [], { cwd: this.codeDir, env: { ...this.env, PORT: String(this.port) }, extraPipes: 0 }, this.sink);
    const deadline = Date.now() + initTimeoutMs;
    for (;;) {
      if (this.proc.dead) {
        await this.proc.drained();
        const message = this.proc.spawnError
          ? `scf_bootstrap could not start: ${this.proc.spawnError} (check its #! line)`
          : `scf_bootstrap ${this.proc.exitReason} before its server listened on port ${this.port}`;
        this.kill();
        return { kind: 'spawnError', message, code: 445 };
      }
      if (await canConnect(this.port)) break;
      if (Date.now() > deadline) {
        const on9000 = await canConnect(9000);
        this.kill();
        await this.proc.drained();
        return {
          kind: 'spawnError',
          code: 446,
          message:
            `scf_bootstrap did not listen on port ${this.port} within initTimeout (${Math.round(initTimeoutMs / 1000)} s). ` +
            `Locally each instance gets its own port in PORT: listen on \${PORT:-9000}, which is 9000 on SCF` +
            (on9000 ? ' (something is listening on 9000: a server that ignores PORT?)' : ''),
        };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    this.watched.addScan(this.codeDir, /./); // a bootstrap tells us nothing of what it loads: watch the whole folder
    return { kind: 'ready', initMs: performance.now() - started };
  }

  async run(payload: string, context: object, timeoutMs: number, memoryLimitMb: number, signal?: AbortSignal): Promise<RunMeasure> {
    const proc = this.proc!;
    proc.resetPeakMemory();
    const event = JSON.parse(payload) as HttpEvent;
    const requestId = String((context as { request_id: string }).request_id);
    const abort = new AbortController();
    const waited = await awaitAnswer(proc, this.forward(event, requestId, abort.signal), { timeoutMs, memoryLimitMb, signal }, () => this.kill());
    if (!waited.ok) {
      abort.abort();
      return waited.measure;
    }
    const { answer, sampledKb } = waited;
    // What the server printed while handling the request is in the pipes by now; give it a moment to be read.
    await new Promise((r) => setTimeout(r, 5));
    const peakKb = Math.max(sampledKb, proc.peakMemoryKb());
    if (peakKb > memoryLimitMb * 1024) {
      this.kill();
      return { outcome: { kind: 'memory', usedKb: peakKb }, peakKb };
    }
    if (!answer.ok) {
      return { outcome: { kind: 'error', code: 430, message: `the web function's server did not answer: ${answer.message}`, stack: '', recycle: true }, peakKb };
    }
    return { outcome: { kind: 'result', value: answer.result, resultBytes: Buffer.byteLength(answer.result.body) }, peakKb };
  }

  private forward(event: HttpEvent, requestId: string, signal: AbortSignal): Promise<{ ok: true; result: HttpResult } | { ok: false; message: string }> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(event.queryString ?? event.queryStringParameters ?? {})) {
      for (const one of Array.isArray(v) ? v : [v]) query.append(k, String(one));
    }
    const path = (event.path || '/') + (query.size ? `?${query.toString()}` : '');
    const body = event.body === undefined || event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (!isGatewayOwnedHeader(k)) headers[k.toLowerCase()] = String(v);
    Object.assign(headers, {
      'content-length': String(body.length),
      connection: 'close',
      'x-scf-request-id': requestId,
      'x-scf-name': this.identity.name,
      'x-scf-namespace': this.identity.namespace,
      'x-scf-region': this.identity.region,
      'x-scf-appid': this.identity.appId,
      'x-scf-uin': this.identity.uin,
      'x-scf-version': '$LATEST',
    });
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: this.port, method: (event.httpMethod || 'GET').toUpperCase(), path, headers, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && k !== 'connection' && k !== 'transfer-encoding') out[k] = Array.isArray(v) ? v.join(', ') : v;
          const text = TEXT_TYPES.test(out['content-type'] ?? 'text/plain') || buf.length === 0;
          resolve({ ok: true, result: { statusCode: res.statusCode ?? 502, headers: out, body: text ? buf.toString('utf8') : buf.toString('base64'), isBase64Encoded: !text } });
        });
        res.on('error', (e) => resolve({ ok: false, message: e.message }));
      });
      req.on('error', (e) => resolve({ ok: false, message: e.message }));
      req.end(body);
    });
  }

  reusable(): boolean {
    return !this.dead && this.watched.unchanged();
  }

  kill(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.killed = true;
    this.proc?.kill();
  }
}
