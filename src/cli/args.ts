/**
 * A small argument parser for the CLI's sub-commands: `--flag`, `--key value`, `--key=value`,
 * positionals. Unknown options are usage errors, so a typo never runs the wrong thing.
 */
export interface ArgSpec {
  /** Options that take a value. */
  values?: readonly string[];
  /** Options that are on/off. */
  flags?: readonly string[];
  /** Options whose value is optional (`--inspect` or `--inspect=9229`). */
  optionalValues?: readonly string[];
}

export type ParsedArgs = {
  positionals: string[];
  values: Record<string, string>;
  flags: Set<string>;
};

export function parseArgs(argv: string[], spec: ArgSpec): { ok: true; args: ParsedArgs } | { ok: false; message: string } {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
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
      if (eq !== -1) return { ok: false, message: `--${name} takes no value` };
      flags.add(name);
    } else if (spec.optionalValues?.includes(name)) {
      flags.add(name);
      if (eq !== -1) values[name] = arg.slice(eq + 1);
    } else if (spec.values?.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return { ok: false, message: `--${name} needs a value` };
      values[name] = value;
    } else {
      return { ok: false, message: `unknown option --${name}` };
    }
  }
  return { ok: true, args: { positionals, values, flags } };
}
