/**
 * `scf-toolkit validate <file|folder...> [--json]`: the language server's diagnostics, for CI.
 * Human output: `file:line:column: severity code: message`. With --json: one JSON array of
 * {file, line, column, endLine, endColumn, severity, code, message} with 1-based lines and columns.
 *
 * Each file is checked on its own: a file past a reading bound (size, nesting, aliases; see
 * model/yamlLimits.ts) gets one `scf.yaml.limit` error, and a file that trips a bug of ours one
 * `scf.internal` error; the other files' results are reported in full either way.
 * Exit codes (VALIDATE_EXIT): 0 no errors, 1 errors found, 2 usage error (bad option, no such file or
 * folder, unreadable file), 70 a file could not be checked because of an internal error (please report it).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ok, type Outcome } from '../../model/outcome';
import { resolveServerlessFile } from '../../model/load';
import { positionAt } from '../../schema/yaml';
import { validateServerlessText } from '../../schema/validate';
import { boundMessage } from '../../schema/diagnostics';
import { parseYaml } from '../../schema/yaml';
import { isTcsamText } from '../../model/tcsam';
import { validateTcsamText } from '../../schema/validateTcsam';
import { EXIT, inputError, startCommand, usageError, type CliIO } from '../io';

export interface ValidateRecord {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning' | 'information' | 'hint';
  code: string;
  message: string;
}

const HELP = `Usage: scf-toolkit validate <serverless.yml|folder>... [--json] [--layer NAME=FOLDER]...

Checks serverless.yml / serverless.yaml files (YAML syntax, the scf, multi-scf, http and layer
component schemas, handler, code folder, limits, environment variables, triggers, layers) with the
same rules as the editor. Other components (cos, website ...) are named as not checked. A folder
stands for its serverless.yml, or, when it has none, for every one in the folders below it.
  --json               print one JSON array of {file,line,column,endLine,endColumn,severity,code,message}
  --layer NAME=FOLDER  where layer NAME's content is locally, as for invoke (for a layer that is not a
                       component: layer of the app); repeatable
Exit code: 0 no errors, 1 errors found, 2 usage error (bad option, no such file or folder),
70 internal error while checking a file (its record has code scf.internal; please report it).`;

/** The exit codes of `scf-toolkit validate`, and nothing else. */
export const VALIDATE_EXIT = { clean: EXIT.ok, errors: EXIT.failed, usage: EXIT.usage, internal: EXIT.internal } as const;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const started = startCommand(argv, io, { name: 'validate', help: HELP, flags: ['json'], lists: ['layer'] });
  if (typeof started === 'number') return started;
  const { args } = started;
  if (args.positionals.length === 0) return usageError(io, 'validate', 'name at least one serverless.yml or folder');
  // The same folders invoke mounts: a layer bound by a function is then known to have local content.
  const layers = started.layerFolders;
  for (const [name, folder] of Object.entries(layers ?? {})) {
    if (!existsSync(folder)) return usageError(io, 'validate', `--layer ${name}=${folder}: no such folder`);
  }
  const records: ValidateRecord[] = [];
  const files: string[] = [];
  for (const target of args.positionals) {
    const found = filesToCheck(resolve(io.cwd, target));
    if (!found.ok) return inputError(io, 'validate', found.error.message, VALIDATE_EXIT.usage);
    files.push(...found.value);
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return inputError(io, 'validate', `${file}: ${(e as Error).message}`, VALIDATE_EXIT.usage);
    }
    for (const r of validateFileSafely(text, file, io.env, layers)) records.push(r);
  }
  if (args.flags.has('json')) {
    io.out(JSON.stringify(records, null, 2));
  } else {
    for (const r of records) {
      io.out(`${shownPath(io.cwd, r.file)}:${r.line}:${r.column}: ${r.severity} ${r.code}: ${r.message}`);
    }
    const errors = records.filter((r) => r.severity === 'error').length;
    const warnings = records.filter((r) => r.severity === 'warning').length;
    // Components we do not check are named, so "0 errors" never stands for a file nothing looked at.
    const unchecked = records.filter((r) => r.code === 'scf.component.notChecked').map((r) => `${shownPath(io.cwd, r.file)}:${r.line} (${/component `([^`]*)`/.exec(r.message)?.[1] ?? '?'})`);
    io.out(
      `${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}` +
        (unchecked.length ? `; not checked (components SCF Toolkit does not handle): ${unchecked.join(', ')}` : ''),
    );
  }
  if (records.some((r) => r.code === INTERNAL)) return VALIDATE_EXIT.internal;
  return records.some((r) => r.severity === 'error') ? VALIDATE_EXIT.errors : VALIDATE_EXIT.clean;
}

const INTERNAL = 'scf.internal';

/**
 * The files a target stands for: a file itself, the function file in a folder, else every function
 * file below the folder (as `scf-toolkit test` finds them: a folder of several functions' folders).
 */
function filesToCheck(target: string): Outcome<string[]> {
  const found = resolveServerlessFile(target);
  if (found.ok) return ok([found.value]);
  let folder = false;
  try {
    folder = statSync(target).isDirectory();
  } catch {
    /* no such path: found's error says so */
  }
  if (!folder) return found;
  return (require('../../testing/discover') as typeof import('../../testing/discover')).functionFilesFor(target);
}

/** A file as the output names it: relative to the working folder when it is inside it, else absolute. */
function shownPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** validateFile, with a bug of ours on this file turned into one record for it, so the other files still get theirs. */
export function validateFileSafely(text: string, file: string, env: NodeJS.ProcessEnv, layerFolders?: Record<string, string>): ValidateRecord[] {
  try {
    return validateFile(text, file, env, layerFolders);
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return [{ file, line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code: INTERNAL, message: boundMessage(`SCF Toolkit could not check this file (internal error: ${what}); please report it with the file attached`) }];
  }
}

export function validateFile(text: string, file: string, env: NodeJS.ProcessEnv, layerFolders?: Record<string, string>): ValidateRecord[] {
  // A TCSAM template.yaml (the older SCF CLI) is checked with the same rules, on its own properties.
  const tcsam = isTcsamText(text);
  const { parsed, diagnostics } = tcsam ? { parsed: parseYaml(text), diagnostics: validateTcsamText(text, { file, env }) } : validateServerlessText(text, { file, env, layerFolders, keepTriggerResults: false });
  return diagnostics.map((d) => {
    const a = positionAt(parsed.lineStarts, d.start);
    const b = positionAt(parsed.lineStarts, d.end);
    return { file, line: a.line + 1, column: a.character + 1, endLine: b.line + 1, endColumn: b.character + 1, severity: d.severity, code: d.code, message: d.message };
  });
}
