/**
 * The local endpoint's persistent state: deployed functions, their code and configuration, and their
 * invocation logs, in a folder (by default the workspace's `.scf/endpoint`) so they survive a restart.
 *
 *   <stateDir>/functions/<region>/<namespace>/<name>/function.json   configuration and status
 *   <stateDir>/functions/<region>/<namespace>/<name>/code.zip        the package as uploaded
 *   <stateDir>/functions/<region>/<namespace>/<name>/code-<sha>/     the package unpacked (what runs); one
 *                                                                    folder per package, so a warm instance of
 *                                                                    the previous code is never reused for the new
 *   <stateDir>/functions/<region>/<namespace>/<name>/logs.jsonl      one FunctionLog per line, newest last
 *
 * Every write goes through util/atomicFile.ts (a temporary file, fsync, rename), so a crash never leaves half a file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomicFile';

export type FunctionStatus = 'Creating' | 'CreateFailed' | 'Active' | 'Updating' | 'UpdateFailed' | 'Deleting';

export interface StatusReason {
  ErrorCode: string;
  ErrorMessage: string;
}

/** A deployed function, in the API's own field names. */
export interface FunctionRecord {
  FunctionId: string;
  FunctionName: string;
  Namespace: string;
  Region: string;
  Handler?: string;
  Runtime: string;
  MemorySize: number;
  Timeout: number;
  InitTimeout: number;
  Description: string;
  Environment: { Variables: Array<{ Key: string; Value: string }> };
  /** `Event` or `HTTP` (a web function). */
  Type: 'Event' | 'HTTP';
  AsyncRunEnable: 'TRUE' | 'FALSE';
  Status: FunctionStatus;
  StatusDesc: string;
  StatusReasons: StatusReason[];
  AddTime: string;
  ModTime: string;
  /** Hex SHA-256 of code.zip. */
  CodeSha256: string;
  CodeSize: number;
  /** Bound layer versions, in order (layers.ts). */
  Layers?: Array<{ LayerName: string; LayerVersion: number }>;
}

/** One invocation, as GetFunctionLogs returns it. */
export interface FunctionLogRecord {
  FunctionName: string;
  RetMsg: string;
  RequestId: string;
  StartTime: string;
  RetCode: number;
  InvokeFinished: number;
  Duration: number;
  BillDuration: number;
  MemUsage: number;
  Log: string;
  Level: string;
  Source: string;
  RetryNum: number;
  /** Milliseconds since the epoch (ours, for sorting and time filters; not sent). */
  startMs: number;
}

/** Logs kept per function; older ones are dropped. */
export const MAX_LOGS_PER_FUNCTION = 500;

export interface FunctionKey {
  region: string;
  namespace: string;
  name: string;
}

/** `2017-05-16 20:00:00`, the API's time format (UTC here: the endpoint has no time zone of its own). */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}


export class EndpointState {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'functions'), { recursive: true });
    // The state (and its key pair) is this machine's: keep it out of version control.
    if (!existsSync(join(dir, '.gitignore'))) writeFileSync(join(dir, '.gitignore'), '*\n');
  }

  functionDir(k: FunctionKey): string {
    return join(this.dir, 'functions', k.region, k.namespace, k.name);
  }

  /** The unpacked code of the package with this SHA-256. */
  codeDir(k: FunctionKey, sha256: string): string {
    return join(this.functionDir(k), `code-${sha256.slice(0, 16)}`);
  }

  get(k: FunctionKey): FunctionRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.functionDir(k), 'function.json'), 'utf8')) as FunctionRecord;
    } catch {
      return undefined;
    }
  }

  put(record: FunctionRecord): void {
    const dir = this.functionDir({ region: record.Region, namespace: record.Namespace, name: record.FunctionName });
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'function.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** `default` always exists; others once created (CreateNamespace). */
  hasNamespace(region: string, namespace: string): boolean {
    return namespace === 'default' || existsSync(join(this.dir, 'functions', region, namespace));
  }

  createNamespace(region: string, namespace: string): void {
    mkdirSync(join(this.dir, 'functions', region, namespace), { recursive: true });
  }

  namespaces(region: string): string[] {
    const base = join(this.dir, 'functions', region);
    const found = existsSync(base) ? readdirSync(base) : [];
    return [...new Set(['default', ...found])].sort();
  }

  list(region: string, namespace: string): FunctionRecord[] {
    const base = join(this.dir, 'functions', region, namespace);
    if (!existsSync(base)) return [];
    return readdirSync(base)
      .map((name) => this.get({ region, namespace, name }))
      .filter((r): r is FunctionRecord => r !== undefined);
  }

  /** Where uploaded zips are spooled (uploadBody.ts) before an action moves them into place. */
  uploadsDir(): string {
    return join(this.dir, 'uploads');
  }

  /** Removes spool files left by an endpoint that ended mid-request (older than an hour: none in use). */
  clearStaleUploads(now = Date.now()): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.uploadsDir());
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(this.uploadsDir(), name);
      try {
        if (now - statSync(file).mtimeMs > 3_600_000) rmSync(file, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  /**
   * Moves the uploaded zip (a file under uploadsDir: same file system, so the rename is atomic) into
   * place as the function's code.zip; unpacking is the caller's (while the function is Creating/Updating).
   */
  putCode(k: FunctionKey, zipFile: string): void {
    const dir = this.functionDir(k);
    mkdirSync(dir, { recursive: true });
    renameSync(zipFile, join(dir, 'code.zip'));
  }

  /** The function's code.zip, if it has one. */
  codeZip(k: FunctionKey): string | undefined {
    const file = join(this.functionDir(k), 'code.zip');
    return existsSync(file) ? file : undefined;
  }

  /** Moves a prepared folder into place as the code of `sha256` and removes older unpacked code. */
  installCodeDir(k: FunctionKey, sha256: string, prepared: string): void {
    const target = this.codeDir(k, sha256);
    rmSync(target, { recursive: true, force: true });
    renameSync(prepared, target);
    for (const name of readdirSync(this.functionDir(k))) {
      if (name.startsWith('code-') && join(this.functionDir(k), name) !== target) rmSync(join(this.functionDir(k), name), { recursive: true, force: true });
    }
  }

  delete(k: FunctionKey): void {
    rmSync(this.functionDir(k), { recursive: true, force: true });
  }

  appendLog(k: FunctionKey, log: FunctionLogRecord): void {
    const file = join(this.functionDir(k), 'logs.jsonl');
    if (!existsSync(this.functionDir(k))) return; // deleted meanwhile
    appendFileSync(file, `${JSON.stringify(log)}\n`);
    // Trim now and then (not on every append): when the file has grown well past the cap.
    if (statSync(file).size > 4 * 1024 * 1024) {
      const kept = this.logs(k).slice(-MAX_LOGS_PER_FUNCTION);
      writeFileAtomic(file, kept.map((l) => JSON.stringify(l)).join('\n') + '\n');
    }
  }

  /** Oldest first. */
  logs(k: FunctionKey): FunctionLogRecord[] {
    let text: string;
    try {
      text = readFileSync(join(this.functionDir(k), 'logs.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const out: FunctionLogRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as FunctionLogRecord);
      } catch {
        // a line cut short by a crash: skip it
      }
    }
    return out.slice(-MAX_LOGS_PER_FUNCTION);
  }
}
