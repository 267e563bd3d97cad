/**
 * Which program a Go function runs, building it where needed. SCF runs the compiled binary named by
 * `handler` at the root of the code package. Locally:
 *   - the binary in the code folder runs as it is, unless Go source there is newer, or it is built for
 *     another OS or CPU (SCF's are linux/amd64);
 *   - otherwise the source is built with the local `go` into ~/.cache/scf-toolkit/go/<folder hash>/,
 *     once per change of any .go file, go.mod, go.sum or vendor/modules.txt (never into the code folder:
 *     what deploy uploads stays yours). Builds are offline (GOPROXY=off; -mod=vendor with a vendor
 *     folder): a module that is not on this machine is a clear 443, never a hang.
 * A binary without the executable bit (as the SCF demo repository stores its binaries) runs from an
 * executable copy in the same cache.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, readdirSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { scanCode } from '../codeWatch';
import { now } from '../clock';

export interface GoProgram {
  /** The executable to start. */
  path: string;
  /** Lines for the log: what was built or why this file runs. */
  notes: string[];
  /** Files whose change means the instance runs old code (sources, go.mod, the binary). */
  watch: string[];
}

/** The local Go that builds programs from source (chosen by choose.ts). */
export interface GoToolchain {
  path: string;
  version: string;
}

export type GoPrepared = { ok: true; program: GoProgram } | { ok: false; code: number; message: string; stack?: string };

const BUILD_TIMEOUT_MS = 5 * 60 * 1000;
const SOURCE = /(\.go|^go\.mod|^go\.sum|^modules\.txt)$/;

/** Where a function's builds (and executable copies) are kept: one folder per code folder and handler. */
export function goCacheDir(codeDir: string, handler: string): string {
  return join(homedir(), '.cache', 'scf-toolkit', 'go', createHash('sha256').update(`${codeDir}\0${handler}`).digest('hex').slice(0, 16));
}

/** One build per cache folder at a time (two cold starts of one function share it). */
const building = new Map<string, Promise<GoPrepared>>();

export function prepareGoProgram(codeDir: string, handler: string, callerEnv: NodeJS.ProcessEnv, go: GoToolchain | undefined): Promise<GoPrepared> {
  if (!handler || /[/\\]/.test(handler) || handler.includes('::') || handler === '.' || handler === '..') {
    return Promise.resolve({ ok: false, code: 437, message: `a Go function's handler is the name of its compiled binary at the root of the code folder (e.g. "main"), not "${handler}"` });
  }
  const cacheDir = goCacheDir(codeDir, handler);
  const running = building.get(cacheDir);
  if (running) return running;
  const prepared = prepare(codeDir, handler, callerEnv, go, cacheDir).finally(() => building.delete(cacheDir));
  building.set(cacheDir, prepared);
  return prepared;
}

async function prepare(codeDir: string, handler: string, callerEnv: NodeJS.ProcessEnv, go: GoToolchain | undefined, cacheDir: string): Promise<GoPrepared> {
  const binary = join(codeDir, handler);
  const binaryStat = statOrUndefined(binary);
  const moduleRoot = findModuleRoot(codeDir);
  const sources = scanCode(codeDir, SOURCE).filter((f) => !f.endsWith('_test.go') && !relative(codeDir, f).split(/[/\\]/).includes('testdata'));
  if (moduleRoot && moduleRoot !== codeDir) {
    for (const f of ['go.mod', 'go.sum', join('vendor', 'modules.txt')]) if (existsSync(join(moduleRoot, f))) sources.push(join(moduleRoot, f));
  }
  const goFiles = sources.filter((f) => f.endsWith('.go'));
  const hasBinary = binaryStat?.isFile() === true;
  const platform = hasBinary ? binaryPlatform(binary) : undefined;
  const foreign = platform !== undefined && !platform.runsHere;

  if (goFiles.length === 0) {
    if (!hasBinary) return { ok: false, code: 437, message: notFoundMessage(codeDir, handler) };
    if (foreign) {
      return {
        ok: false,
        code: 443,
        message: `${binary} is a ${platform.what} executable, which this ${hostDescription()} machine cannot run; keep the Go source in the code folder (${codeDir}) so it can be built here, or run on a ${platform.what} machine`,
      };
    }
    return { ok: true, program: runnable(binary, binaryStat, cacheDir, handler, []) };
  }

  const newest = Math.max(...goFiles.concat(sources).map((f) => statOrUndefined(f)?.mtimeMs ?? 0));
  if (hasBinary && !foreign && binaryStat!.mtimeMs >= newest) {
    return { ok: true, program: runnable(binary, binaryStat!, cacheDir, handler, sources) };
  }
  const why = !hasBinary
    ? `there is no ${handler} in the code folder`
    : foreign
      ? `${handler} is a ${platform!.what} executable, which does not run on this ${hostDescription()} machine`
      : `the Go source is newer than ${handler}`;
  const built = go ? await buildCached(go, codeDir, handler, moduleRoot, sources, callerEnv, cacheDir) : ({ ok: false, code: 'noGo', message: 'go is not installed' } as const);
  if (!built.ok) {
    if (built.code === 'noGo') {
      if (hasBinary && !foreign) {
        return { ok: true, program: runnable(binary, binaryStat!, cacheDir, handler, sources, [`[WARN] The Go source in ${codeDir} is newer than ${handler}, and go is not installed to rebuild it: running the old ${handler}`]) };
      }
      return {
        ok: false,
        code: 437,
        message: `${why}, and go is not installed to build it from the Go source there; install Go (e.g. apt-get install golang-go, or https://go.dev/dl) or build it yourself: GOOS=linux GOARCH=amd64 go build -o ${handler} .`,
      };
    }
    return { ok: false, code: 443, message: built.message, stack: built.output };
  }
  const notes = [
    `${why}: ${built.cached ? 'using the binary built from it earlier' : `built it with Go ${built.goVersion} in ${(built.ms / 1000).toFixed(1)} s`} (${built.path})`,
  ];
  if (!hasBinary || binaryStat!.mtimeMs < newest) notes.push(`Deploy uploads the code folder as it is: build ${handler} for SCF before you deploy (GOOS=linux GOARCH=amd64 go build -o ${handler} .)`);
  return { ok: true, program: { path: built.path, notes, watch: sources.concat(hasBinary ? [binary] : []) } };
}

/** The user's binary, or an executable copy of it when it lacks the executable bit. */
function runnable(binary: string, st: Stats, cacheDir: string, handler: string, sources: string[], notes: string[] = []): GoProgram {
  const watch = [binary, ...sources];
  if ((st.mode & 0o111) !== 0 || process.platform === 'win32') return { path: binary, notes, watch };
  const copy = join(cacheDir, 'exec', handler);
  const stamp = `${st.mtimeMs}:${st.size}`;
  const stampFile = `${copy}.stamp`;
  if (!existsSync(copy) || readText(stampFile) !== stamp) {
    mkdirSync(dirname(copy), { recursive: true });
    const tmp = `${copy}.${process.pid}.tmp`;
    copyFileSync(binary, tmp);
    chmodSync(tmp, 0o755);
    renameSync(tmp, copy);
    writeFileSync(stampFile, stamp);
  }
  return {
    path: copy,
    notes: [...notes, `[WARN] ${binary} is not executable: running an executable copy of it. Set the bit before you deploy (chmod +x ${handler}): the zip keeps file modes`],
    watch,
  };
}

type Built = { ok: true; path: string; cached: boolean; ms: number; goVersion: string } | { ok: false; code: 'noGo' | 'failed'; message: string; output?: string };

async function buildCached(go: GoToolchain, codeDir: string, handler: string, moduleRoot: string | undefined, sources: string[], callerEnv: NodeJS.ProcessEnv, cacheDir: string): Promise<Built> {
  const out = join(cacheDir, handler);
  const fingerprint = createHash('sha256');
  for (const f of [...sources].sort()) {
    const st = statOrUndefined(f);
    fingerprint.update(`${f}\0${st?.size}\0${st?.mtimeMs}\n`);
  }
  fingerprint.update(`${process.platform}/${process.arch}\0${go.path}`);
  const stamp = fingerprint.digest('hex');
  const stampFile = `${out}.stamp`;
  if (existsSync(out) && readText(stampFile) === stamp) return { ok: true, path: out, cached: true, ms: 0, goVersion: '' };

  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  const vendored = moduleRoot !== undefined && existsSync(join(moduleRoot, 'vendor', 'modules.txt'));
  const flags = (callerEnv.GOFLAGS ?? '').trim();
  const env: NodeJS.ProcessEnv = {
    ...callerEnv,
    GOPROXY: 'off', // offline: a missing module fails at once with a message, never waits on a network
    GOFLAGS: vendored && !/(^|\s)-mod=/.test(flags) ? `${flags} -mod=vendor`.trim() : flags,
    GOTOOLCHAIN: callerEnv.GOTOOLCHAIN ?? 'local', // never download another toolchain (Go 1.21+)
    CGO_ENABLED: callerEnv.CGO_ENABLED ?? '0', // as a GOOS=linux cross build for SCF would be
    // Without go.mod the folder is built the way it was before modules (imports from GOPATH).
    ...(moduleRoot === undefined ? { GO111MODULE: 'off' } : {}),
  };
  const started = now();
  const run = await runGo(go.path, ['build', '-o', tmp, '.'], codeDir, env);
  if (run.kind === 'noGo') return { ok: false, code: 'noGo', message: `${go.path} could not be started` };
  if (run.kind === 'timeout') return { ok: false, code: 'failed', message: `go build in ${codeDir} did not finish within ${BUILD_TIMEOUT_MS / 60000} minutes`, output: run.output };
  if (run.code !== 0) return { ok: false, code: 'failed', message: buildFailure(codeDir, moduleRoot, run.output), output: run.output.trimEnd() };
  renameSync(tmp, out);
  writeFileSync(stampFile, stamp);
  return { ok: true, path: out, cached: false, ms: now() - started, goVersion: go.version };
}

type GoRun = { kind: 'done'; code: number; output: string } | { kind: 'noGo' } | { kind: 'timeout'; output: string };

function runGo(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<GoRun> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ kind: 'timeout', output });
    }, BUILD_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ENOENT' ? { kind: 'noGo' } : { kind: 'done', code: -1, output: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ kind: 'done', code: code ?? -1, output });
    });
  });
}

/** The compiler's first complaint, and for modules that are not on this machine, what to do about it. */
function buildFailure(codeDir: string, moduleRoot: string | undefined, output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const first = lines[0] ?? 'no output';
  const missing = /GOPROXY=off|no required module provides package|missing go\.sum entry|cannot find module providing package|updates to go\.mod needed|inconsistent vendoring/.test(output);
  const noModule = moduleRoot === undefined && /cannot find package/.test(output);
  let hint = '';
  if (noModule) hint = `; there is no go.mod, so imports outside the standard library come from GOPATH: add one (go mod init NAME), then fetch the modules where there is network (go mod tidy), or keep them in the folder (go mod vendor)`;
  else if (missing) hint = `; the build here is offline (GOPROXY=off) and needs modules that are not on this machine: run \`go mod download\` (or \`go mod tidy\`) in ${moduleRoot ?? codeDir} once where there is network, or \`go mod vendor\` to keep them in the code folder`;
  return `go build failed in ${codeDir}: ${first}${hint}`;
}

function notFoundMessage(codeDir: string, handler: string): string {
  let hint = ` A Go function's handler names the compiled binary at the root of the code folder (src in serverless.yml); build it there: GOOS=linux GOARCH=amd64 go build -o ${handler} . (or keep the Go source there and the emulator builds it).`;
  try {
    for (const e of readdirSync(codeDir, { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(codeDir, e.name, handler))) {
        hint = ` Found ${join(e.name, handler)} one folder down: the code folder holds an enclosing folder (the zip-root mistake); point src at that folder or move the files up.`;
        break;
      }
    }
  } catch {
    /* reported by the caller */
  }
  return `no binary ${handler} in the code folder ${codeDir}.${hint}`;
}

function findModuleRoot(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'go.mod'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

const ELF_MACHINES: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x03: 'ia32', 0x28: 'arm' };
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };

function hostDescription(): string {
  return `${process.platform}/${process.arch}`;
}

/** What an executable is built for, from its header (ELF, Mach-O or PE), and whether it runs here. */
function binaryPlatform(path: string): { what: string; runsHere: boolean } | undefined {
  const head = Buffer.alloc(20);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 20, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (head.readUInt32BE(0) === 0x7f454c46) {
    const arch = ELF_MACHINES[head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)] ?? 'unknown-cpu';
    return { what: `linux/${arch}`, runsHere: process.platform === 'linux' && arch === process.arch };
  }
  const magic = head.readUInt32LE(0);
  if (magic === 0xfeedfacf || magic === 0xfeedface) {
    const arch = MACHO_CPUS[head.readUInt32LE(4)] ?? 'unknown-cpu';
    return { what: `darwin/${arch}`, runsHere: process.platform === 'darwin' && (arch === process.arch || arch === 'x64') };
  }
  if (head[0] === 0x4d && head[1] === 0x5a) return { what: 'windows', runsHere: process.platform === 'win32' };
  return undefined; // a script or something else: let the OS decide
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
