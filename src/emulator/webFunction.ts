/**
 * Web functions (`type: web`): SCF starts the executable `scf_bootstrap`, which must start an HTTP
 * server on port 9000, and hands it HTTP requests. The bootstrap runs as written for SCF: its image
 * paths (`/var/lang/node12/bin/node` ...) run the local interpreters (runtimes/imagePaths.ts). Code
 * without `scf_bootstrap` runs the one the component would add: the http component's for its framework,
 * or the scf component's for `entryFile` (`/var/lang/node12/bin/node app.js` ...).
 *
 * Port 9000: locally several web functions (and several instances of one) run at once, so each
 * instance has a port of its own, in PORT and SCF_TOOLKIT_PORT, and a server that listens on 9000 is
 * moved onto it without a change to its code (network/port9000.ts): Node.js and Python through a
 * preloaded shim, PHP's `-S host:9000` in the bootstrap's text, Java through `-Dserver.port`. A server
 * no shim reaches (a native binary, e.g. Go) gets the real 127.0.0.1:9000 while it is free: one such
 * instance at a time, an idle one making way for the next.
 *
 * An invocation's payload is an API Gateway request event ({httpMethod, path, headers, queryString,
 * body, isBase64Encoded}); the HTTP response comes back as {statusCode, headers, body, isBase64Encoded}.
 * Outcomes: 445 the bootstrap is missing, not executable or exits before listening; 446 it does not
 * listen on its port within initTimeout; 433/434/439 as for any instance.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../util/tempDir';
import { findBootstrap } from './customRuntime';
import { SpawnedInstance } from './spawnedInstance';
import type { InitOutcome, RunMeasure } from './instanceTypes';
import type { Cancelable } from './types';
import { fail, ok, type Outcome } from '../model/outcome';
import { port9000Env, port9000Rewrite, Port9000Lease } from './network/port9000';
import { awaitAnswer, RuntimeProcess, type LogSink } from './runtimeProcess';
import type { RuntimeOptions } from './runtimes';
import { bootstrapLaunch } from './runtimes/imagePaths';
import { now } from './clock';
import { procListensOn } from './processTable';

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
  /** Set-Cookie (and any header the server sent more than once) as a list: each stays its own header line. */
  headers: Record<string, string | string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * Headers the gateway owns: a caller cannot set them (facts §7). `Host` is not one of them: the
 * client's Host reaches the function, as behind API Gateway.
 */
export function isGatewayOwnedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'connection' || n.startsWith('x-scf-') || n === 'keep-alive' || n === 'transfer-encoding' || n === 'content-length';
}

/** How a web function starts: the interpreters' options and, for code without scf_bootstrap, the one its component adds. */
export interface WebLaunch {
  runtimeOptions: RuntimeOptions;
  /** The scf component's for `entryFile`: written to the instance's own folder. */
  generated?: { content: string; what: string };
  /** A start command to run instead of the code folder's scf_bootstrap (the http component's, already written). */
  bootstrapPath?: string;
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

export class WebInstance extends SpawnedInstance {
  private port = 0;
  private workDir: string | undefined;
  private readonly lease = new Port9000Lease(this);

  constructor(
    private readonly codeDir: string,
    private readonly env: Record<string, string>,
    sink: LogSink,
    private readonly identity: { name: string; namespace: string; region: string; appId: string; uin: string },
    private readonly launch: WebLaunch = { runtimeOptions: {} },
  ) {
    super(sink);
  }

  /** The instance's own temporary folder (a mapped bootstrap's copy, a generated bootstrap), made on first use. */
  private dir(): string {
    this.workDir ??= makeTempDir('web');
    return this.workDir;
  }

  /** The port this instance's server listens on (for the log and tests). */
  get listenPort(): number {
    return this.port;
  }

  async waitReady(initTimeoutMs: number): Promise<InitOutcome> {
    const started = now();
    const notes: string[] = [];
    const file = this.bootstrapFile(notes);
    if (!file.ok) return { kind: 'spawnError', message: file.error.message, code: 445 };
    this.port = await freePort();
    const launched = bootstrapLaunch(file.value, this.codeDir, this.launch.runtimeOptions, () => this.dir(), port9000Rewrite(this.port));
    if (!launched.ok) return { kind: 'spawnError', message: launched.error.message, code: 445 };
    for (const m of launched.value.mapped) notes.push(`scf_bootstrap: ${m.from} runs as ${m.describe}`);
    const deadline = Date.now() + initTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const taken9000 = await canConnect(9000);
      const env = { ...this.env, PORT: String(this.port), ...port9000Env(this.env, this.port) };
      this.proc = new RuntimeProcess(launched.value.command, launched.value.args, { cwd: this.codeDir, env, extraPipes: 0 }, this.sink);
      const waited = await this.listening(deadline, taken9000);
      if (waited === 'ready') break;
      if (waited === 'exited' && attempt === 0 && this.lease.makeRoom()) {
        // Its server wanted the real port 9000, held by an idle instance of a server no shim reaches: that one made way.
        notes.push('port 9000 was held by an idle instance of another web function whose server listens on the real 9000; it was ended to make way');
        continue;
      }
      const heldBy = this.lease.heldElsewhere();
      if (waited === 'exited') {
        await this.proc.drained();
        const message = this.proc.spawnError
          ? `scf_bootstrap could not start: ${this.proc.spawnError} (check its #! line)`
          : `scf_bootstrap ${this.proc.exitReason} before its server listened on port ${this.port}` +
            (heldBy ? '; port 9000 is held by another running instance whose server listens on the real 9000 (a native binary no port shim reaches): only one such server runs at a time here, so make it listen on ${PORT:-9000} to run several' : '');
        this.kill();
        return { kind: 'spawnError', message, code: 445 };
      }
      const on9000 = await canConnect(9000);
      this.kill();
      await this.proc.drained();
      return {
        kind: 'spawnError',
        code: 446,
        message:
          `scf_bootstrap did not listen on port 9000 within initTimeout (${Math.round(initTimeoutMs / 1000)} s); locally its port is ${this.port} (in PORT), and a server on 9000 is moved there. ` +
          (on9000 ? "Something else holds 127.0.0.1:9000 here, so a server that binds 9000 itself could not start." : "Check that it listens on 0.0.0.0:9000, or listen on ${PORT:-9000}."),
      };
    }
    if (this.port === 9000) notes.push(`[WARN] the server listens on the real port 9000 (no port shim reaches it: a native binary?): one such instance runs at a time here; listen on \${PORT:-9000} to run several`);
    this.watched.addScan(this.codeDir, /./); // a bootstrap tells us nothing of what it loads: watch the whole folder
    return { kind: 'ready', initMs: now() - started, notes };
  }

  /** The code's scf_bootstrap, or the one its component adds when there is none (written to the instance's folder). */
  private bootstrapFile(notes: string[]): Outcome<string> {
    if (this.launch.bootstrapPath) return ok(this.launch.bootstrapPath);
    const own = findBootstrap(this.codeDir, ['scf_bootstrap']);
    if (own.ok || existsSync(join(this.codeDir, 'scf_bootstrap')) || !this.launch.generated) return own;
    const path = join(this.dir(), 'scf_bootstrap');
    writeFileSync(path, this.launch.generated.content);
    chmodSync(path, 0o755);
    notes.push(`No scf_bootstrap in the code folder: running the one ${this.launch.generated.what} adds: ${this.launch.generated.content.split('\n').filter((l) => l && !l.startsWith('#')).join('; ')}`);
    return ok(path);
  }

  /** Waits until the server accepts connections on its port (or, when 9000 was free, on the real 9000). */
  private async listening(deadline: number, taken9000: boolean): Promise<'ready' | 'exited' | 'timeout'> {
    const proc = this.proc!;
    for (;;) {
      if (proc.dead) return 'exited';
      if (await canConnect(this.port)) return 'ready';
      if (!taken9000 && (await canConnect(9000)) && this.holds9000(proc) && this.lease.take()) {
        this.port = 9000;
        return 'ready';
      }
      if (Date.now() > deadline) return 'timeout';
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Whether the server on the real 9000 is this instance's: a process of another program (another
   * `scf-toolkit serve`, a test run in another folder) that took 9000 after the check before the spawn
   * was taken for ours, and this instance's requests went to it. Linux asks /proc which process holds
   * the listening socket; elsewhere whoever listens is believed to be ours.
   */
  private holds9000(proc: RuntimeProcess): boolean {
    return procListensOn(proc.sandbox.processes(), 9000) ?? true;
  }

  async run(payload: string, context: object, timeoutMs: number, memoryLimitMb: number, signal?: Cancelable): Promise<RunMeasure> {
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
    if (!answer.ok) {
      // A server that exits mid-request drops the connection a moment before its exit is seen: that is
      // 439 (the process exited), not the server failing to answer.
      await Promise.race([proc.exited(), new Promise((r) => setTimeout(r, 200))]);
      if (proc.dead) {
        await proc.drained();
        return { outcome: { kind: 'exit', description: proc.exitReason }, peakKb: sampledKb };
      }
    }
    // What the server printed while handling the request is in the pipes by now; give it a moment to be read.
    await new Promise((r) => setTimeout(r, 5));
    const peakKb = Math.max(sampledKb, proc.peakMemoryKb());
    if (peakKb > memoryLimitMb * 1024) {
      this.kill();
      return { outcome: { kind: 'memory', usedKb: peakKb }, peakKb };
    }
    if (!answer.ok) {
      return { outcome: { kind: 'error', code: 430, message: `the web function's server did not answer: ${answer.error.message}`, stack: '', recycle: true }, peakKb };
    }
    return { outcome: { kind: 'result', value: answer.value, resultBytes: Buffer.byteLength(answer.value.body) }, peakKb };
  }

  private forward(event: HttpEvent, requestId: string, signal: AbortSignal): Promise<Outcome<HttpResult>> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(event.queryString ?? event.queryStringParameters ?? {})) {
      for (const one of Array.isArray(v) ? v : [v]) query.append(k, String(one));
    }
    const path = (event.path || '/') + (query.size ? `?${query.toString()}` : '');
    const body = event.body === undefined || event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const headers: Record<string, string> = {};
    // The client's Host goes through (Node's http would otherwise send 127.0.0.1:<port>).
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
          const out: Record<string, string | string[]> = {};
          // Node joins repeated headers with ", " except Set-Cookie, which stays a list (a cookie's Expires holds a comma).
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && k !== 'connection' && k !== 'transfer-encoding') out[k] = v;
          const type = out['content-type'];
          const text = TEXT_TYPES.test((Array.isArray(type) ? type[0] : type) ?? 'text/plain') || buf.length === 0;
          resolve(ok({ statusCode: res.statusCode ?? 502, headers: out, body: text ? buf.toString('utf8') : buf.toString('base64'), isBase64Encoded: !text }));
        });
        res.on('error', (e) => resolve(fail('web.noAnswer', e.message)));
      });
      req.on('error', (e) => resolve(fail('web.noAnswer', e.message)));
      req.end(body);
    });
  }

  override kill(): void {
    super.kill();
    this.lease.release();
    if (this.workDir) removeTempDir(this.workDir);
    this.workDir = undefined;
  }
}
