/**
 * The Go runtime (`Go1`): the program named by `handler` in the code folder (built from source where
 * needed, goBuild.ts), started with the port to listen on in `_SCF_SERVER_PORT` and in
 * `_LAMBDA_SERVER_PORT` (what tencentyun/scf-go-lib reads), then spoken to the way SCF's Go runtime
 * does: net/rpc with gob, `Function.Ping` once it listens, `Function.Invoke` per request
 * (goProtocol.ts). The host speaks gob itself (gob.ts), so a prebuilt binary runs where no Go is
 * installed, and no helper process or build stands between a request and the function.
 *
 * Outcomes: a returned error is 430; a panic is 430 and recycles the instance (scf-go-lib marks it
 * ShouldExit); an exit during a request is 439; no binary 437; a build error 443 with the compiler's
 * output; not listening within initTimeout 450; the time and memory limits as for every runtime.
 */
import { connect, type Socket } from 'node:net';
import { ok, type Outcome } from '../../model/outcome';
import type { ScfRuntime } from '../../model/runtimes';
import { SpawnedInstance } from '../spawnedInstance';
import type { ScfContext } from '../context';
import type { InitOutcome, RunMeasure } from '../instanceTypes';
import type { Cancelable } from '../types';
import { awaitAnswer, awaitInit, RuntimeProcess, type LogSink } from '../runtimeProcess';
import { freePort } from '../webFunction';
import { chooseFor, type RuntimeOptions } from './choose';
import { prepareGoProgram, type GoPrepared, type GoToolchain } from './goBuild';
import { GoRpcClient, type InvokeResponse, type StackFrame } from './goProtocol';
import type { LocalRuntime } from './index';

/**
 * `Go1` runs the function's own program, so the runtime resolves even where no Go is installed (a
 * prebuilt binary needs none; a missing binary is the invocation's 437). The local Go, chosen like every
 * interpreter (scf.runtimePaths.go, PATH, asdf, mise), is what builds the program from source; its path
 * is the runtime's command (empty when there is none).
 */
export function resolveGo(runtime: ScfRuntime, options: RuntimeOptions): Outcome<LocalRuntime> {
  const go = chooseFor(runtime, options);
  if (!go.ok && go.error.code !== 'runtime.notInstalled') return go;
  return ok({
    family: 'go',
    scfRuntime: runtime.name,
    command: go.ok ? go.value.interpreter.path : '',
    version: go.ok ? go.value.version : undefined,
    args: () => [],
    describe: "your Go program, spoken to over net/rpc with gob on the port in _SCF_SERVER_PORT, as SCF's Go runtime does",
  });
}

/** The local Go of a resolved Go1 runtime, if there is one. */
export function goToolchain(runtime: LocalRuntime): GoToolchain | undefined {
  return runtime.command ? { path: runtime.command, version: runtime.version ?? '' } : undefined;
}

/** Connection attempts start 1 ms apart (a refused loopback connect costs microseconds), up to 16 ms. */
const CONNECT_RETRY_MAX_MS = 16;

export class GoInstance extends SpawnedInstance {
  private rpc: GoRpcClient | undefined;

  constructor(
    private readonly codeDir: string,
    private readonly handler: string,
    private readonly env: Record<string, string>,
    sink: LogSink,
    private readonly callerEnv: NodeJS.ProcessEnv,
    private readonly toolchain: GoToolchain | undefined,
  ) {
    super(sink);
  }

  async waitReady(initTimeoutMs: number): Promise<InitOutcome> {
    // Building is the toolchain's time, not the function's: it does not count against initTimeout.
    let prepared: GoPrepared;
    try {
      prepared = await prepareGoProgram(this.codeDir, this.handler, this.callerEnv, this.toolchain);
    } catch (e) {
      // The cache folder could not be written, and the like: the machine's problem, not the function's.
      return { kind: 'spawnError', message: `preparing the Go program failed: ${(e as Error).message}`, code: 500 };
    }
    if (!prepared.ok) return { kind: 'initError', code: prepared.code, message: prepared.message, stack: prepared.stack ?? '' };
    if (this.killed) return { kind: 'exit', description: 'was ended before it started' };
    const program = prepared.program;
    this.watched.add(program.watch);
    const port = String(await freePort()); // each instance its own, so several run at once
    this.proc = new RuntimeProcess(program.path, [], { cwd: this.codeDir, env: { ...this.env, _SCF_SERVER_PORT: port, _LAMBDA_SERVER_PORT: port }, extraPipes: 0 }, this.sink);
    const proc = this.proc;
    const waited = await awaitInit(proc, this.connect(Number(port)), initTimeoutMs, () => this.kill());
    if (waited.kind === 'timeout') return { kind: 'initTimeout', initMs: waited.initMs };
    if (waited.kind === 'exit') {
      if (proc.spawnError) {
        return { kind: 'initError', code: 443, message: `${program.path} could not be started: ${proc.spawnError}`, stack: '' };
      }
      return { kind: 'exit', description: `${proc.exitReason} before it listened on the port in _SCF_SERVER_PORT (does main call cloudfunction.Start from github.com/tencentyun/scf-go-lib?)` };
    }
    const pinged = waited.answer;
    if (!pinged.ok && pinged.closed) {
      this.kill();
      return { kind: 'initError', code: 443, message: `${program.path} accepted a connection on the port in _SCF_SERVER_PORT but does not speak SCF's Go protocol (net/rpc with gob): ${pinged.error}`, stack: '' };
    }
    // A program without Function.Ping still serves Function.Invoke: any net/rpc answer means ready.
    return { kind: 'ready', initMs: waited.initMs, notes: program.notes };
  }

  /** Connects once the program listens, then pings it; stops trying when the instance ends. */
  private async connect(port: number): Promise<{ ok: true } | { ok: false; error: string; closed?: boolean }> {
    for (let delay = 1; ; delay = Math.min(delay * 2, CONNECT_RETRY_MAX_MS)) {
      if (this.dead) return { ok: false, error: 'the program ended', closed: true };
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          resolve(undefined);
        });
      });
      if (socket) {
        if (this.dead) {
          socket.destroy();
          return { ok: false, error: 'the program ended', closed: true };
        }
        socket.setNoDelay(true);
        this.rpc = new GoRpcClient(socket);
        const reply = await this.rpc.ping();
        return reply.ok ? { ok: true } : reply;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async run(payload: string, context: object, timeoutMs: number, memoryLimitMb: number, signal?: Cancelable): Promise<RunMeasure> {
    const proc = this.proc!;
    const rpc = this.rpc!;
    const c = context as ScfContext;
    proc.resetPeakMemory();
    const deadline = Date.now() + c.time_limit_in_ms;
    const replied = rpc.invoke({
      Payload: Buffer.from(payload, 'utf8'),
      RequestId: c.request_id,
      Deadline: { Seconds: Math.floor(deadline / 1000), Nanos: (deadline % 1000) * 1_000_000 },
      // Our choice: SCF's resource name shape (qcs::scf:region:uin/...:namespace/.../function/...).
      InvokedFunctionUnique: `qcs::scf:${c.tencentcloud_region}:uin/${c.tencentcloud_uin}:namespace/${c.namespace}/function/${c.function_name}`,
      Namespace: c.namespace,
      FunctionName: c.function_name,
      FunctionVersion: c.function_version,
      MemoryLimitInMb: c.memory_limit_in_mb,
      TimeLimitInMs: c.time_limit_in_ms,
      Environment: c.environment,
      TencentcloudRegion: c.tencentcloud_region,
      TencentcloudAppID: c.tencentcloud_appid,
      TencentcloudUin: c.tencentcloud_uin,
    });
    const waited = await awaitAnswer(proc, replied, { timeoutMs, memoryLimitMb, signal }, () => this.kill());
    if (!waited.ok) return waited.measure;
    const { answer: reply, sampledKb } = waited;
    // What the program printed before it answered is in the pipes: let them be read, then end the
    // request's last line (Go's stdout is unbuffered; there is no end mark as with our bootstraps).
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    proc.flushLines();
    if (!reply.ok) {
      if (reply.closed) {
        // The connection went with the process (os.Exit, log.Fatal, a crash): report the exit.
        await Promise.race([proc.exited(), new Promise((r) => setTimeout(r, 500))]);
        await proc.drained();
        const description = proc.dead ? proc.exitReason : `closed the connection (${reply.error})`;
        this.kill();
        return { outcome: { kind: 'exit', description }, peakKb: sampledKb };
      }
      return { outcome: { kind: 'error', code: 430, message: `net/rpc: ${reply.error}`, stack: '', recycle: false }, peakKb: sampledKb };
    }
    const peakKb = Math.max(sampledKb, proc.peakMemoryKb());
    if (peakKb > memoryLimitMb * 1024) {
      this.kill();
      return { outcome: { kind: 'memory', usedKb: peakKb }, peakKb };
    }
    const response = reply.body as InvokeResponse;
    if (response.Error) {
      const e = response.Error;
      const message = e.Message ?? 'error';
      return { outcome: { kind: 'error', code: 430, message, stack: formatStack(e.Type, message, e.StackTrace), recycle: e.ShouldExit === true }, peakKb };
    }
    const text = response.Payload?.toString('utf8') ?? '';
    let value: unknown = null;
    try {
      value = text ? JSON.parse(text) : null;
    } catch {
      value = text; // a Handler of its own (StartHandler) may answer with bytes that are not JSON
    }
    return { outcome: { kind: 'result', value, resultBytes: Buffer.byteLength(text) }, peakKb };
  }

  override freeze(): void {
    super.freeze();
    this.rpc?.keepAlive(false);
  }

  override thaw(): void {
    this.rpc?.keepAlive(true);
    super.thaw();
  }

  override kill(): void {
    this.rpc?.destroy();
    super.kill();
  }
}

/** `Type: message` and the frames, one `at label (path:line)` each, as the log shows a stack. */
function formatStack(type: string | undefined, message: string, frames: StackFrame[] | undefined): string {
  if (!frames?.length) return '';
  const lines = [`${type ? `${type}: ` : ''}${message}`];
  for (const f of frames) lines.push(`    at ${f.Label ?? '?'} (${f.Path ?? '?'}:${f.Line ?? 0})`);
  return lines.join('\n');
}
