/**
 * A small argument parser for the CLI's sub-commands: `--flag`, `--key value`, `--key=value`,
 * positionals. Unknown options are usage errors, so a typo never runs the wrong thing.
 *
 * Not Node's util.parseArgs: it has no option whose value is optional (`--inspect` or
 * `--inspect=9229`; a string option there takes the next argument, the serverless.yml, as its value).
 */
import { resolve as resolvePath } from 'node:path';
import { fail, ok, type Outcome } from '../model/outcome';

export interface ArgSpec {
  /** Options that take a value. */
  values?: readonly string[];
  /** Options that are on/off. */
  flags?: readonly string[];
  /** Options whose value is optional (`--inspect` or `--inspect=9229`). */
  optionalValues?: readonly string[];
  /** Options that take a value and may be given more than once (`--layer a=x --layer b=y`). */
  lists?: readonly string[];
}

export type ParsedArgs = {
  positionals: string[];
  values: Record<string, string>;
  flags: Set<string>;
  lists: Record<string, string[]>;
};

export function parseArgs(argv: string[], spec: ArgSpec): Outcome<ParsedArgs> {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
  const lists: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (spec.flags?.includes(name)) {
      if (eq !== -1) return fail('cli.usage', `--${name} takes no value`);
      flags.add(name);
    } else if (spec.optionalValues?.includes(name)) {
      flags.add(name);
      if (eq !== -1) values[name] = arg.slice(eq + 1);
    } else if (spec.values?.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return fail('cli.usage', `--${name} needs a value`);
      values[name] = value;
    } else if (spec.lists?.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return fail('cli.usage', `--${name} needs a value`);
      (lists[name] ??= []).push(value);
    } else {
      return fail('cli.usage', `unknown option --${name}`);
    }
  }
  return ok({ positionals, values, flags, lists });
}

/** `--layer NAME=FOLDER` (repeatable): the folder a layer's /opt content is read from locally. */
export function layerFolders(args: ParsedArgs, cwd: string): Outcome<Record<string, string> | undefined> {
  const given = args.lists.layer ?? [];
  if (given.length === 0) return ok(undefined);
  const folders: Record<string, string> = {};
  for (const g of given) {
    const eq = g.indexOf('=');
    if (eq <= 0 || eq === g.length - 1) return fail('cli.usage', `--layer takes NAME=FOLDER (the layer's name and the folder with its content), not "${g}"`);
    folders[g.slice(0, eq)] = resolvePath(cwd, g.slice(eq + 1));
  }
  return ok(folders);
}
