import { fail, ok, type Outcome } from '../model/outcome';
import { findRuntime, RUNTIMES } from '../model/runtimes';

/** What every command that runs functions says about choosing interpreters. */
export const RUNTIME_PATH_USAGE = `  --runtime-path RUNTIME=PATH   the interpreter for one runtime (Python3.7=/opt/py37/bin/python3) or a
                               family (python=..., nodejs=..., java=...); repeatable. Default: the
                               runtime's own version found on this machine (PATH, pyenv, nvm, JDKs ...)`;

const FAMILIES = new Set(RUNTIMES.map((r) => r.family));

/** `--runtime-path Python3.7=/path` values as the Emulator's runtimePaths. */
export function parseRuntimePaths(values: readonly string[] | undefined): Outcome<Record<string, string> | undefined> {
  if (!values?.length) return ok(undefined);
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq === -1 ? '' : v.slice(0, eq);
    const path = eq === -1 ? '' : v.slice(eq + 1);
    if (!key || !path) return fail('cli.runtimePath', `--runtime-path ${v}: write RUNTIME=PATH, e.g. --runtime-path Python3.7=/usr/bin/python3.7`);
    if (!findRuntime(key) && !FAMILIES.has(key as never)) {
      return fail('cli.runtimePath', `--runtime-path ${v}: "${key}" is neither an SCF runtime (Python3.7, Nodejs16.13 ...) nor a family (${[...FAMILIES].join(', ')})`);
    }
    out[key] = path;
  }
  return ok(out);
}
