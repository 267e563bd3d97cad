/**
 * Which local program runs which SCF runtime. Any `Nodejs*` runtime runs on the local Node.js, any
 * `Python3*` on the local python3, `Php*` on the local PHP (php.ts) and `Go1` runs the function's own
 * program (go.ts); the log says which. Every other runtime is refused with a clear message, never run
 * on the wrong interpreter.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runtimeAsset } from './assets';
import { phpArgs, resolvePhp } from './php';

export type RuntimeFamily = 'nodejs' | 'python' | 'php' | 'go' | 'java' | 'custom' | 'web';

export interface LocalRuntime {
  family: RuntimeFamily;
  /** The SCF runtime name from serverless.yml, e.g. `Nodejs18.15`. */
  scfRuntime: string;
  command: string;
  args: (codeDir: string, handler: string, extra?: string[], debugPort?: number, memorySize?: number) => string[];
  /** e.g. "the local Node.js v20.20.2", for the log line that says what really runs the code. */
  describe: string;
}

export interface RuntimeOptions {
  nodePath?: string;
  pythonPath?: string;
  phpPath?: string;
}

export type RuntimeResolution = { ok: true; runtime: LocalRuntime } | { ok: false; code: string; message: string };

/** Runtimes the emulator does not run (yet): what SCF runs them on, the local tool, and how to get it. */
const NOT_LOCAL: Array<{ pattern: RegExp; tool?: string; install?: string; why: string }> = [
  { pattern: /^Python2\.7$/i, why: 'SCF runs Python2.7 on Python 2, which the local emulator does not run (it would run your code on Python 3 and hide the differences); switch to a Python3.x runtime, or deploy to test it' },
];

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { timeout: 5000 }).status === 0;
}

let nodeCommand: string | undefined;

/**
 * The Node.js that runs handlers: this process's own, unless this process is Electron (the host forked
 * from desktop VS Code with ELECTRON_RUN_AS_NODE), whose Node differs from Node.js and which would not run
 * as Node in the handler's clean environment: then the `node` on PATH.
 */
function localNode(): string {
  if (nodeCommand === undefined) {
    nodeCommand = process.execPath;
    if (process.versions.electron) {
      const r = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8', timeout: 5000 });
      const found = (r.stdout ?? '').trim();
      if (r.status === 0 && found) nodeCommand = found;
    }
  }
  return nodeCommand;
}

interface PythonInfo {
  executable: string;
  version: string;
}
const pythons = new Map<string, PythonInfo | undefined>();

/**
 * The real interpreter behind `python3` and its version, once per command. Version-manager shims
 * (pyenv, asdf) are shell scripts: running the interpreter they resolve to directly saves their start-up
 * on every cold start and keeps their own environment needs out of the handler's clean environment.
 */
function findPython(command: string): PythonInfo | undefined {
  if (!pythons.has(command)) {
    const r = spawnSync(command, ['-c', 'import sys; print(sys.executable); print(sys.version.split()[0]); print(sys.version_info[0])'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    const [executable, version, major] = (r.stdout ?? '').trim().split('\n');
    pythons.set(command, r.status === 0 && major === '3' && executable ? { executable, version: version ?? '3' } : undefined);
  }
  return pythons.get(command);
}

export function resolveRuntime(scfRuntime: string, options: RuntimeOptions = {}): RuntimeResolution {
  if (/^Nodejs\d+(\.\d+)*$/i.test(scfRuntime)) {
    const command = options.nodePath ?? localNode();
    if (command === process.execPath && process.versions.electron) {
      return { ok: false, code: 'runtime.notInstalled', message: `runtime ${scfRuntime} needs Node.js, and there is no node on PATH; install Node.js or set scf.nodePath` };
    }
    const bootstrap = runtimeAsset('node-bootstrap.js');
    return {
      ok: true,
      runtime: {
        family: 'nodejs',
        scfRuntime,
        command,
        args: (codeDir, handler, extra = [], debugPort) => [
          '--no-deprecation',
          ...(debugPort === undefined ? [] : [`--inspect=127.0.0.1:${debugPort}`]),
          bootstrap,
          codeDir,
          handler,
          ...extra,
          ...(debugPort === undefined ? [] : ['--wait-debugger']),
        ],
        describe: command === process.execPath && !process.versions.electron ? `the local Node.js ${process.version}` : `the Node.js at ${command}`,
      },
    };
  }
  if (/^Python3(\.\d+)*$/i.test(scfRuntime)) {
    const command = options.pythonPath ?? 'python3';
    const python = findPython(command);
    if (!python) {
      return {
        ok: false,
        code: 'runtime.notInstalled',
        message: `runtime ${scfRuntime} needs Python 3, but "${command}" was not found or is not Python 3; install python3 (e.g. apt-get install python3) or set scf.pythonPath / --python`,
      };
    }
    const bootstrap = runtimeAsset('python-bootstrap.py');
    return {
      ok: true,
      runtime: {
        family: 'python',
        scfRuntime,
        command: python.executable,
        args: (codeDir, handler, extra = [], debugPort) => [
          '-u',
          '-X',
          'utf8',
          ...(debugPort === undefined ? [] : ['-m', 'debugpy', '--listen', `127.0.0.1:${debugPort}`, '--wait-for-client']),
          bootstrap,
          codeDir,
          handler,
          ...extra,
        ],
        describe: `the local Python ${python.version}`,
      },
    };
  }
  if (/^Php\d+(\.\d+)?$/i.test(scfRuntime)) {
    const php = resolvePhp(scfRuntime, options.phpPath);
    if (!php.ok) return { ok: false, code: 'runtime.notInstalled', message: php.message };
    return { ok: true, runtime: { family: 'php', scfRuntime, command: php.command, args: (codeDir, handler) => phpArgs(codeDir, handler), describe: php.describe } };
  }
  if (/^Go\d+$/i.test(scfRuntime)) {
    // The function's own program: nothing to find here (a missing binary is the invocation's 437).
    return {
      ok: true,
      runtime: { family: 'go', scfRuntime, command: '', args: () => [], describe: "your Go program, spoken to over net/rpc with gob on the port in _SCF_SERVER_PORT, as SCF's Go runtime does" },
    };
  }
  if (/^Java\d+$/i.test(scfRuntime)) return resolveJava(scfRuntime);
  if (/^CustomRuntime$/i.test(scfRuntime)) {
    return {
      ok: true,
      runtime: { family: 'custom', scfRuntime, command: 'scf_bootstrap', args: () => [], describe: 'your scf_bootstrap, serving it the runtime API on 127.0.0.1' },
    };
  }
  for (const r of NOT_LOCAL) {
    if (!r.pattern.test(scfRuntime)) continue;
    if (r.tool && !onPath(r.tool)) {
      return { ok: false, code: 'runtime.notInstalled', message: `runtime ${scfRuntime} is not available locally: ${r.tool} is not installed (${r.install}), and ${r.why.charAt(0).toLowerCase()}${r.why.slice(1)}` };
    }
    return { ok: false, code: 'runtime.notLocal', message: `runtime ${scfRuntime} is not available locally: ${r.why}` };
  }
  return {
    ok: false,
    code: 'runtime.unknown',
    message: `unknown runtime "${scfRuntime}"; SCF runtimes look like Nodejs18.15, Python3.9, Go1, Java11, Php8.0 or CustomRuntime`,
  };
}

const debugpyFound = new Map<string, boolean>();

/** Whether debugpy can be imported by this interpreter (once per interpreter). */
export function hasDebugpy(python: string): boolean {
  if (!debugpyFound.has(python)) {
    const r = spawnSync(python, ['-c', 'import debugpy'], { timeout: 15_000 });
    debugpyFound.set(python, r.status === 0);
  }
  return debugpyFound.get(python)!;
}

/**
 * Java functions run on the local `java` with our bootstrap, compiled once per bootstrap version into
 * ~/.cache/scf-toolkit/java (with javac; a JRE alone runs the single source file directly, more slowly).
 * The JVM's heap is capped below memorySize, as the platform's own limit is on the whole process.
 */
function resolveJava(scfRuntime: string): RuntimeResolution {
  if (!onPath('java')) {
    return { ok: false, code: 'runtime.notInstalled', message: `runtime ${scfRuntime} needs Java, and java is not installed; install a JDK (e.g. apt-get install default-jdk)` };
  }
  const source = runtimeAsset('java/ScfJavaBootstrap.java');
  const prepared = prepareJavaBootstrap(source);
  if (!prepared.ok) return { ok: false, code: 'runtime.javaBootstrap', message: `runtime ${scfRuntime}: ${prepared.message}` };
  const version = (spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 }).stderr ?? '').split('\n')[0]?.trim() ?? 'java';
  return {
    ok: true,
    runtime: {
      family: 'java',
      scfRuntime,
      command: 'java',
      args: (codeDir, handler, _extra = [], debugPort, memorySize = 128) => [
        `-Xmx${Math.max(32, Math.floor(memorySize * 0.75))}m`,
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Xshare:auto',
        '--add-opens=java.base/java.io=ALL-UNNAMED', // the bootstrap reaches its channel (fds 3, 4) through FileDescriptor
        ...(debugPort === undefined ? [] : [`-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:${debugPort}`]),
        ...prepared.launch,
        codeDir,
        handler,
      ],
      describe: `the local ${version}`,
    },
  };
}

const javaBootstraps = new Map<string, { ok: true; launch: string[] } | { ok: false; message: string }>();

function prepareJavaBootstrap(source: string): { ok: true; launch: string[] } | { ok: false; message: string } {
  const cached = javaBootstraps.get(source);
  if (cached) return cached;
  let result: { ok: true; launch: string[] } | { ok: false; message: string };
  const text = readFileSync(source);
  const dir = join(homedir(), '.cache', 'scf-toolkit', 'java', createHash('sha256').update(text).digest('hex').slice(0, 16));
  if (existsSync(join(dir, 'ScfJavaBootstrap.class'))) result = { ok: true, launch: ['-cp', dir, 'ScfJavaBootstrap'] };
  else if (onPath('javac')) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('javac', ['-nowarn', '-d', dir, source], { encoding: 'utf8', timeout: 120_000 });
    result = r.status === 0 ? { ok: true, launch: ['-cp', dir, 'ScfJavaBootstrap'] } : { ok: false, message: `compiling the Java bootstrap failed: ${(r.stderr || r.error?.message || '').trim()}` };
  } else {
    result = { ok: true, launch: [source] }; // Java 11+ runs a single source file
  }
  javaBootstraps.set(source, result);
  return result;
}
