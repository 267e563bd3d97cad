/**
 * The emulator: runs SCF functions locally the way SCF does. It checks the event like the platform
 * (400, 406), keeps warm instances per function (a changed file or config retires them; concurrent
 * requests get separate instances), enforces time and memory limits (433, 434), maps every outcome to
 * an SCF status code, and streams START / log / END / REPORT lines as they happen.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { FunctionSpec } from '../model';
import { runtimeFamily } from '../model/runtimes';
import { isTimerEvent } from './timerEvent';
import { scfComponentBootstrap } from '../model/webEntry';
import { contextFor, contextTemplate, type ContextTemplate } from './context';
import { newRequestId, now } from './clock';
import { buildEnvironment, DEFAULT_IDENTITY, type FunctionEnvironment, type LocalIdentity } from './environment';
import { pathStamp } from '../model/stamp';
import { checkLayers } from './layers';
import { Instance } from './instance';
import type { InitOutcome, RunOutcome, RuntimeInstance } from './instanceTypes';
import type { LogSink } from './runtimeProcess';
import { ASYNC_EVENT_LIMIT, RESPONSE_LIMIT, SYNC_EVENT_LIMIT } from './limits';
import { billedDuration, endLine, reportLine, startLine } from './logFormat';
import { fail, ok, type Outcome } from '../model/outcome';
import { hasDebugpy, resolveRuntime, type LocalRuntime, type RuntimeOptions } from './runtimes';
import { statusInfo } from './statusCodes';
import type { InvocationType, InvokeOptions, InvokeRequest, InvokeResult, LogLine } from './types';

/** An invocation's result (any status code), or the problem that kept it from running. */
export type InvokeOutcome = Outcome<InvokeResult>;

/** What runs a function: a web server, a Custom Runtime bootstrap, or our bootstrap on a local interpreter. */
export type Prepared = { kind: 'web'; describe: string; bootstrapPath?: string; generated?: { content: string; what: string } } | { kind: 'custom' | 'handler'; runtime: LocalRuntime; describe: string };

export interface EmulatorOptions {
  nodePath?: string;
  pythonPath?: string;
  phpPath?: string;
  /** Interpreters per runtime (`Python3.7`) or family (`python`): the scf.runtimePaths setting, --runtime-path. */
  runtimePaths?: Record<string, string>;
  /** Idle instances end after this long (default 10 minutes). */
  idleTimeoutMs?: number;
  identity?: LocalIdentity;
  /** Where PATH and HOME for the handler come from (default process.env). Nothing else of it is used. */
  callerEnv?: NodeJS.ProcessEnv;
  /**
   * Instances one function may run at once (DEFAULT_MAX_INSTANCES); a request that would need one more
   * ends with 432 ResourceLimitReached, as SCF answers past a function's concurrency quota.
   */
  maxInstancesPerFunction?: number;
}

/**
 * Our local default for maxInstancesPerFunction. SCF's quota is per region (128,000 MB, shared by every
 * function: 1,000 instances of 128 MB); locally each instance is a process of 30-60 MB, so we take a
 * number that a load test on a laptop can reach without filling its memory.
 */
export const DEFAULT_MAX_INSTANCES = 10;

/** What a function's instances are started with, and the pool they live in (Emulator.functionSetup). */
interface FunctionSetup {
  fenv: FunctionEnvironment;
  configKey: string;
  poolKey: string;
  /** The context its requests get, but for the request id: made on its first request. */
  context?: ContextTemplate;
}

interface Pool {
  configKey: string;
  idle: RuntimeInstance[];
  all: Set<RuntimeInstance>;
}

const DEFAULT_IDLE_MS = 10 * 60 * 1000;

/** How long a released instance stays idle before it is frozen (release()). */
const FREEZE_AFTER_MS = 10;

export class Emulator {
  private readonly pools = new Map<string, Pool>();
  /** Output of warm instances between two requests, for the next one's log. */
  private readonly between = new WeakMap<RuntimeInstance, { held: Array<['stdout' | 'stderr', string]>; sink: LogSink }>();
  private readonly idleTimeoutMs: number;
  private readonly identity: LocalIdentity;
  private readonly callerEnv: NodeJS.ProcessEnv;
  private readonly maxInstances: number;
  private readonly killAllOnExit = () => this.killAll();
  private readonly setups = new WeakMap<FunctionSpec, { stamps: string[]; plain?: FunctionSetup; timer?: FunctionSetup }>();
  private readonly overrides = new WeakMap<FunctionSpec, Map<number, FunctionSpec>>();
  private disposed = false;

  constructor(private readonly options: EmulatorOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.identity = options.identity ?? DEFAULT_IDENTITY;
    this.callerEnv = options.callerEnv ?? process.env;
    this.maxInstances = Math.max(1, Math.floor(options.maxInstancesPerFunction ?? DEFAULT_MAX_INSTANCES));
    process.on('exit', this.killAllOnExit);
  }

  /** How interpreters are chosen for this emulator's functions (runtimes/choose.ts). */
  private runtimeOptions(): RuntimeOptions {
    return { nodePath: this.options.nodePath, pythonPath: this.options.pythonPath, phpPath: this.options.phpPath, runtimePaths: this.options.runtimePaths, env: this.callerEnv };
  }

  /** Checks what must hold before any code can run; a problem here is the caller's to fix. */
  prepare(spec: FunctionSpec): Outcome<Prepared> {
    if (!spec.handler && spec.type !== 'web' && runtimeFamily(spec.runtime) !== 'custom') {
      const key = spec.functionKey !== undefined ? `inputs.functions.${spec.functionKey}.handler (or a shared inputs.handler)` : 'inputs.handler';
      return fail('emulator.noHandler', `${spec.file}: ${key} is missing; add e.g. \`handler: index.main_handler\``, { file: spec.file });
    }
    let isDir = false;
    try {
      isDir = statSync(spec.codeDir).isDirectory();
    } catch {
      /* reported below */
    }
    if (!isDir) {
      const key = spec.inputRanges?.srcKey ?? 'inputs.src';
      return fail('emulator.codeDirMissing', `${at(spec, 'src')}: the code folder ${spec.codeDir} (${key}) does not exist; fix ${key.replace(/^inputs\./, '')} or create the folder`, { file: spec.file, range: spec.inputRanges?.src });
    }
    // A layer that cannot be mounted stops the invocation before any code runs.
    const layers = checkLayers(spec);
    if (!layers.ok) return { ok: false, error: { code: layers.error.code, message: layers.error.message } };
    if (spec.type === 'web') {
      // A web function's scf_bootstrap is the program: the runtime only says which language image SCF starts it in.
      if (!spec.bootstrap) {
        // The scf component adds an scf_bootstrap for `entryFile` when the code has none: the same one runs here.
        const added = existsSync(join(spec.codeDir, 'scf_bootstrap')) ? undefined : scfComponentBootstrap(spec.runtime, spec.entryFile);
        if (added) return ok({ kind: 'web', describe: `the scf_bootstrap the scf component adds for entryFile ${added.entryFile} (the code has none), as a web server`, generated: { content: added.content, what: 'the scf component' } });
        return ok({ kind: 'web', describe: 'your scf_bootstrap as a web server (port 9000)' });
      }
      // The http component's start command for the framework (the code has no scf_bootstrap of its own),
      // or faas.bootstrap.cmd: run as written for SCF, its image paths mapped like any scf_bootstrap's.
      const written = (require('./generatedBootstrap') as typeof import('./generatedBootstrap')).materializeBootstrap(spec);
      if (!written.ok) return written;
      const from = spec.bootstrap.source === 'faas.bootstrap.cmd' ? 'faas.bootstrap.cmd' : `the http component's start command for ${spec.bootstrap.framework} (the code has no scf_bootstrap)`;
      return ok({ kind: 'web', describe: `${from}, as a web server`, bootstrapPath: written.value });
    }
    const runtime = resolveRuntime(spec.runtime, { nodePath: this.options.nodePath, pythonPath: this.options.pythonPath, phpPath: this.options.phpPath, runtimePaths: this.options.runtimePaths, env: this.callerEnv });
    if (!runtime.ok) return fail(runtime.error.code, `${at(spec, 'runtime')}: ${runtime.error.message}`, { file: spec.file, range: spec.inputRanges?.runtime });
    return ok({ kind: runtime.value.family === 'custom' ? 'custom' : 'handler', runtime: runtime.value, describe: runtime.value.describe });
  }

  // (not async: the promise is invokeSpec's own, without one more wrapped around it)
  invoke(req: InvokeRequest, opts: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.disposed) return Promise.resolve({ ok: false, error: { code: 'emulator.disposed', message: 'the emulator has been shut down' } });
    const override = req.timeoutOverride;
    if (override !== undefined && override > 0 && override !== req.spec.timeout) {
      return this.invokeSpec({ ...req, spec: this.withTimeout(req.spec, override), timeoutOverride: undefined }, opts, req.spec);
    }
    return this.invokeSpec(req, opts, undefined);
  }

  /** `overridden`: the spec as written, when timeoutOverride replaced its timeout (req.spec is the derived one). */
  private async invokeSpec(req: InvokeRequest, opts: InvokeOptions, overridden: FunctionSpec | undefined): Promise<InvokeOutcome> {
    const spec = req.spec;
    const debugging = req.debug !== undefined;
    // What the function's instances are (their environment, their pool) is known per spec and kept
    // while nothing it came from changed (functionSetup): a warm invoke rebuilds none of it.
    const setup = this.functionSetup(spec, isTimerEvent(req.payload), req.specJustChecked === true);
    const pool = this.pool(setup.poolKey, setup.configKey);
    // Checking the runtime, the code folder and the layers is for starting an instance: a warm instance
    // that is still reusable was started after they passed, and a change to any of them retires it.
    let prepared: Prepared | undefined;
    if (debugging || pool.idle.length === 0) {
      const checked = this.prepare(spec);
      if (!checked.ok) return checked;
      prepared = checked.value;
    }
    const invocationType: InvocationType = req.invocationType ?? 'RequestResponse';
    // The request id is made when first needed: on a cold start, after the runtime process has been
    // started, so that making it (node:crypto) overlaps the runtime's own start-up (clock.ts).
    let requestId = req.requestId;
    const id = (): string => (requestId ??= newRequestId());
    const log = (stream: LogLine['stream'], text: string) => opts.onLog?.({ requestId: id(), stream, text, time: Date.now() });
    if (overridden) log('platform', `[WARN] timeout ${spec.timeout} s from the timeoutOverride setting instead of ${overridden.timeout} s from ${basename(spec.file)}`);
    if (debugging) {
      const refused = debugRefusal(prepared!);
      if (refused) return { ok: false, error: { code: 'emulator.debugUnavailable', message: `${spec.file}: ${refused}` } };
    }
    const base = () => ({ requestId: id(), memorySize: spec.memorySize, invocationType, coldStart: false, durationMs: 0, billedDurationMs: 0, maxMemoryUsedMB: 0 });

    // Invocation errors: the platform refuses these before any code runs.
    const refused = checkEvent(req.payload, invocationType, req.payloadMadeByStringify === true);
    if (refused) {
      log('platform', errorLine(refused.statusCode, refused.errorMessage));
      return ok(finish({ ...base(), ...refused }));
    }

    const fenv = setup.fenv;
    // A debug session gets an instance of its own, started under the debugger and ended afterwards.
    let instance = debugging ? undefined : this.takeIdle(pool);
    if (!instance && !prepared) {
      // the idle instances were not reusable after all (their code changed): this is a cold start
      const checked = this.prepare(spec);
      if (!checked.ok) return checked;
      prepared = checked.value;
    }
    if (!instance && !debugging && this.liveInstances(pool) >= this.maxInstances) {
      // SCF's answer for concurrency over the quota: 432, before any code runs (never retried for a
      // sync call; the async queue retries it until msgTTL). The gateway shows it as HTTP 429.
      const errorMessage = `ResourceLimitReached: ${spec.name} already runs ${this.maxInstances} instances, the local concurrency limit (maxInstancesPerFunction); retry when one is free, or raise the limit (--max-instances, setting scf.gateway.maxInstancesPerFunction)`;
      log('platform', errorLine(432, errorMessage));
      return ok(finish({ ...base(), statusCode: 432, errorMessage }));
    }
    const sink: LogSink = Object.assign((stream: 'stdout' | 'stderr', text: string) => log(stream, text), { pace: opts.logPace });
    const started = now();
    let coldStart = false;
    let initDurationMs: number | undefined;
    if (!instance) {
      coldStart = true;
      const p = prepared!;
      instance =
        p.kind === 'custom'
          ? new (lazyInstances().CustomInstance)(spec.codeDir, spec.handler ?? '', fenv.env, sink, { memorySize: spec.memorySize, timeout: spec.timeout }, this.runtimeOptions())
          : p.kind === 'web'
            ? new (lazyInstances().WebInstance)(spec.codeDir, fenv.env, sink, { name: spec.name, namespace: spec.namespace, region: spec.region, ...this.identity }, {
                runtimeOptions: this.runtimeOptions(),
                bootstrapPath: p.bootstrapPath,
                generated: p.generated,
              })
            : p.kind === 'handler' && p.runtime.family === 'go'
              ? new (lazyInstances().GoInstance)(spec.codeDir, spec.handler!, fenv.env, sink, this.callerEnv, lazyInstances().goToolchain(p.runtime))
              : new Instance(p.runtime, spec.codeDir, spec.handler!, fenv.env, sink, {
                functionGraph: spec.platform === 'functiongraph',
                initializer: spec.initializer,
                debugPort: req.debug?.port,
                memorySize: spec.memorySize,
              });
      pool.all.add(instance);
    }
    // Accepted, and START: the runtime's first output can only come after this turn of the event loop.
    opts.onAccepted?.(id());
    const ownLines = opts.platformLinesFromResult !== true;
    if (ownLines) log('platform', startLine(id()));
    if (coldStart) {
      for (const w of fenv.warnings) log('platform', `[WARN] ${w}`);
      if (debugging) {
        log('platform', `[DEBUG] Debugging ${spec.name} on 127.0.0.1${req.debug!.port ? `:${req.debug!.port}` : ' (port in the next lines)'}: the runtime waits for the debugger before loading the handler.`);
        log('platform', `[DEBUG] Time limits are not enforced while debugging (paused time would count against them): a request that runs past timeout (${spec.timeout} s) is reported, not ended.`);
      }
      const init = await instance.waitReady(debugging ? Infinity : spec.initTimeout * 1000);
      initDurationMs = (init as { initMs?: number }).initMs ?? now() - started;
      if (init.kind !== 'ready') {
        pool.all.delete(instance);
        instance.kill();
        const failed = initFailure(init, spec);
        log('platform', errorLine(failed.statusCode, failed.errorMessage));
        if (failed.errorStack) log('stderr', failed.errorStack);
        const result = finish({ ...base(), ...failed, coldStart, initDurationMs, durationMs: now() - started });
        if (ownLines) platformEnd(log, result);
        return ok(result);
      }
      for (const note of init.notes ?? []) log('platform', note);
      log('platform', `Runtime ${spec.runtime} runs on ${prepared!.describe}`);
    } else {
      instance.setSink(sink);
      // What the instance printed after its last request ended (a Custom Runtime's curl output ...) comes first.
      const held = this.between.get(instance)?.held;
      if (held !== undefined && held.length > 0) for (const [stream, text] of held.splice(0)) sink(stream, text);
    }
    instance.busy = true;
    const context = contextFor((setup.context ??= contextTemplate(spec, fenv.userVariables, this.identity)), id());
    const runStarted = now();
    const running = instance.run(req.payload, context, debugging ? Infinity : spec.timeout * 1000, spec.memorySize, opts.signal);
    // A warm instance frozen while idle (takeIdle) runs again once its request is on its way: run()
    // has written it to the instance's channel before its first await, so on SIGCONT the runtime
    // finds it there and wakes once, not once for the signal and again for the request.
    instance.thaw();
    const { outcome, peakKb } = await running;
    // The request is over: later output belongs to no request yet, so it never lands after this one's END
    // (with --json the result stays the last line); it opens the next request's log.
    instance.setSink(this.betweenSink(instance));
    const durationMs = now() - runStarted;
    instance.busy = false;
    if (debugging && durationMs > spec.timeout * 1000) {
      log('platform', `[DEBUG] The request ran ${(durationMs / 1000).toFixed(1)} s, past its timeout of ${spec.timeout} s (pauses included): on SCF it would have ended with 433 TimeLimitReached.`);
    }

    const mapped = mapOutcome(outcome, spec);
    const taskLimit = !mapped.recycle && instance.reachedTaskLimit;
    if (taskLimit) log('platform', `[WARN] The instance reached SCF's limit of 1,024 processes and threads during the request; it is recycled (its processes are ended).`);
    const recycle = mapped.recycle || instance.dead || debugging || taskLimit;
    if (recycle) {
      pool.all.delete(instance);
      instance.kill();
    } else {
      this.release(pool, instance);
    }
    if (mapped.statusCode !== 200) {
      log('platform', errorLine(mapped.statusCode, mapped.errorMessage));
      if (mapped.errorStack) log('stderr', mapped.errorStack);
    } else if (invocationType === 'Event') {
      log('platform', `Result (async, not returned to the caller): ${JSON.stringify(mapped.result)}`);
    }
    const result = finish({
      requestId: id(),
      memorySize: spec.memorySize,
      invocationType,
      coldStart,
      durationMs,
      maxMemoryUsedMB: Math.ceil(peakKb / 1024),
      statusCode: mapped.statusCode,
      result: invocationType === 'Event' ? null : mapped.result,
      errorMessage: mapped.errorMessage,
      errorStack: mapped.errorStack,
      initDurationMs,
    });
    if (opts.resultText && mapped.resultText !== undefined && invocationType !== 'Event') opts.resultText.text = mapped.resultText;
    if (ownLines) platformEnd(log, result);
    return ok(result);
  }

  /**
   * The function's environment and the keys of its instance pool, built once per spec (and kind of
   * event: timer events get instances of their own) and kept while the spec object is the same and
   * the files the environment reads (.env, the layer folders) are unchanged: a few stats per invoke
   * instead of building the environment and its JSON again.
   */
  private functionSetup(spec: FunctionSpec, timer: boolean, justChecked: boolean): FunctionSetup {
    let entry = this.setups.get(spec);
    // (a spec the caller has just checked is the same object only while those files are unchanged)
    const stamps = entry && justChecked ? entry.stamps : [join(dirname(spec.file), '.env'), ...(spec.layers ?? []).flatMap((l) => (l.dir ? [l.dir] : []))].map(pathStamp);
    if (!entry || entry.stamps.length !== stamps.length || entry.stamps.some((s, i) => s !== stamps[i])) {
      entry = { stamps };
      this.setups.set(spec, entry);
    }
    const kind = timer ? 'timer' : 'plain';
    const known = entry[kind];
    if (known) return known;
    const fenv = buildEnvironment(spec, this.callerEnv, this.identity);
    // SCF sets TRIGGER_SRC=timer in instances a timer trigger runs (facts §2): timer events get instances of their own.
    if (timer) fenv.env.TRIGGER_SRC = 'timer';
    const configKey = JSON.stringify([spec.runtime, spec.handler, spec.platform, spec.initializer, spec.codeDir, spec.memorySize, spec.timeout, spec.initTimeout, fenv.env, this.options.nodePath, this.options.pythonPath, this.options.phpPath, this.options.runtimePaths]);
    return (entry[kind] = { fenv, configKey, poolKey: `${spec.file}#${spec.name}${timer ? '#timer' : ''}` });
  }

  /**
   * The sink a warm instance has between two requests: it keeps what the instance prints then (at most
   * 1,000 lines) for the next request's log. One per instance, not one made per request.
   */
  private betweenSink(instance: RuntimeInstance): LogSink {
    let entry = this.between.get(instance);
    if (!entry) {
      const held: Array<['stdout' | 'stderr', string]> = [];
      entry = {
        held,
        sink: (stream, text) => {
          if (held.length < 1000) held.push([stream, text]);
        },
      };
      this.between.set(instance, entry);
    }
    return entry.sink;
  }

  /** The spec with its timeout replaced (timeoutOverride), the same object for the same override. */
  private withTimeout(spec: FunctionSpec, timeout: number): FunctionSpec {
    let derived = this.overrides.get(spec);
    if (!derived) this.overrides.set(spec, (derived = new Map()));
    let out = derived.get(timeout);
    if (!out) derived.set(timeout, (out = { ...spec, timeout }));
    return out;
  }

  /** Instances of one function that are alive (busy, idle or starting). */
  private liveInstances(pool: Pool): number {
    let n = 0;
    for (const i of pool.all) if (!i.dead) n++;
    return n;
  }

  /** How many runtime processes are alive (for tests and the status bar). */
  instanceCount(): number {
    let n = 0;
    for (const p of this.pools.values()) for (const i of p.all) if (!i.dead) n++;
    return n;
  }

  /** Ends every instance. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.killAll();
    process.off('exit', this.killAllOnExit);
  }

  private killAll(): void {
    for (const pool of this.pools.values()) {
      for (const i of pool.all) i.kill();
      pool.all.clear();
      pool.idle = [];
    }
  }

  private pool(key: string, configKey: string): Pool {
    let pool = this.pools.get(key);
    if (pool && pool.configKey !== configKey) {
      // serverless.yml or .env changed: idle instances run the old configuration
      for (const i of pool.idle) {
        pool.all.delete(i);
        i.kill();
      }
      pool.idle = [];
      pool.configKey = configKey;
    }
    if (!pool) {
      pool = { configKey, idle: [], all: new Set() };
      this.pools.set(key, pool);
    }
    return pool;
  }

  private takeIdle(pool: Pool): RuntimeInstance | undefined {
    while (pool.idle.length > 0) {
      const i = pool.idle.pop()!;
      // (a pending freeze is left to find the instance busy: see release())
      if (i.idleTimer) clearTimeout(i.idleTimer);
      i.idleTimer = undefined;
      if (i.reusable()) return i; // (thawed once its request is written: invokeSpec)
      pool.all.delete(i);
      i.kill();
    }
    return undefined;
  }

  private release(pool: Pool, instance: RuntimeInstance): void {
    if (this.disposed || pool.configKey === undefined) {
      instance.kill();
      return;
    }
    pool.idle.push(instance);
    instance.releasedAt = now();
    // An idle instance is frozen, as on SCF (sandbox.ts), once it has been idle FREEZE_AFTER_MS. Our
    // choice: SCF freezes once the answer is out; waiting a few ms lets back-to-back requests (a test
    // suite, a load test) skip a SIGSTOP and a SIGCONT each, and gives a handler's background work at
    // most those ms more than SCF would. Back-to-back requests share one pending freeze: it is set
    // when none is, and when it fires it freezes the instance if it has been idle long enough since
    // its last release, waits out the rest if it has been idle less, and ends if the instance is busy
    // (its next release sets another).
    if (!instance.freezeTimer) this.freezeLater(pool, instance, Math.min(FREEZE_AFTER_MS, this.idleTimeoutMs));
  }

  private freezeLater(pool: Pool, instance: RuntimeInstance, ms: number): void {
    instance.freezeTimer = setTimeout(() => {
      instance.freezeTimer = undefined;
      if (instance.busy || instance.dead || !pool.idle.includes(instance)) return;
      const wait = Math.min(FREEZE_AFTER_MS, this.idleTimeoutMs) - (now() - (instance.releasedAt ?? 0));
      if (wait > 1) return this.freezeLater(pool, instance, wait);
      instance.freeze();
      // then the idle timeout (a request that comes first clears it: takeIdle)
      instance.idleTimer = setTimeout(() => {
        pool.idle = pool.idle.filter((i) => i !== instance);
        pool.all.delete(instance);
        instance.kill();
      }, Math.max(0, this.idleTimeoutMs - FREEZE_AFTER_MS));
      instance.idleTimer.unref();
    }, ms);
    instance.freezeTimer.unref();
  }
}

/**
 * The instance kinds a Node.js or Python cold start does not need, loaded on first use: web functions
 * and Custom Runtimes bring node:http and node:net, Go its toolchain.
 */
function lazyInstances(): { CustomInstance: typeof import('./customRuntime').CustomInstance; WebInstance: typeof import('./webFunction').WebInstance; GoInstance: typeof import('./runtimes/go').GoInstance; goToolchain: typeof import('./runtimes/go').goToolchain } {
  const { CustomInstance } = require('./customRuntime') as typeof import('./customRuntime');
  const { WebInstance } = require('./webFunction') as typeof import('./webFunction');
  const { GoInstance, goToolchain } = require('./runtimes/go') as typeof import('./runtimes/go');
  return { CustomInstance, WebInstance, GoInstance, goToolchain };
}

/** Why a runtime cannot be debugged here, if it cannot. */
function debugRefusal(prepared: Prepared): string | undefined {
  const runtime = prepared.kind === 'handler' ? prepared.runtime : undefined;
  if (runtime?.family === 'nodejs' || runtime?.family === 'java') return undefined;
  if (runtime?.family === 'python') {
    if (hasDebugpy(runtime.command)) return undefined;
    return `debugging a Python function needs debugpy in ${runtime.command}; install it with: ${runtime.command} -m pip install debugpy`;
  }
  if (runtime?.family === 'php') return 'debugging is available for Node.js, Python and Java functions; for PHP, invoke the function normally with Xdebug enabled in a php_extension ini (xdebug.mode=debug, xdebug.start_with_request=yes) and your editor listening for it';
  if (runtime?.family === 'go') return "debugging is available for Node.js, Python and Java functions; for Go, invoke the function once (its program stays warm) and attach Delve to that process (dlv attach PID)";
  return 'debugging is available for Node.js, Python and Java functions; Custom Runtime and web functions start your own scf_bootstrap, so attach your debugger to it directly';
}

/** The platform's checks of an event before any code runs: 406 for size, 400 for not-a-JSON-object. */
export function checkEvent(payload: string, invocationType: InvocationType, madeByStringify = false): { statusCode: 400 | 406; errorMessage: string } | undefined {
  const limit = invocationType === 'Event' ? ASYNC_EVENT_LIMIT : SYNC_EVENT_LIMIT;
  const size = Buffer.byteLength(payload);
  if (size > limit) {
    return {
      statusCode: 406,
      errorMessage: `the event is ${formatBytes(size)}, over the ${invocationType === 'Event' ? 'async' : 'sync'} limit of ${formatBytes(limit)}`,
    };
  }
  // JSON.stringify's text is JSON, and an object's starts with "{": no need to parse a 5 MB event again.
  if (madeByStringify && payload.charCodeAt(0) === 123) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (e) {
    return { statusCode: 400, errorMessage: `the event is not valid JSON: ${(e as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { statusCode: 400, errorMessage: `the event must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}` };
  }
  return undefined;
}

type Mapped = { statusCode: number; result: unknown; errorMessage?: string; errorStack?: string; recycle: boolean; resultText?: string };

function mapOutcome(outcome: RunOutcome, spec: FunctionSpec): Mapped {
  switch (outcome.kind) {
    case 'result':
      if (outcome.resultBytes > RESPONSE_LIMIT) {
        return { statusCode: 407, result: null, recycle: false, errorMessage: `the result is ${formatBytes(outcome.resultBytes)}, over the limit of ${formatBytes(RESPONSE_LIMIT)}` };
      }
      return { statusCode: 200, result: outcome.value, recycle: false, resultText: outcome.text };
    case 'error':
      return { statusCode: outcome.code, result: null, recycle: outcome.recycle, errorMessage: outcome.message, errorStack: outcome.stack || undefined };
    case 'timeout':
      return { statusCode: 433, result: null, recycle: true, errorMessage: `time out: the function ran past its timeout of ${spec.timeout} s; raise timeout in ${basename(spec.file)} or make the handler faster` };
    case 'memory':
      return {
        statusCode: 434,
        result: null,
        recycle: true,
        errorMessage: `memory limit reached: the instance used ${Math.ceil(outcome.usedKb / 1024)} MB, over memorySize ${spec.memorySize} MB; raise memorySize in ${basename(spec.file)} or use less memory`,
      };
    case 'exit':
      return { statusCode: 439, result: null, recycle: true, errorMessage: `User process exit when running: the runtime process ${outcome.description} during the request` };
    case 'canceled':
      return { statusCode: 499, result: null, recycle: true, errorMessage: 'the request was canceled' };
  }
}

function initFailure(init: Exclude<InitOutcome, { kind: 'ready' }>, spec: FunctionSpec): { statusCode: number; errorMessage: string; errorStack?: string } {
  const file = relative(process.cwd(), spec.file) || spec.file;
  switch (init.kind) {
    case 'initError':
      // The runtime's message names the handler when it is about it (437): name it once.
      return { statusCode: init.code, errorMessage: init.message.includes(`"${spec.handler}"`) ? `${init.message} (in ${file})` : `${init.message} (handler "${spec.handler}" in ${file})`, errorStack: init.stack || undefined };
    case 'initTimeout':
      return { statusCode: 450, errorMessage: `loading the handler took longer than initTimeout (${spec.initTimeout} s); raise initTimeout in ${basename(spec.file)} or do less work when the module loads` };
    case 'exit':
      return { statusCode: init.code ?? 439, errorMessage: `User process exit when running: the runtime process ${init.description} while loading the handler` };
    case 'spawnError':
      return { statusCode: init.code ?? 500, errorMessage: init.message };
  }
}

/**
 * The result of an invocation from its measures: durations rounded and billed, the status named. One
 * object of one shape, its keys in one order, built as a literal (no spreads: on the warm path each
 * spread's property store missed its inline cache and made a map per invoke).
 */
function finish(r: Omit<InvokeResult, 'statusName' | 'result' | 'billedDurationMs'> & { result?: unknown }): InvokeResult {
  return {
    requestId: r.requestId,
    memorySize: r.memorySize,
    invocationType: r.invocationType,
    coldStart: r.coldStart,
    durationMs: Math.round(r.durationMs * 100) / 100,
    billedDurationMs: r.durationMs > 0 ? billedDuration(r.durationMs) : 0,
    maxMemoryUsedMB: r.maxMemoryUsedMB,
    statusCode: r.statusCode,
    result: r.result ?? null,
    errorMessage: r.errorMessage,
    errorStack: r.errorStack,
    initDurationMs: r.initDurationMs === undefined ? undefined : Math.round(r.initDurationMs * 100) / 100,
    statusName: statusInfo(r.statusCode).name,
  };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** END and REPORT, the last lines of an invocation that had its START. */
function platformEnd(log: (stream: LogLine['stream'], text: string) => void, result: InvokeResult): void {
  log('platform', endLine(result.requestId));
  log('platform', reportLine(result));
}

/** The platform's `[ERROR]` log line: code, name and message (a message that starts with the name says it once). */
function errorLine(statusCode: number, errorMessage: string | undefined): string {
  const name = statusInfo(statusCode).name;
  const message = errorMessage ?? '';
  return `[ERROR] ${statusCode} ${message.startsWith(name) ? message : `${name}: ${message}`}`;
}

/** `file:line:column` of one of the function's inputs where it is written, else the file alone. */
function at(spec: FunctionSpec, input: 'runtime' | 'src'): string {
  const range = spec.inputRanges?.[input];
  return range ? `${spec.file}:${range.line + 1}:${range.column + 1}` : spec.file;
}
