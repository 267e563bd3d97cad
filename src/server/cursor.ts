/**
 * Where the cursor is in YAML terms, read from the text's indentation so it works while the line
 * being typed makes the document invalid YAML: the path of keys above it, whether a key or a value
 * is being typed, and the keys already present beside it.
 */
export type PathSegment = string | number;

export interface CursorContext {
  /** Keys (and 0 for list items) from the root to the mapping the cursor is in. */
  path: PathSegment[];
  kind: 'key' | 'value' | 'item';
  /** For 'value': the key whose value is typed. */
  key?: string;
  /** The partial word under the cursor and where it starts (column). */
  word: string;
  wordStart: number;
  /** Column where keys of this mapping start. */
  column: number;
  /** Keys already present in the same mapping (for 'key'). */
  siblings: string[];
}

interface LineShape {
  indent: number;
  dash: boolean;
  /** Column where the key (or the scalar after `- `) starts. */
  keyCol: number;
  key?: string;
  blank: boolean;
}

const KEY_LINE = /^(\s*)(-\s+)?(?:"([^"]*)"|'([^']*)'|([^\s#'"\-?:,[\]{}][^#]*?|[-?:][^\s#][^#]*?))\s*:(?:\s|$)/;

export function shapeOf(line: string): LineShape {
  const trimmed = line.trimStart();
  if (trimmed === '' || trimmed.startsWith('#')) return { indent: 0, dash: false, keyCol: 0, blank: true };
  const indent = line.length - trimmed.length;
  const m = KEY_LINE.exec(line);
  if (m) {
    const dashLen = m[2]?.length ?? 0;
    return { indent, dash: dashLen > 0, keyCol: indent + dashLen, key: m[3] ?? m[4] ?? m[5], blank: false };
  }
  const d = /^(\s*)(-)(\s+|$)/.exec(line);
  if (d) return { indent, dash: true, keyCol: indent + 1 + (d[3]?.length ?? 0), blank: false };
  return { indent, dash: false, keyCol: indent, blank: false };
}

/** The path of the mapping whose keys start at `col`, looking upwards from line `lineNo` (exclusive). */
export function parentPath(lines: readonly string[], lineNo: number, col: number): PathSegment[] {
  const path: PathSegment[] = [];
  let cur = col;
  for (let i = lineNo - 1; i >= 0 && cur > 0; i--) {
    const s = shapeOf(lines[i]!);
    if (s.blank) continue;
    if (s.dash && s.indent < cur && s.keyCol >= cur) {
      // We are inside this list item (a sibling key of its compact mapping, or below it).
      path.unshift(0);
      cur = s.indent;
      continue;
    }
    if (s.key !== undefined && s.keyCol < cur) {
      path.unshift(s.key);
      if (s.dash) {
        path.unshift(0);
        cur = s.indent;
      } else cur = s.keyCol;
      continue;
    }
    if (s.indent < cur) cur = s.indent; // a scalar line at lower indent: keep looking above it
  }
  return path;
}

function siblingKeys(lines: readonly string[], lineNo: number, col: number): string[] {
  const out: string[] = [];
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const s = shapeOf(lines[i]!);
      if (s.blank) continue;
      if (s.keyCol < col && !(s.dash && s.indent < col && s.keyCol === col)) {
        if (!(s.dash && s.keyCol >= col)) break;
      }
      if (s.keyCol === col && s.key !== undefined) out.push(s.key);
      if (s.dash && s.indent < col && step === -1 && s.keyCol === col) break; // the item's first line
      if (s.dash && s.indent < col && step === 1) break; // the next list item
      if (s.keyCol < col) break;
    }
  };
  scan(lineNo - 1, -1);
  scan(lineNo + 1, 1);
  return out;
}

export function cursorContext(text: string, line: number, character: number): CursorContext {
  const lines = text.split(/\r?\n/);
  const full = lines[line] ?? '';
  const before = full.slice(0, character);
  // Typing a value: `key: partial`
  const kv = /^(\s*)(-\s+)?(?:"([^"]*)"|'([^']*)'|([^\s#'"][^#:]*?))\s*:\s+(\S*)$/.exec(before);
  if (kv) {
    const col = kv[1]!.length + (kv[2]?.length ?? 0);
    const key = kv[3] ?? kv[4] ?? kv[5]!;
    let path = parentPath(lines, line, col);
    if (kv[2]) path = [...parentPath(lines, line, kv[1]!.length), 0];
    const word = kv[6]!.replace(/^["']/, '');
    return { path, kind: 'value', key, word, wordStart: character - word.length, column: col, siblings: [] };
  }
  // A list item scalar: `- partial`
  const item = /^(\s*)-\s+([^\s:#]*)$/.exec(before);
  if (item && !/:\s*$/.test(full)) {
    const indent = item[1]!.length;
    const parent = parentPath(lines, line, indent);
    const word = item[2]!;
    // Either a new key of a mapping item or a scalar item: the caller asks the schema which fits.
    return { path: [...parent, 0], kind: 'item', word, wordStart: character - word.length, column: character - word.length, siblings: [] };
  }
  // Typing a key: `  partial`
  const k = /^(\s*)([^\s:#]*)$/.exec(before);
  const col = k ? k[1]!.length : before.length - before.trimStart().length;
  const word = k ? k[2]! : '';
  return { path: parentPath(lines, line, col), kind: 'key', word, wordStart: character - word.length, column: col, siblings: siblingKeys(lines, line, col) };
}
