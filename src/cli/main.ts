/**
 * `scf-toolkit`: the command-line face of the engine. Each sub-command is one module in
 * ./commands exporting `run(argv, io): Promise<number>` (the exit code).
 * Exit codes: 0 success, 1 the job ran and failed (e.g. a non-200 status), 2 usage error.
 */
import type { CliIO } from './io';
import { processIO } from './io';
import { flushStdio, watchStdio, writeStdio } from './stdio';

// require, not import(): each command is its own bundle (scripts/build.mjs), and an import() of it
// would go through Node's ESM loader (it parses the whole file for its exports first: ~30 ms).
type Command = { summary: string; load: () => Promise<{ run(argv: string[], io: CliIO): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  invoke: { summary: 'invoke <serverless.yml|folder> [--event FILE | --event-json JSON] [--function NAME] [--async] [--inspect[=PORT]] [--json]', load: async () => require('./commands/invoke') as typeof import('./commands/invoke') },
  validate: { summary: 'validate <serverless.yml|folder>... [--json]', load: async () => require('./commands/validate') as typeof import('./commands/validate') },
  test: { summary: 'test [<serverless.yml|template.yaml|folder>...] [--reporter junit] [--json]', load: async () => (require('./commands/served') as typeof import('./commands/served')).test },
  deploy: { summary: 'deploy <serverless.yml|folder> [--target local|tencent] [--function NAME] [--json]', load: async () => require('./commands/deploy') as typeof import('./commands/deploy') },
  gateway: { summary: 'gateway <serverless.yml|folder>... [--port N]', load: async () => (require('./commands/served') as typeof import('./commands/served')).gateway },
  serve: { summary: 'serve [<serverless.yml|folder>...] [--port N] [--gateway-port N] [--state DIR]', load: async () => (require('./commands/served') as typeof import('./commands/served')).serve },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([, c]) => `  scf-toolkit ${c.summary}`);
  return ['Usage:', ...lines, '', 'Run `scf-toolkit <command> --help` for a command\'s options.'].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`scf-toolkit: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest, io);
}

declare const __SCF_TOOLKIT_VERSION__: string | undefined;
const VERSION = typeof __SCF_TOOLKIT_VERSION__ === 'string' ? __SCF_TOOLKIT_VERSION__ : 'dev';

/**
 * Ends the CLI once its output has been written. The command is done: whatever a handler left behind
 * (a process that escaped its instance and holds a pipe, a timer) must not keep the CLI from ending.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  flushStdio(() => process.exit(code));
}

/** Runs the CLI with this process's arguments and ends it (dist/cli.js calls it). */
export function runAsProgram(): void {
  watchStdio();
  main(process.argv.slice(2), processIO()).then(exitWhenWritten, (e: unknown) => {
    writeStdio(2, `scf-toolkit: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    exitWhenWritten(70);
  });
}

if (require.main === module) runAsProgram();
