/**
 * Where the "Invoke | Debug | Events" CodeLens goes (no vscode import: tested in plain Node):
 * above each function in serverless.yml / template.yaml, and above the exported handler in the
 * function's source file. A source file finds its functions by looking for serverless.yml or a
 * TCSAM template.yaml in its folder and the folders above it, so the lens needs no workspace scan.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { parseServerless, SERVERLESS_FILE_NAMES, type FunctionSpec } from '../model';
import { lineStarts, positionAt } from '../model/lines';
import { isTcsamText, TCSAM_FILE_NAMES } from '../model/tcsam';

export interface LensAnchor {
  /** 0-based line. */
  line: number;
  spec: FunctionSpec;
}

/** The functions a serverless.yml / template.yaml text declares, each at its line. */
export function functionFileAnchors(text: string, file: string, env: NodeJS.ProcessEnv = {}): LensAnchor[] {
  const r = parseServerless(text, file, { env });
  if (!r.ok) return [];
  return r.value.functions.map((spec) => ({ line: spec.range?.line ?? 0, spec }));
}

/** Whether a path names a function file (serverless.yml/.yaml, or template.yaml/.yml that is TCSAM). */
export function isFunctionFileName(path: string): boolean {
  const name = path.split(/[\\/]/).pop() ?? '';
  return (SERVERLESS_FILE_NAMES as readonly string[]).includes(name) || (TCSAM_FILE_NAMES as readonly string[]).includes(name);
}

import { handlerSourceFile } from '../model/handlerFile';

export { handlerSourceFile };

/** The exported function's name in the handler (`index.main_handler` -> `main_handler`). */
export function handlerFunctionName(spec: FunctionSpec): string | undefined {
  const dot = spec.handler?.lastIndexOf('.') ?? -1;
  return dot > 0 ? spec.handler!.slice(dot + 1) : undefined;
}

/** The 0-based line that defines or exports `name` in a JavaScript or Python source text. */
export function handlerLine(text: string, name: string, language: 'javascript' | 'python'): number | undefined {
  const n = escapeRegExp(name);
  const patterns =
    language === 'python'
      ? [new RegExp(`^(async\\s+)?def\\s+${n}\\s*\\(`, 'm'), new RegExp(`^${n}\\s*=`, 'm')]
      : [
          new RegExp(`^\\s*(module\\.)?exports\\.${n}\\s*=`, 'm'),
          new RegExp(`^\\s*(module\\.)?exports\\[\\s*['"]${n}['"]\\s*\\]\\s*=`, 'm'),
          new RegExp(`^\\s*export\\s+(default\\s+)?(async\\s+)?function\\s*\\*?\\s*${n}\\b`, 'm'),
          new RegExp(`^\\s*export\\s+(const|let|var)\\s+${n}\\b`, 'm'),
          // Defined first, exported later (`module.exports = { main_handler }` / `export { main_handler }`).
          new RegExp(`^\\s*(async\\s+)?function\\s*\\*?\\s*${n}\\b`, 'm'),
          new RegExp(`^\\s*(const|let|var)\\s+${n}\\s*=`, 'm'),
          new RegExp(`^\\s*module\\.exports\\s*=.*\\b${n}\\b`, 'm'),
        ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) return positionAt(lineStarts(text), m.index + (m[0].length - m[0].trimStart().length)).line;
  }
  return undefined;
}

/**
 * The functions whose handler is `sourceFile`, from the function files in its folder and the folders
 * above it (up to `stopAt`, e.g. the workspace folder). `read` lets the caller use an editor's text.
 */
export function functionsForSource(sourceFile: string, options: { stopAt?: string; env?: NodeJS.ProcessEnv; read?: (file: string) => string | undefined } = {}): FunctionSpec[] {
  const out: FunctionSpec[] = [];
  const target = resolve(sourceFile);
  const read = options.read ?? ((f: string) => readFileSync(f, 'utf8'));
  let dir = dirname(target);
  const stop = options.stopAt ? resolve(options.stopAt) : undefined;
  for (let depth = 0; depth < 12; depth++) {
    for (const name of [...SERVERLESS_FILE_NAMES, ...TCSAM_FILE_NAMES]) {
      const file = join(dir, name);
      if (!isFile(file)) continue;
      let text: string | undefined;
      try {
        text = read(file);
      } catch {
        continue;
      }
      if (text === undefined) continue;
      if ((TCSAM_FILE_NAMES as readonly string[]).includes(name) && !isTcsamText(text)) continue;
      const r = parseServerless(text, file, { env: options.env ?? {} });
      if (!r.ok) continue;
      for (const spec of r.value.functions) if (handlerSourceFile(spec) === target) out.push(spec);
    }
    if (stop && (dir === stop || !dir.startsWith(stop + sep))) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return out;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}


function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

