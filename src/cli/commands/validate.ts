/**
 * `scf-toolkit validate <file|folder...> [--json]`: the language server's diagnostics, for CI.
 * Human output: `file:line:column: severity code: message`. With --json: one JSON array of
 * {file, line, column, endLine, endColumn, severity, code, message} with 1-based lines and columns.
 * Exit 1 if any diagnostic is an error, 0 otherwise, 2 on a usage error (no such file, bad option).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { resolveServerlessFile } from '../../model/load';
import { positionAt } from '../../schema/yaml';
import { validateServerlessText } from '../../schema/validate';
import { parseYaml } from '../../schema/yaml';
import { isTcsamText } from '../../model/tcsam';
import { validateTcsamText } from '../../schema/validateTcsam';
import { parseArgs } from '../args';
import type { CliIO } from '../io';

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

const HELP = `Usage: scf-toolkit validate <serverless.yml|folder>... [--json]

Checks serverless.yml / serverless.yaml files (YAML syntax, the scf component schema, handler,
code folder, limits, environment variables, triggers) with the same rules as the editor.
  --json   print one JSON array of {file,line,column,endLine,endColumn,severity,code,message}
Exit code: 1 if any error was found, 0 otherwise, 2 on a usage error.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseArgs(argv, { flags: ['json', 'help'] });
  if (!parsed.ok) {
    io.err(`scf-toolkit validate: ${parsed.message}\n${HELP}`);
    return 2;
  }
  const { args } = parsed;
  if (args.flags.has('help')) {
    io.out(HELP);
    return 0;
  }
  if (args.positionals.length === 0) {
    io.err(`scf-toolkit validate: name at least one serverless.yml or folder\n${HELP}`);
    return 2;
  }
  const records: ValidateRecord[] = [];
  for (const target of args.positionals) {
    const found = resolveServerlessFile(resolve(io.cwd, target));
    if (!found.ok) {
      io.err(`scf-toolkit validate: ${found.error.message}`);
      return 2;
    }
    let text: string;
    try {
      text = readFileSync(found.file, 'utf8');
    } catch (e) {
      io.err(`scf-toolkit validate: ${found.file}: ${(e as Error).message}`);
      return 2;
    }
    records.push(...validateFile(text, found.file, io.env));
  }
  if (args.flags.has('json')) {
    io.out(JSON.stringify(records, null, 2));
  } else {
    for (const r of records) {
      const shown = relative(io.cwd, r.file) || r.file;
      io.out(`${shown}:${r.line}:${r.column}: ${r.severity} ${r.code}: ${r.message}`);
    }
    const errors = records.filter((r) => r.severity === 'error').length;
    const warnings = records.filter((r) => r.severity === 'warning').length;
    io.out(`${args.positionals.length} file${args.positionals.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  return records.some((r) => r.severity === 'error') ? 1 : 0;
}

export function validateFile(text: string, file: string, env: NodeJS.ProcessEnv): ValidateRecord[] {
  // A TCSAM template.yaml (the older SCF CLI) is checked with the same rules, on its own properties.
  const tcsam = isTcsamText(text);
  const { parsed, diagnostics } = tcsam ? { parsed: parseYaml(text), diagnostics: validateTcsamText(text, { file, env }) } : validateServerlessText(text, { file, env });
  return diagnostics.map((d) => {
    const a = positionAt(parsed.lineStarts, d.start);
    const b = positionAt(parsed.lineStarts, d.end);
    return { file, line: a.line + 1, column: a.character + 1, endLine: b.line + 1, endColumn: b.character + 1, severity: d.severity, code: d.code, message: d.message };
  });
}
