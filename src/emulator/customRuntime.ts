/**
 * Custom Runtime (`runtime: CustomRuntime`): the emulator starts the executable `scf_bootstrap` (or
 * `bootstrap`) from the code folder and serves SCF's runtime API to it on loopback:
 *   POST /runtime/init/ready          the bootstrap has initialised
 *   POST /runtime/init/error          initialisation failed (body: the error)
 *   GET  /runtime/invocation/next     long poll: the next event (body) with its context in headers
 *   POST /runtime/invocation/response the result (body; JSON when it parses, otherwise the text)
 *   POST /runtime/invocation/error    the invocation failed (body: the error)
 * Outcomes map to SCF status codes: 445 the bootstrap is missing, not executable or exits before it
 * is ready (or reports an init error), 450 no ready within initTimeout, 430 invocation error,
 * 433/434 limits, 439 exit during a request.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import type { RuntimeOptions } from './runtimes';
import { bootstrapLaunch } from './runtimes/imagePaths';
import { answerBeforeBody, readBody } from '../util/httpBody';
import { SpawnedInstance } from './spawnedInstance';
import { RESPONSE_LIMIT } from './limits';
import type { InitOutcome, RunMeasure } from './instanceTypes';
import type { Cancelable } from './types';
import { fail, ok, type Outcome } from '../model/outcome';
import { awaitAnswer, awaitInit, RuntimeProcess, type LogSink } from './runtimeProcess';
import { makeTempDir, removeTempDir } from '../util/tempDir';

export const BOOTSTRAP_NAMES = ['scf_bootstrap', 'bootstrap'] as const;

/** The bootstrap in a code folder, or why there is none that can run. */
export function findBootstrap(codeDir: string, names: readonly string[] = BOOTSTRAP_NAMES): Outcome<string> {
  for (const name of names) {
    const path = join(codeDir, name);
    if (!existsSync(path)) continue;
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return fail('bootstrap.notExecutable', `${path} is not executable; run chmod +x ${name} (SCF needs the executable bit too)`, { file: path });
    }
    return ok(path);
  }
  return fail(
    'bootstrap.notFound',
    names.length > 1
        ? `no scf_bootstrap (or bootstrap) in the code folder ${codeDir}; a Custom Runtime function starts from that executable at the root of the code folder`
        : `no scf_bootstrap in the code folder ${codeDir}; a web function starts its server (on port 9000) from that executable at the root of the code folder`,
  );
}

interface PendingRequest {
  requestId: string;
  payload: string;
  context: Record<string, unknown>;
}

type Reply = { kind: 'response'; body: string } | { kind: 'error'; body: string } | { kind: 'tooLarge'; bytes: number };

export class CustomInstance extends SpawnedInstance {
  private readonly server: Server;
  private readonly listening: Promise<number>;
  private pending: PendingRequest | undefined;
  private poller: ServerResponse | undefined;
  private pollerWaiter: (() => void) | undefined;
  private onReply: ((r: Reply) => void) | undefined;
  private onInit: ((r: { ok: true } | { ok: false; body: string }) => void) | undefined;
  private startError: string | undefined;
  private workDir: string | undefined;
  /** Log lines: which of the bootstrap's /var/lang paths ran which local interpreter. */
  private mapped: string[] = [];

  constructor(
    private readonly codeDir: string,
    private readonly handler: string,
    private readonly env: Record<string, string>,
    sink: LogSink,
    private readonly limits: { memorySize: number; timeout: number },
    private readonly runtimeOptions: RuntimeOptions = {},
  ) {
    super(sink);
    this.server = createServer((req, res) => this.route(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      if (this.idle) socket.unref();
    });
    this.listening = new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    // A reply past SCF's 6 MB response limit is not kept: it ends in 407 whatever it holds.
    void readBody(req, RESPONSE_LIMIT).then((read) => {
      const path = (req.url ?? '').split('?')[0];
      if (!read.ok && read.error.code === 'http.aborted') return;
      if (!read.ok && req.method === 'POST' && path === '/runtime/invocation/response') {
        answerBeforeBody(req, res, 413, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ error: read.error.message })));
        return this.onReply?.({ kind: 'tooLarge', bytes: Number(req.headers['content-length']) || RESPONSE_LIMIT + 1 });
      }
      const body = read.ok ? read.value.toString('utf8') : '';
      const ok = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      };
      if (req.method === 'POST' && path === '/runtime/init/ready') {
        ok();
        return this.onInit?.({ ok: true });
      }
      if (req.method === 'POST' && path === '/runtime/init/error') {
        ok();
        return this.onInit?.({ ok: false, body });
      }
      if (req.method === 'GET' && path === '/runtime/invocation/next') {
        this.poller = res;
        this.pollerWaiter?.();
        this.deliverPending();
        return;
      }
      if (req.method === 'POST' && (path === '/runtime/invocation/response' || path === '/runtime/invocation/error')) {
        ok();
        return this.onReply?.({ kind: path.endsWith('/error') ? 'error' : 'response', body });
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `unknown runtime API path ${req.method} ${path}` }));
    });
  }

  private deliverPending(): void {
    if (!this.pending || !this.poller) return;
    const { requestId, payload, context } = this.pending;
    const headers: Record<string, string> = { 'content-type': 'application/json', request_id: requestId };
    for (const [k, v] of Object.entries(context)) headers[k] = String(v).replace(/[^\t\x20-\x7e]/g, '?');
    this.poller.writeHead(200, headers);
    this.poller.end(payload);
    this.poller = undefined;
    this.pending = undefined;
  }

  async waitReady(initTimeoutMs: number): Promise<InitOutcome> {
    const bootstrap = findBootstrap(this.codeDir);
    if (!bootstrap.ok) {
      this.startError = bootstrap.error.message;
      return { kind: 'spawnError', message: bootstrap.error.message, code: 445 };
    }
    const port = await this.listening;
    const env = {
      ...this.env,
      SCF_RUNTIME_API: '127.0.0.1',
      SCF_RUNTIME_API_PORT: String(port),
      _HANDLER: this.handler,
      TENCENTCLOUD_TIMEOUT: String(this.limits.timeout),
      TENCENTCLOUD_MEMORY: String(this.limits.memorySize),
    };
    // A bootstrap written for SCF names its images' interpreters (/var/lang/...): they run the local ones.
    const launched = bootstrapLaunch(bootstrap.value, this.codeDir, this.runtimeOptions, () => (this.workDir ??= makeTempDir('custom')));
    if (!launched.ok) {
      this.startError = launched.error.message;
      return { kind: 'spawnError', message: launched.error.message, code: 445 };
    }
    this.mapped = launched.value.mapped.map((m) => `${basename(bootstrap.value)}: ${m.from} runs as ${m.describe}`);
    this.proc = new RuntimeProcess(launched.value.command, launched.value.args, { cwd: this.codeDir, env, extraPipes: 0 }, this.sink);
    const init = new Promise<{ ok: true } | { ok: false; body: string }>((resolve) => (this.onInit = resolve));
    const waited = await awaitInit(this.proc, init, initTimeoutMs, () => this.kill());
    this.onInit = undefined;
    const initMs = waited.initMs;
    if (waited.kind === 'timeout') return { kind: 'initTimeout', initMs };
    if (waited.kind === 'exit') {
      const message = this.proc.spawnError
        ? `scf_bootstrap could not start: ${this.proc.spawnError} (check its #! line)`
        : `scf_bootstrap ${this.proc.exitReason} before it reported ready (POST /runtime/init/ready)`;
      this.kill();
      return { kind: 'spawnError', message, code: 445 };
    }
    const first = waited.answer;
    if (!first.ok) {
      this.kill();
      return { kind: 'initError', code: 445, message: `scf_bootstrap reported an init error: ${first.body.trim() || '(no details)'}`, stack: '' };
    }
    this.watched.addScan(this.codeDir, /./); // a bootstrap tells us nothing of what it loads: watch the whole folder
    return { kind: 'ready', initMs, notes: this.mapped };
  }

  async run(payload: string, context: object, timeoutMs: number, memoryLimitMb: number, signal?: Cancelable): Promise<RunMeasure> {
    const proc = this.proc!;
    proc.resetPeakMemory();
    const ctx = context as Record<string, unknown>;
    const replied = new Promise<Reply>((resolve) => (this.onReply = resolve));
    this.pending = { requestId: String(ctx.request_id), payload, context: ctx };
    this.deliverPending();
    const waited = await awaitAnswer(proc, replied, { timeoutMs, memoryLimitMb, signal }, () => this.kill());
    this.onReply = undefined;
    this.pending = undefined;
    if (!waited.ok) return waited.measure;
    const { answer: reply, sampledKb } = waited;
    // A bootstrap asks for the next event once it is done with this one; by then everything it printed
    // for this request is in the pipes. Wait for that (briefly), then one turn for the pipes to be read.
    if (!this.poller) {
      let unsubscribe = () => undefined as unknown;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => (this.pollerWaiter = r)),
        new Promise((r) => (timer = setTimeout(r, 100))),
        new Promise<void>((r) => (unsubscribe = proc.onExit(r))),
      ]);
      unsubscribe();
      clearTimeout(timer);
      this.pollerWaiter = undefined;
    }
    await new Promise((r) => setImmediate(r));
    const peakKb = Math.max(sampledKb, proc.peakMemoryKb());
    if (peakKb > memoryLimitMb * 1024) {
      this.kill();
      return { outcome: { kind: 'memory', usedKb: peakKb }, peakKb };
    }
    if (reply.kind === 'tooLarge') return { outcome: { kind: 'result', value: null, resultBytes: reply.bytes }, peakKb };
    if (reply.kind === 'error') {
      return { outcome: { kind: 'error', code: 430, message: reply.body.trim() || 'the bootstrap reported an invocation error', stack: '', recycle: false }, peakKb };
    }
    let value: unknown = reply.body;
    try {
      value = JSON.parse(reply.body);
    } catch {
      /* not JSON: the text itself is the result */
    }
    return { outcome: { kind: 'result', value, resultBytes: Buffer.byteLength(reply.body) }, peakKb };
  }

  override reusable(): boolean {
    return !this.startError && super.reusable();
  }

  override freeze(): void {
    super.freeze();
    this.keepAlive(false);
  }

  override thaw(): void {
    this.keepAlive(true);
    super.thaw();
  }

  /** The Runtime API server and its connections (the runtime's long poll) hold the event loop only while a request runs. */
  private keepAlive(on: boolean): void {
    this.idle = !on;
    for (const h of [this.server, ...this.sockets]) {
      if (on) h.ref();
      else h.unref();
    }
  }

  private idle = false;
  private readonly sockets = new Set<Socket>();

  override kill(): void {
    if (this.workDir) removeTempDir(this.workDir);
    this.workDir = undefined;
    super.kill();
    this.poller?.destroy();
    this.server.close();
    this.server.closeAllConnections?.();
  }
}
