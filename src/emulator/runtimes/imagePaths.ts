/**
 * `scf_bootstrap` (web functions) and Custom Runtime `bootstrap` files written for SCF start their
 * server or runtime with the absolute paths of SCF's images, as SCF's guide requires:
 * `/var/lang/node16/bin/node app.js`, `/var/lang/python37/bin/python3 -u app.py`,
 * `/var/lang/php7/bin/php -S 0.0.0.0:9000`, `/var/lang/java8/bin/java -jar app.jar`, and the code at
 * `/var/user`. None of those exist here. The user's file is never edited: the emulator reads it, maps
 * each such path to the local interpreter of that runtime (runtimes/choose.ts: its own version, else the
 * nearest, said in the log), `/var/user` to the code folder, and runs the mapped text:
 *   - a shell script (`#!/bin/bash`, `#!/usr/bin/env bash`, sh, dash, zsh ...) as `<shell> -c <text>
 *     <the original path>`, so `$0`, `dirname $0` and the working directory are what they are on SCF;
 *   - a script of another interpreter as a private copy in the instance's temporary folder;
 *   - a file with nothing to map (or a binary) as it is.
 * A script that starts another script holding such paths is not followed (the guide's bootstraps start
 * the interpreter directly).
 */
import { chmodSync, closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { fail, ok, type Outcome } from '../../model/outcome';
import { runtimeForImageDir, RUNTIMES, versionParts, type ScfRuntime } from '../../model/runtimes';
import { chooseFor, type RuntimeOptions } from './choose';
import { isExecutable } from './interpreters';

/** `/var/lang/<lang><version>/bin/<program>` as SCF's images lay them out. */
const IMAGE_PATH = /\/var\/lang\/([a-z]+)(\d*)\/bin\/([A-Za-z0-9_.+-]+)/g;
/** The code folder of SCF's images (USER_CODE_ROOT), as a whole path segment. */
const USER_CODE = /\/var\/user(?=\/|\s|$|["'`;:)|&])/g;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'mksh']);
const MAX_SCRIPT = 1024 * 1024;

export interface MappedPath {
  /** As the file writes it, e.g. `/var/lang/node12/bin/node`. */
  from: string;
  /** The local program. */
  to: string;
  /** For the log: "the local Node.js 20.20.2 (PATH: /usr/bin/node)" ... */
  describe: string;
}

export interface Launch {
  command: string;
  args: string[];
  /** What was mapped (empty when the file runs as it is). */
  mapped: MappedPath[];
}

/** The runtime an image folder stands for: the table's, or one made from the folder's name (node22). */
function imageRuntime(lang: string, digits: string): ScfRuntime | undefined {
  const known = runtimeForImageDir(`/var/lang/${lang}${digits}`);
  if (known) return known;
  const family = lang === 'node' ? 'nodejs' : lang === 'python' ? 'python' : lang === 'php' ? 'php' : lang === 'java' ? 'java' : lang === 'go' ? 'go' : undefined;
  if (!family) return undefined;
  const template = RUNTIMES.find((r) => r.family === family && !r.aliasOf);
  if (!template) return undefined;
  // SCF names folders by the digits of the version: python37 -> 3.7, php74 -> 7.4, node22 -> 22.
  const version = family === 'nodejs' || family === 'java' || digits.length < 2 ? digits || template.local.version : `${digits[0]}.${digits.slice(1)}`;
  return { ...template, name: `${template.name.replace(/[\d.]+$/, '')}${version}`, version, local: { ...template.local, version } };
}

/** The local program for one `/var/lang/...` path: the interpreter itself, or a program beside it (npm, pip3). */
export function mapImagePath(path: string, options: RuntimeOptions): Outcome<MappedPath> {
  const m = /^\/var\/lang\/([a-z]+)(\d*)\/bin\/([A-Za-z0-9_.+-]+)$/.exec(path);
  const runtime = m ? imageRuntime(m[1]!, m[2]!) : undefined;
  if (!m || !runtime || !runtime.local.tool) return fail('bootstrap.unknownImagePath', `${path} is not a runtime path of SCF's images that can be run here`);
  const program = m[3]!;
  const tool = runtime.local.tool;
  const major = versionParts(runtime.version)[0];
  const chosen = chooseFor(runtime, options, {
    familyPath: tool === 'python' && major === 3 && options.pythonPath ? { path: options.pythonPath, source: 'scf.pythonPath' } : tool === 'php' && options.phpPath ? { path: options.phpPath, source: '--php' } : undefined,
    allowed: tool === 'python' ? (v) => versionParts(v)[0] === major : undefined,
  });
  if (!chosen.ok) return fail('bootstrap.noInterpreter', `${path}: ${chosen.error.message} (SCF's image ${m[1]}${m[2]} is ${runtime.name})`);
  const interpreter = chosen.value.interpreter.path;
  // The interpreter itself (node, python3, python3.7, php, java), or a sibling program (npm, npx, pip3, javac).
  const isInterpreter = new RegExp(`^${tool}(\\d+(\\.\\d+)*)?$`).test(program) || (tool === 'node' && program === 'node');
  let to = interpreter;
  if (!isInterpreter) {
    const beside = join(interpreter.slice(0, interpreter.lastIndexOf('/')), program);
    to = isExecutable(beside) ? beside : (onPath(program, options.env?.PATH ?? process.env.PATH) ?? beside);
  }
  return ok({ from: path, to, describe: chosen.value.describe });
}

function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) if (dir && isExecutable(join(dir, name))) return join(dir, name);
  return undefined;
}

function head(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * How to start a bootstrap written for SCF: its image paths mapped to local programs, `/var/user` to
 * the code folder. `rewrite` may change the mapped text further (a web function's port). `workDir`
 * holds a private copy when the interpreter is not a shell.
 */
export function bootstrapLaunch(
  file: string,
  codeDir: string,
  options: RuntimeOptions,
  workDir: () => string,
  rewrite: (text: string) => string = (t) => t,
): Outcome<Launch> {
  const start = head(file, MAX_SCRIPT + 1);
  if (start.length > MAX_SCRIPT || start.subarray(0, 2).toString('latin1') !== '#!' || start.includes(0)) return ok({ command: file, args: [], mapped: [] });
  const text = start.toString('utf8');
  const nl = text.indexOf('\n');
  const shebang = text.slice(2, nl === -1 ? undefined : nl).trim();
  const body = nl === -1 ? '' : text.slice(nl + 1);
  const mapped: MappedPath[] = [];
  const failures: string[] = [];
  const seen = new Map<string, string>();
  const mapOne = (path: string): string => {
    if (seen.has(path)) return seen.get(path)!;
    const r = mapImagePath(path, options);
    let to = path;
    if (r.ok) {
      mapped.push(r.value);
      to = r.value.to;
    } else failures.push(r.error.message);
    seen.set(path, to);
    return to;
  };
  // The interpreter line: `#!/var/lang/python3/bin/python3 -u`, `#!/usr/bin/env bash`, `#!/bin/bash -e`.
  const [interp = '', ...interpArgs] = shebang.split(/\s+/);
  let program = interp.startsWith('/var/lang/') ? mapOne(interp) : interp;
  let programArgs = interpArgs;
  if (basename(program) === 'env' && programArgs.length > 0 && !programArgs[0]!.startsWith('-')) {
    program = programArgs[0]!.startsWith('/var/lang/') ? mapOne(programArgs[0]!) : programArgs[0]!;
    programArgs = programArgs.slice(1);
  }
  const mappedBody = rewrite(body.replace(IMAGE_PATH, (p) => shellPath(mapOne(p), p)).replace(USER_CODE, codeDir));
  if (failures.length) return fail('bootstrap.unmappedPath', `${file}: ${failures.join('; ')}`, { file });
  if (mappedBody === body && program === interp && mapped.length === 0) return ok({ command: file, args: [], mapped: [] });
  if (SHELLS.has(basename(program))) {
    // `sh -c TEXT NAME`: NAME is $0, as when the file itself runs.
    return ok({ command: program, args: [...programArgs, '-c', mappedBody, file], mapped });
  }
  const copy = join(workDir(), basename(file));
  writeFileSync(copy, `#!${[program, ...programArgs].join(' ')}\n${mappedBody}`);
  chmodSync(copy, 0o755);
  return ok({ command: program, args: [...programArgs, copy], mapped });
}

/** A mapped program path as it goes into shell text: quoted when it holds characters the shell would split. */
function shellPath(to: string, from: string): string {
  return to === from || /^[A-Za-z0-9_./+-]+$/.test(to) ? to : shellQuote(to);
}
