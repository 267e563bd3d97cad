/**
 * The resolved invoke (docs/performance.md, "CLI cold invoke"): what `scf-toolkit invoke` computes
 * from serverless.yml before it runs anything — the function's spec and the warnings the model
 * printed — kept from the last cold invoke of the same target with **every input it was computed
 * from**, so that the next one, when all of them are the same, skips loading the YAML library and
 * the model (half of the code a cold invoke loads) and reading the file again.
 *
 * Correct by construction: the inputs are recorded while the model runs, not listed by hand. Every
 * call the model makes to `node:fs` in that stretch is recorded with its arguments and what it gave
 * (a file's text, the fields it read of a stat, a folder's entries, whether a path exists, an
 * error's code), and
 * so is every variable it reads from the caller's environment (value or absence); the record also
 * holds the toolkit's build, the working folder and the arguments (less the event and --json, which
 * the model never sees). A later invoke replays each call and compares what it gives now: the same
 * inputs, the same output. Text is compared, not stamps (an edit in place that keeps a file's times
 * and size is seen). Anything the recording cannot replay — an `fs` function other than the reads
 * below, arguments that are not plain data, listing the environment's names — means no record.
 * Only a successful load is kept; errors are computed and printed again every time. Files the
 * toolkit loads as code meanwhile (the YAML library, through require) are the build's, not inputs.
 *
 * The record holds serverless.yml's and .env's text and the function's environment (which may hold
 * secrets), so it is the user's only: the folder 0700, each file 0600, beside the spawn records
 * ($XDG_CACHE_HOME or ~/.cache, scf-toolkit/invoke/), at most 32 (the oldest go), each replaced by
 * the next cold invoke of its target that computed anew. SCF_TOOLKIT_INVOKE_CACHE=0 turns it off
 * (nothing read, nothing written); =verbose says on stderr whether the record was used, and if not,
 * which input differed (a variable or a file is named, never its value).
 *
 * Nothing here imports the model (types only): a hit must not load it.
 */
import type { Dirent, Stats } from 'node:fs';
import Module from 'node:module';
import { dirname, sep } from 'node:path';
import type { FunctionSpec } from '../model/types';
import { pathStamp } from '../model/stamp';
import { argsWithoutEvent, recordFileIn, recordsFolder, writeRecord } from '../emulator/speculation';

// The module object itself (not an import's copy of its names): recording replaces its functions for a while.
const fs = require('node:fs') as typeof import('node:fs');

/** What the invoke takes from the model: the function and the warning lines it prints. */
export interface ResolvedInvoke {
  spec: FunctionSpec;
  warnings: string[];
}

/** One input: an `fs` call with its arguments and what it gave, or a variable of the caller's environment. */
export type Input = { fs: string; args: unknown[]; gave: string } | { env: string; value: string | null };

interface InvokeRecord {
  v: 1;
  key: string;
  inputs: Input[];
  resolved: ResolvedInvoke;
}

/** The `fs` reads a record can replay; any other `fs` function called while recording means no record. */
const REPLAYABLE = new Set(['readFileSync', 'existsSync', 'statSync', 'lstatSync', 'readdirSync', 'realpathSync', 'accessSync', 'readlinkSync']);

function mode(env: NodeJS.ProcessEnv): 'off' | 'on' | 'verbose' {
  const v = env.SCF_TOOLKIT_INVOKE_CACHE;
  return v === '0' ? 'off' : v === 'verbose' ? 'verbose' : 'on';
}

declare const __SCF_TOOLKIT_VERSION__: string | undefined;
const VERSION = typeof __SCF_TOOLKIT_VERSION__ === 'string' ? __SCF_TOOLKIT_VERSION__ : 'dev';

/**
 * The toolkit's build that computed a record: its version, and the stamp of this bundle's file (a
 * build rewrites every file of dist/). Run from source (tests of modules), there is no bundle: no cache.
 */
function buildId(): string | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const stamp = pathStamp(__filename);
  return stamp === 'absent' ? undefined : `${VERSION}:${__filename}:${stamp}`;
}

/** The key of an invoke's record: the build, the working folder, the arguments but the event and --json. */
function recordKey(argv: string[], cwd: string, build: string): string {
  return JSON.stringify([1, build, cwd, argsWithoutEvent(argv)]);
}

/** What an `fs` call gave, as text to compare; undefined when it is not something a record can hold. */
function describe(value: unknown): string | undefined {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Buffer.isBuffer(value)) return `buffer:${value.toString('base64')}`;
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => (typeof v === 'string' ? v : v instanceof fs.Dirent ? `${v.name}:${direntType(v)}` : undefined));
    return items.every((i) => i !== undefined) ? `list:${JSON.stringify(items)}` : undefined;
  }
  return undefined;
}

/**
 * A stat's result as an input: only the fields the model read from it (a folder's stat checked
 * for being a folder does not change when a file is added to it), each with its value.
 */
function statsGave(stats: Stats, fields: Iterable<string>): string {
  const picked: Record<string, unknown> = {};
  for (const f of [...fields].sort()) {
    const v = (stats as unknown as Record<string, unknown>)[f];
    picked[f] = v instanceof Date ? v.getTime() : typeof v === 'bigint' ? String(v) : v;
  }
  return `stats:${JSON.stringify(picked)}`;
}

/** `stats` for the model, noting each field read from it (the Stats methods read theirs through it too). */
function watchedStats(stats: Stats, fields: Set<string>): Stats {
  return new Proxy(stats, {
    get(target, name, receiver) {
      const v = Reflect.get(target, name, receiver) as unknown;
      if (typeof name === 'string' && typeof v !== 'function') fields.add(name);
      return v;
    },
  });
}

function direntType(d: Dirent): string {
  return d.isFile() ? 'f' : d.isDirectory() ? 'd' : d.isSymbolicLink() ? 'l' : 'o';
}

/** Calls `fn` and describes what it gave or threw (an error by its code). */
function outcomeOf(fn: () => unknown): { value?: unknown; error?: unknown; gave: string | undefined } {
  try {
    const value = fn();
    return { value, gave: describe(value) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    return { error, gave: typeof code === 'string' ? `error:${code}` : undefined };
  }
}

const isPlain = (v: unknown): boolean => v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v) || (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(isPlain));

/**
 * Runs `compute` (the model's load) with the caller's environment `env`, recording every input it
 * reads (see above). `inputs` is undefined when one of them cannot be replayed.
 */
export function recordingInputs<T>(env: NodeJS.ProcessEnv, compute: (env: NodeJS.ProcessEnv) => T): { value: T; inputs: Input[] | undefined } {
  const inputs: Input[] = [];
  const stats: Array<{ input: { gave: string }; stats: Stats; fields: Set<string> }> = [];
  let replayable = true;
  const seenEnv = new Set<string>();
  const watched = new Proxy(env, {
    get(target, name) {
      if (typeof name !== 'string') {
        replayable = false;
        return Reflect.get(target, name);
      }
      const value = target[name];
      if (!seenEnv.has(name)) {
        seenEnv.add(name);
        inputs.push({ env: name, value: value ?? null });
      }
      return value;
    },
    has(target, name) {
      if (typeof name !== 'string') replayable = false;
      else if (!seenEnv.has(name)) {
        seenEnv.add(name);
        inputs.push({ env: name, value: target[name] ?? null });
      }
      return Reflect.has(target, name);
    },
    ownKeys(target) {
      replayable = false;
      return Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, name) {
      replayable = false;
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
  });

  // While a require() of the toolkit's own code (its folder, Node's built-ins) runs, fs calls are the
  // module loader's, not the model's inputs; a require of any other file is an input it cannot replay.
  const loader = Module as unknown as { prototype: { require: (id: string) => unknown }; _resolveFilename(id: string, parent: unknown): string; isBuiltin(id: string): boolean };
  const proto = loader.prototype;
  const originalRequire = proto.require;
  const ownFolder = dirname(__filename); // dist/, where every bundle and library of the toolkit is
  let requiring = 0;
  proto.require = function (this: unknown, id: string) {
    if (requiring === 0 && !loader.isBuiltin(id)) {
      try {
        if (!loader._resolveFilename(id, this).startsWith(ownFolder + sep)) replayable = false;
      } catch {
        replayable = false;
      }
    }
    requiring++;
    try {
      return originalRequire.call(this, id);
    } finally {
      requiring--;
    }
  };
  const fsObject = fs as unknown as Record<string, unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of Object.keys(fsObject)) {
    const original = fsObject[name];
    // functions only, not the classes (Stats, Dirent, ReadStream...), which instanceof needs as they are
    if (typeof original !== 'function' || /^[A-Z]/.test(name)) continue;
    originals.set(name, original as (...args: unknown[]) => unknown);
    const wrapper = function (this: unknown, ...args: unknown[]) {
      if (requiring > 0) return (original as (...a: unknown[]) => unknown).apply(this, args);
      if (!REPLAYABLE.has(name) || !args.every(isPlain)) {
        replayable = false;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      }
      const result = outcomeOf(() => (original as (...a: unknown[]) => unknown).apply(this, args));
      if (result.value instanceof fs.Stats) {
        const input = { fs: name, args, gave: '' };
        const fields = new Set<string>();
        inputs.push(input);
        stats.push({ input, stats: result.value, fields });
        return watchedStats(result.value, fields);
      }
      if (result.gave === undefined) replayable = false;
      else inputs.push({ fs: name, args, gave: result.gave });
      if ('error' in result && result.error !== undefined) throw result.error;
      return result.value;
    };
    // a function's own functions (realpathSync.native) stay callable, and are not replayable
    for (const [key, own] of Object.entries(original)) {
      (wrapper as unknown as Record<string, unknown>)[key] =
        typeof own === 'function'
          ? function (this: unknown, ...args: unknown[]) {
              if (requiring === 0) replayable = false;
              return (own as (...a: unknown[]) => unknown).apply(this, args);
            }
          : own;
    }
    fsObject[name] = wrapper;
  }
  try {
    const value = compute(watched);
    for (const s of stats) s.input.gave = statsGave(s.stats, s.fields);
    return { value, inputs: replayable ? inputs : undefined };
  } finally {
    for (const [name, original] of originals) fsObject[name] = original;
    proto.require = originalRequire;
  }
}

/** The first input that differs now, named (a variable or a path, never a value), or undefined when all are the same. */
function changedInput(inputs: Input[], env: NodeJS.ProcessEnv): string | undefined {
  const fsObject = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const input of inputs) {
    if ('env' in input) {
      if ((env[input.env] ?? null) !== input.value) return `the variable ${input.env} changed`;
      continue;
    }
    const fn = fsObject[input.fs];
    const now = typeof fn === 'function' ? outcomeOf(() => fn(...input.args)) : undefined;
    const gave = now?.value instanceof fs.Stats && input.gave.startsWith('stats:') ? statsGave(now.value, Object.keys(JSON.parse(input.gave.slice(6)) as object)) : now?.gave;
    if (gave !== input.gave) return `${String(input.args[0])} changed (${input.fs})`;
  }
  return undefined;
}

/** Set by cachedInvoke: the key to save this invoke's record under, when it computed anew. */
let pendingKey: string | undefined;

/**
 * The resolved invoke of the last cold invoke of the same target, when every input it was computed
 * from is the same now; else undefined (and this invoke's result is to be saved with saveInvoke).
 */
export function cachedInvoke(argv: string[], cwd: string, env: NodeJS.ProcessEnv): ResolvedInvoke | undefined {
  pendingKey = undefined;
  const m = mode(env);
  if (m === 'off') return undefined;
  const build = buildId();
  if (!build) return undefined;
  const key = recordKey(argv, cwd, build);
  pendingKey = key;
  const say = (what: string) => {
    if (m === 'verbose') process.stderr.write(`scf-toolkit: resolved invoke: ${what}\n`);
  };
  let record: InvokeRecord;
  try {
    record = JSON.parse(fs.readFileSync(recordFile(env, key), 'utf8')) as InvokeRecord;
  } catch {
    say('computed (no record of this invoke yet)');
    return undefined;
  }
  if (record.v !== 1 || record.key !== key) {
    say('computed (no record of this invoke yet)');
    return undefined;
  }
  const changed = changedInput(record.inputs, env);
  if (changed) {
    say(`computed (${changed})`);
    return undefined;
  }
  pendingKey = undefined;
  say('reused (the same inputs)');
  return record.resolved;
}

function recordFile(env: NodeJS.ProcessEnv, key: string): string {
  return recordFileIn(recordsFolder(env, 'invoke'), key);
}

/**
 * After an invoke that computed its function anew (cachedInvoke gave nothing): keeps what it
 * computed with the inputs it was computed from, for the next cold invoke of the same target. Never
 * throws; without a writable cache folder the next invoke computes as usual.
 */
export function saveInvoke(resolved: ResolvedInvoke, inputs: Input[] | undefined, env: NodeJS.ProcessEnv): void {
  const key = pendingKey;
  pendingKey = undefined;
  if (key === undefined || inputs === undefined) return;
  const record: InvokeRecord = { v: 1, key, inputs, resolved };
  writeRecord(recordsFolder(env, 'invoke'), recordFile(env, key), record);
}

/**
 * A copy of what the model gave as the record holds it (JSON: keys whose value is undefined are
 * left out), so that an invoke that computed anew runs with exactly what a later one reads back.
 */
export function asRecorded(resolved: ResolvedInvoke): ResolvedInvoke {
  return JSON.parse(JSON.stringify(resolved)) as ResolvedInvoke;
}
