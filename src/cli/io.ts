/**
 * What every sub-command shares: where it writes (CliIO), its exit codes, how it starts (options,
 * --help, --runtime-path, --layer), how it reports a usage error or bad input, and the port parser.
 * Signals: stopRequest.ts.
 */
import { fail, ok, type Outcome } from '../model/outcome';
import { layerFolders, parseArgs, type ArgSpec, type ParsedArgs } from './args';
import { parseRuntimePaths } from './runtimePaths';
import { stdoutBacklog, writeStdio } from './stdio';

/** Where a command writes; tests pass their own to capture output without a process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** While what `out` wrote has not been taken yet (a slow pipe): settles once it has. */
  pace?: () => Promise<void> | undefined;
}

export function processIO(): CliIO {
  return {
    out: (t) => writeStdio(1, t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => writeStdio(2, t.endsWith('\n') ? t : `${t}\n`),
    cwd: process.cwd(),
    env: process.env,
    pace: stdoutBacklog,
  };
}

/**
 * The CLI's exit codes, the same for every command: 0 success, 1 the job ran and failed (a non-200
 * status, a failed test or deploy, errors found), 2 usage error or input that cannot be used (a bad
 * option, no such file, a port taken), 70 an internal error (please report it).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

/** A sub-command's name, its --help text and its options. */
export interface CommandSpec extends ArgSpec {
  name: string;
  help: string;
}

export interface StartedCommand {
  args: ParsedArgs;
  /** `--runtime-path` values, for a command that takes them. */
  runtimePaths: Record<string, string> | undefined;
  /** `--layer NAME=FOLDER` values, for a command that takes them. */
  layerFolders: Record<string, string> | undefined;
}

/**
 * Reads a command's arguments: a usage error (exit 2) for an unknown or malformed option, the help
 * (exit 0) for --help; otherwise the parsed options. A number is the exit code of a command that is
 * already done.
 */
export function startCommand(argv: string[], io: CliIO, spec: CommandSpec): StartedCommand | number {
  const parsed = parseArgs(argv, { ...spec, flags: [...(spec.flags ?? []), 'help'] });
  if (!parsed.ok) return usageError(io, spec.name, parsed.error.message);
  const args = parsed.value;
  if (args.flags.has('help')) {
    io.out(spec.help);
    return EXIT.ok;
  }
  const runtimePaths = parseRuntimePaths(args.lists['runtime-path']);
  if (!runtimePaths.ok) return usageError(io, spec.name, runtimePaths.error.message);
  const layers = layerFolders(args, io.cwd);
  if (!layers.ok) return usageError(io, spec.name, layers.error.message);
  return { args, runtimePaths: runtimePaths.value, layerFolders: layers.value };
}

/** A mistake in the command line: what is wrong, and where the options are. Exit 2. */
export function usageError(io: CliIO, command: string, message: string): number {
  io.err(`scf-toolkit ${command}: ${message}\nRun \`scf-toolkit ${command} --help\` for the options.`);
  return EXIT.usage;
}

/** Input the command cannot use (a file that does not load, a port taken): one line naming it and the fix. */
export function inputError(io: CliIO, command: string, message: string, code: number = EXIT.usage): number {
  io.err(`scf-toolkit ${command}: ${message}`);
  return code;
}

/** A port option's value: `fallback` when it is not given (0: a free one). */
export function parsePort(value: string | undefined, option: string, fallback = 0): Outcome<number> {
  if (value === undefined) return ok(fallback);
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) return fail('cli.usage', `${option} takes a port number (0 to 65535), not "${value}"`);
  return ok(port);
}

/** What to say when a server cannot listen on the port `option` gave. */
export function listenError(e: unknown, port: number, option = '--port', what = ''): string {
  const err = e as NodeJS.ErrnoException;
  return `cannot listen on 127.0.0.1:${port}${what}: ${err.code === 'EADDRINUSE' ? `the port is taken; choose another with ${option}` : err.message}`;
}
