/**
 * Offsets in a text and their 0-based line/column positions (as LSP and SourceRange count them): the one
 * implementation every part uses, whether the text is YAML, JSON or code.
 */
import type { SourceRange } from './types';

/** The offset at which each line starts; `[0]` for an empty text. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

/** 0-based line and column of an offset (binary search over the line starts). */
export function positionAt(starts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo]! };
}

/** The offset of a 0-based line and column, clamped to the line and the text. */
export function offsetAt(starts: readonly number[], textLength: number, line: number, character: number): number {
  if (line < 0) return 0;
  if (line >= starts.length) return textLength;
  const lineEnd = line + 1 < starts.length ? starts[line + 1]! - 1 : textLength;
  return Math.min(starts[line]! + Math.max(0, character), lineEnd);
}

/** The SourceRange from one offset to another (an empty range where `end` is before `start`). */
export function rangeAt(starts: readonly number[], start: number, end: number): SourceRange {
  const a = positionAt(starts, start);
  const b = positionAt(starts, Math.max(start, end));
  return { line: a.line, column: a.character, endLine: b.line, endColumn: b.character };
}
