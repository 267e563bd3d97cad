/**
 * The function specs a long-lived process (the emulator host, the gateway) invokes again and again:
 * serverless.yml is read and parsed once, then reused for as long as nothing it was built from has
 * changed. Checking that costs a few stats per invoke (modification time, size and inode; see
 * model/stamp.ts), never a read of the content.
 *
 * What a spec depends on: the serverless.yml itself; its folder (a `.env`, a serverless.yml or a
 * template.yaml appearing or going); the `.env`; each function's code folder (an `scf_bootstrap`
 * appearing changes what the http component generates); each layer folder; and, when the file names
 * other instances of its app (`${output:...}`, `component: layer` folders), those files and their
 * folders as the model found them (model/app.ts, which itself re-walks at most every 2 s).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fail, loadServerlessFile, pickFunction, resolveServerlessFile, type FunctionSpec, type LoadedFile, type LoadOptions, type Outcome } from '../model';
import { appCandidateFiles } from '../model/app';
import { addStampRoot, takeStamp, watchedStamp } from './stampWatch';

interface Entry {
  stamps: Array<[path: string, stamp: string]>;
  loaded: Outcome<LoadedFile>;
}

const MAX_ENTRIES = 256;

export class SpecCache {
  private readonly entries = new Map<string, Entry>();
  /** pickFrom's answers per loaded file (a loaded file is never changed: a change is another load). */
  private readonly picks = new WeakMap<LoadedFile, Map<string, Outcome<FunctionSpec>>>();

  /** The loaded file for `target` (a serverless.yml, template.yaml or their folder). */
  load(target: string, options: LoadOptions = {}): Outcome<LoadedFile> {
    const key = this.keyOf(target, options);
    const hit = this.entries.get(key);
    if (hit && unchanged(hit.stamps)) {
      // most recently used last, so the oldest goes first when the cache is full (not reordered when
      // it is the last already: a host invoking one function again and again)
      if (this.lastHit !== key) {
        this.entries.delete(key);
        this.entries.set(key, hit);
        this.lastHit = key;
      }
      return hit.loaded;
    }
    const abs = resolve(target);
    const watched = dependencies(abs);
    const stampsBefore = watched.map((p) => [p, takeStamp(p)] as [string, string]);
    const loaded = loadServerlessFile(abs, options);
    const stamps = [...stampsBefore];
    if (loaded.ok) {
      const seen = new Set(watched);
      for (const p of specDependencies(loaded.value)) if (!seen.has(p)) (seen.add(p), stamps.push([p, takeStamp(p)]));
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { stamps, loaded });
    return loaded;
  }

  private lastHit: string | undefined;
  /** The last key per target, while its options are the same objects (or the same text): no resolve, no JSON again. */
  private readonly keys = new Map<string, { options: LoadOptions; env: object | undefined; layers: string; key: string }>();

  private keyOf(target: string, options: LoadOptions): string {
    const layers = options.layerFolders && Object.keys(options.layerFolders).length > 0 ? jsonOf(options.layerFolders) : '{}';
    const known = this.keys.get(target);
    if (known && known.env === options.env && known.layers === layers && known.options.stage === options.stage && known.options.app === options.app) return known.key;
    const key = `${resolve(target)}\u0000${options.stage ?? ''}\u0000${jsonOf(options.env)}\u0000${layers}\u0000${options.app ?? ''}`;
    // (only for an environment that cannot change under us: the host's is frozen)
    if (!options.env || Object.isFrozen(options.env)) {
      if (this.keys.size >= MAX_ENTRIES) this.keys.clear();
      this.keys.set(target, { options: { stage: options.stage, app: options.app }, env: options.env, layers, key });
    }
    return key;
  }

  /** One function of `target`: by name, or the only one. */
  pick(target: string, functionName: string | undefined, options: LoadOptions = {}): Outcome<FunctionSpec> {
    const loaded = this.load(target, options);
    if (!loaded.ok) return loaded;
    return this.pickFrom(loaded.value, target, functionName);
  }

  /** One function of a file load() returned (no second round of stats). */
  pickFrom(loaded: LoadedFile, target: string, functionName: string | undefined): Outcome<FunctionSpec> {
    let byName = this.picks.get(loaded);
    const name = functionName ?? '';
    const known = byName?.get(name);
    if (known) return known;
    const picked = pickFunction(loaded.functions, functionName, loaded);
    if (picked.ok) {
      if (!byName) this.picks.set(loaded, (byName = new Map()));
      byName.set(name, picked);
      return picked;
    }
    const found = resolveServerlessFile(target);
    const where = loaded.functions[0]?.file ?? (found.ok ? found.value : resolve(target));
    return fail(picked.error.code, `${where}: ${picked.error.message}`, { file: where });
  }
}

/** Whether every path still has its stamp (a loop: no closure and destructuring per path per invoke). */
function unchanged(stamps: Array<[path: string, stamp: string]>): boolean {
  for (let i = 0; i < stamps.length; i++) {
    const entry = stamps[i]!;
    if (watchedStamp(entry[0]) !== entry[1]) return false;
  }
  return true;
}

/** JSON of an object the caller passes again and again (the host's interpolationEnv): made once per frozen object. */
const jsonCache = new WeakMap<object, string>();
function jsonOf(value: object | undefined): string {
  if (!value) return '{}';
  if (!Object.isFrozen(value)) return JSON.stringify(value);
  let json = jsonCache.get(value);
  if (json === undefined) jsonCache.set(value, (json = JSON.stringify(value)));
  return json;
}

/** What the file's own place depends on, known before reading it (stamped before the read, so a change during it is seen). */
function dependencies(abs: string): string[] {
  const found = resolveServerlessFile(abs);
  if (!found.ok) return [abs, dirname(abs)];
  const file = found.value;
  const dir = dirname(file);
  // (the project's folder: what is below it may be known unchanged by watching it, stampWatch.ts)
  addStampRoot(dir);
  const paths = [file, dir, join(dir, '.env')];
  if (file !== abs && abs !== dir) paths.push(abs); // (a folder target is the file's folder, stamped already)
  if (namesOtherInstances(file)) {
    for (const f of appCandidateFiles(file)) paths.push(f, dirname(f));
    paths.push(dirname(dir));
  }
  return paths;
}

function namesOtherInstances(file: string): boolean {
  try {
    const text = readFileSync(file, 'utf8');
    return text.includes('${output:') || /\blayers\s*:/.test(text);
  } catch {
    return false;
  }
}

function specDependencies(loaded: LoadedFile): string[] {
  const out: string[] = [];
  for (const f of loaded.functions) {
    out.push(f.codeDir);
    for (const l of f.layers ?? []) if (l.dir) out.push(l.dir);
  }
  return out;
}
