/**
 * Which handlers the code folder offers: the functions each entry file at its root exports (Node.js
 * `exports.x` / `export function x` / `module.exports = { x }`, Python top-level `def x`, PHP top-level
 * `function x`), and for Java the public methods of the classes under it (`package.Class::method`).
 * A light scan of the text, as the "function not defined" check does: good enough to suggest a fix,
 * never used to refuse anything.
 */
import { join, relative, sep } from 'node:path';
import type { FileProbe } from './context';

export type ScannedFamily = 'nodejs' | 'python' | 'php' | 'java';

/** A file larger than this is not scanned (a bundle or generated code is not where a handler is chosen). */
const MAX_SCANNED_BYTES = 512 * 1024;
/** How many files of a folder, and of a Java source tree, are looked at. */
const MAX_FILES = 200;

const ENTRY: Record<Exclude<ScannedFamily, 'java'>, RegExp> = {
  nodejs: /^([A-Za-z_$][\w$-]*)\.(js|mjs|cjs)$/,
  python: /^([A-Za-z_][\w-]*)\.py$/,
  php: /^([A-Za-z_][\w-]*)\.php$/,
};

const IDENT = '[A-Za-z_$][\\w$]*';

/** The function names a source file exports, in the order they appear. */
export function exportedFunctions(family: Exclude<ScannedFamily, 'java'>, source: string): string[] {
  const names: string[] = [];
  const add = (n: string | undefined) => n && !names.includes(n) && names.push(n);
  const all = (re: RegExp, group = 1) => {
    for (const m of source.matchAll(re)) add(m[group]);
  };
  if (family === 'python') {
    all(/^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/gm);
    return names;
  }
  if (family === 'php') {
    all(/^function\s+([A-Za-z_]\w*)\s*\(/gim);
    return names;
  }
  all(new RegExp(`(?:module\\.)?exports\\.(${IDENT})\\s*=`, 'g'));
  all(new RegExp(`(?:module\\.)?exports\\[['"](${IDENT})['"]\\]\\s*=`, 'g'));
  all(new RegExp(`export\\s+(?:async\\s+)?function\\s*\\*?\\s*(${IDENT})`, 'g'));
  all(new RegExp(`export\\s+(?:const|let|var)\\s+(${IDENT})`, 'g'));
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) for (const part of m[1]!.split(',')) add(/(?:\bas\s+)?([A-Za-z_$][\w$]*)\s*$/.exec(part.trim())?.[1]);
  // module.exports = { a, b: ..., c() {...} }: the keys at the object's top level.
  const obj = /module\.exports\s*=\s*\{/.exec(source);
  if (obj) for (const key of topLevelKeys(source, obj.index + obj[0].length)) add(key);
  return names;
}

/** Keys of an object literal whose `{` ends just before `from`, at its own depth only. */
function topLevelKeys(source: string, from: number): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = true;
  for (let i = from; i < source.length && i < from + 20000; i++) {
    const c = source[i]!;
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && c === ',') expectKey = true;
    else if (depth === 0 && expectKey && /[A-Za-z_$]/.test(c)) {
      const m = /^(?:async\s+)?([A-Za-z_$][\w$]*)/.exec(source.slice(i));
      if (m) {
        keys.push(m[1]!);
        i += m[0].length - 1;
      }
      expectKey = false;
    }
  }
  return keys;
}

export interface OfferedHandler {
  /** `index.main_handler` */
  handler: string;
  /** The file that defines it, `index.js` (relative to the code folder). */
  file: string;
}

/** `file.function` handlers the root of the code folder offers, by file (`index.main_handler` ...). */
export function entryHandlers(family: Exclude<ScannedFamily, 'java'>, codeDir: string, probe: FileProbe): OfferedHandler[] {
  const out: OfferedHandler[] = [];
  for (const name of (probe.list?.(codeDir) ?? []).slice(0, MAX_FILES).sort()) {
    const m = ENTRY[family].exec(name);
    if (!m) continue;
    const source = readSmall(probe, join(codeDir, name));
    if (source === undefined) continue;
    for (const fn of exportedFunctions(family, source)) {
      const handler = `${m[1]}.${fn}`;
      // index.js before index.mjs: the one SCF would load first.
      if (!out.some((o) => o.handler === handler)) out.push({ handler, file: name });
    }
  }
  return out;
}

/**
 * `package.Class::method` handlers from the Java sources under the code folder (its `src/main/java`
 * when there is one): public methods, not constructors or `main`. Nothing when the folder holds only
 * a built jar.
 */
export function javaHandlers(codeDir: string, probe: FileProbe): string[] {
  const out: string[] = [];
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || files.length >= MAX_FILES) return;
    for (const name of probe.list?.(dir) ?? []) {
      if (name === 'node_modules' || name === 'target' || name === 'build' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (name.endsWith('.java')) files.push(path);
      else if (probe.stat(path)?.isDirectory) walk(path, depth + 1);
    }
  };
  walk(codeDir, 0);
  for (const file of files.sort()) {
    const source = readSmall(probe, file);
    if (source === undefined) continue;
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(source)?.[1];
    const cls = /\bpublic\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_]\w*)/.exec(source)?.[1] ?? relative(codeDir, file).split(sep).pop()!.replace(/\.java$/, '');
    for (const m of source.matchAll(/\bpublic\s+(?:static\s+|final\s+|synchronized\s+)*[\w<>[\],.\s]+?\s+([a-z_$][\w$]*)\s*\(/g)) {
      const method = m[1]!;
      if (method === 'main' || method === cls) continue;
      const handler = `${pkg ? `${pkg}.` : ''}${cls}::${method}`;
      if (!out.includes(handler)) out.push(handler);
    }
  }
  return out;
}

function readSmall(probe: FileProbe, path: string): string | undefined {
  const text = probe.read(path);
  return text !== undefined && text.length <= MAX_SCANNED_BYTES ? text : undefined;
}
