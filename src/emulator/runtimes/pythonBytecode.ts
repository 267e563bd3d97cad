/**
 * The Python bootstrap as bytecode: Python compiles the script it is given every time it starts (a
 * script is never cached, only imported modules are), and compiling python-bootstrap.py cost ~18M
 * instructions, close to half of a bare `python -c 0` (Python 3.9 here), on every cold start. So it is
 * compiled once per interpreter, by that interpreter (py_compile, the bytes its own import would
 * write), into our cache folder ($XDG_CACHE_HOME or ~/.cache/scf-toolkit/python/, 0700), and the
 * runtime is started on the .pyc: `python file.pyc` runs it as the script (CPython checks its magic
 * number). The tracebacks name the .py (the code objects keep its path), as before.
 *
 * Kept per interpreter path and bootstrap file in probeCache.ts: compiled again when either changes
 * (modification time, size, inode) or the .pyc is gone. Each compile writes a new name, so a start
 * made ahead from an older line (speculation.ts) on a .pyc since removed is never the same line.
 * Where the folder cannot be written, or the compile fails, the .py runs (and compiles) as before.
 * PYTHONDONTWRITEBYTECODE (set as SCF sets it) is the user's code's: the handler's modules are still
 * compiled at each start and never written, as on SCF; this is our file, made by the toolkit.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { toolkitCachePath } from '../../util/cachePath';
import { join } from 'node:path';
import { probe } from '../probeCache';

/** -E -s -S: none of PYTHON*, the user site or site-packages (their .pth files) in the compile. */
const COMPILE = 'import sys, py_compile; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[1], doraise=True)';
/** A .pyc untouched this long is removed when another is compiled (an older build's, a removed interpreter's). */
const STALE_MS = 30 * 24 * 3600 * 1000;

function cacheFolder(): string {
  return toolkitCachePath('python');
}

/** 32-bit FNV-1a, hex: names a .pyc by what it was compiled from (the probe's key is compared, not this). */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The file to start `interpreter` on for the bootstrap `source`: its .pyc in the cache folder, made now
 * if needed (one short run of the interpreter, once), else `source` itself.
 */
export function pythonBootstrapFile(interpreter: string, version: string | undefined, source: string): string {
  const compiled = probe<string | null>(
    `pyc:${interpreter}:${version ?? ''}:${source}`,
    [interpreter, source],
    (previous) => compile(interpreter, source, previous ?? null),
    () => true,
    (pyc) => pyc === null || existsSync(pyc),
  );
  return compiled ?? source;
}

function compile(interpreter: string, source: string, previous: string | null): string | null {
  const folder = cacheFolder();
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    accessSync(folder, constants.W_OK);
  } catch {
    return null; // a read-only home: the .py runs, and no interpreter is started to find that out
  }
  const pyc = join(folder, `bootstrap-${fnv(`${interpreter}\0${source}`)}-${Date.now().toString(36)}${process.pid.toString(36)}.pyc`);
  const tmp = `${pyc}.tmp`;
  // cwd is our folder: `-c` puts it first on sys.path, and nothing there is a module
  const r = spawnSync(interpreter, ['-E', '-s', '-S', '-c', COMPILE, source, tmp], { cwd: folder, stdio: 'ignore', timeout: 15_000 });
  try {
    if (r.status !== 0) throw new Error('compile failed');
    renameSync(tmp, pyc); // whole or not at all for a runtime starting on it meanwhile
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    return null;
  }
  if (previous && previous !== pyc) removeQuietly(previous);
  sweep(folder);
  return pyc;
}

function sweep(folder: string): void {
  const now = Date.now();
  try {
    for (const name of readdirSync(folder)) {
      if (!name.startsWith('bootstrap-')) continue;
      const file = join(folder, name);
      if (now - statSync(file).mtimeMs > STALE_MS) removeQuietly(file);
    }
  } catch {
    // another process swept first
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
