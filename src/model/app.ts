/**
 * The other component instances of a Serverless Cloud Framework app: the serverless.yml files beside
 * this one that name the same `app` (the framework deploys them together from the app's folder, e.g.
 * `shop/api/serverless.yml`, `shop/layer/serverless.yml`). They answer `${output:<stage>:<app>:<instance>.<key>}`
 * where the value is known locally, and give the `component: layer` folders that functions' `layers` name.
 *
 * Where we look (our choice; the framework deploys the folder it runs in): the file's own folder and
 * its subfolders, and its parent folder's subfolders, two levels deep, unless the file's folder is a
 * repository root (has `.git`) or the parent holds more than 64 folders (a home or projects folder,
 * not an app). Only instances of the same `app` count. node_modules, .git and .scf are skipped.
 * Reads are cached by mtime.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputLookup, OutputReference } from './interpolate';
import { SERVERLESS_FILE_NAMES, type LayerSpec } from './types';
import { walkFolders } from '../util/walk';
import { fail, ok } from './outcome';

export interface AppInstance {
  file: string;
  /** The component's bare name (`scf`, `layer`, `cos` ...). */
  component: string;
  instanceName: string;
  app: string;
  /** For `component: layer`. */
  layer?: LayerSpec;
}

/** Reads one file's instances (given by load.ts, which owns parsing; this module only finds files). */
export type InstanceReader = (file: string, text: string) => AppInstance[];

const MAX_DIRS = 400;
/** A parent folder with more subfolders than this is not an app's folder. */
const MAX_APP_FOLDERS = 64;
const WALK_TTL_MS = 2000;

const walkCache = new Map<string, { at: number; files: string[] }>();
const fileCache = new Map<string, { mtimeMs: number; size: number; instances: AppInstance[] }>();

function serverlessFilesUnder(root: string, maxDepth: number, budget: { dirs: number }, out: Set<string>): void {
  walkFolders(root, { maxDepth, budget }, (dir, entries) => {
    for (const e of entries) if (e.isFile() && (SERVERLESS_FILE_NAMES as readonly string[]).includes(e.name)) out.add(join(dir, e.name));
  });
}

function folderCount(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  } catch {
    return Infinity;
  }
}

function isRepositoryRoot(dir: string): boolean {
  try {
    statSync(join(dir, '.git'));
    return true;
  } catch {
    return false;
  }
}

/** The serverless.yml files that may belong to the same app as `file` (itself excluded). */
export function appCandidateFiles(file: string): string[] {
  const own = dirname(file);
  const cached = walkCache.get(own);
  if (cached && Date.now() - cached.at < WALK_TTL_MS) return cached.files;
  const found = new Set<string>();
  const budget = { dirs: MAX_DIRS };
  serverlessFilesUnder(own, 2, budget, found);
  const parent = dirname(own);
  if (parent !== own && !isRepositoryRoot(own) && folderCount(parent) <= MAX_APP_FOLDERS) serverlessFilesUnder(parent, 2, budget, found);
  found.delete(file);
  const files = [...found].sort();
  if (walkCache.size > 200) walkCache.clear();
  walkCache.set(own, { at: Date.now(), files });
  return files;
}

function instancesOf(file: string, read: InstanceReader): AppInstance[] {
  let st;
  try {
    st = statSync(file);
  } catch {
    return [];
  }
  const cached = fileCache.get(file);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.instances;
  let instances: AppInstance[] = [];
  try {
    instances = read(file, readFileSync(file, 'utf8'));
  } catch {
    instances = [];
  }
  if (fileCache.size > 500) fileCache.clear();
  fileCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, instances });
  return instances;
}

export class AppContext {
  private list: AppInstance[] | undefined;

  constructor(
    readonly file: string,
    readonly app: string,
    private readonly read: InstanceReader,
    /** This file's own instances (so a reference to a sibling in the same file resolves too). */
    private readonly own: () => AppInstance[],
  ) {}

  /** The app's instances in other files, then this file's own. */
  instances(): AppInstance[] {
    this.list ??= appCandidateFiles(this.file).flatMap((f) => instancesOf(f, this.read));
    return [...this.list, ...this.own()];
  }

  /** This app's `component: layer` instance whose layer is named `name`. */
  layerNamed(name: string): AppInstance | undefined {
    return this.instances().find((i) => i.layer && i.layer.name === name && i.app === this.app);
  }

  instanceNamed(ref: { instance: string; app: string }): AppInstance | undefined {
    const all = this.instances().filter((i) => i.instanceName === ref.instance);
    return all.find((i) => i.app === ref.app) ?? undefined;
  }

  readonly output: OutputLookup = (ref: OutputReference) => {
    const inst = this.instanceNamed(ref);
    if (!inst) {
      const elsewhere = this.instances().find((i) => i.instanceName === ref.instance);
      return fail(
        'interpolate.noInstance',
        elsewhere
          ? `instance ${ref.instance} (${elsewhere.file}) belongs to app ${elsewhere.app}, not ${ref.app}`
          : `no component instance named ${ref.instance} in app ${ref.app} among the serverless.yml files beside this one`,
      );
    }
    if (inst.layer) {
      const l = inst.layer;
      const known: Record<string, string> = { name: l.name, region: l.region, description: l.description ?? '', runtimes: l.runtimes.join(',') };
      if (ref.key in known) return ok(known[ref.key]!);
      if (ref.key === 'version') {
        return fail('interpolate.layerVersion', `layer ${l.name}'s version is assigned when it is published; locally its folder is used, and deploy publishes it and uses the new version`);
      }
      return fail('interpolate.noOutput', `the layer component has no output ${ref.key} (it has name, version, region, runtimes, description)`);
    }
    return fail('interpolate.outputUnknown', `the ${inst.component} instance ${inst.instanceName} (${inst.file}) has its outputs only after it is deployed`);
  };
}
