import { LineCounter, type Node as YamlNode, type Pair, isNode } from 'yaml';
import type { SourceRange } from './types';

/** Turns the `yaml` library's character offsets into line/column ranges. */
export function rangeOf(lines: LineCounter, node: YamlNode | Pair | null | undefined): SourceRange | undefined {
  const target = node && !isNode(node) ? (node.key as YamlNode | null) : node;
  if (!target || !isNode(target) || !target.range) return undefined;
  return offsetsToRange(lines, target.range[0], target.range[1]);
}

export function offsetsToRange(lines: LineCounter, start: number, end: number): SourceRange {
  const a = lines.linePos(start);
  const b = lines.linePos(Math.max(start, end));
  return { line: a.line - 1, column: a.col - 1, endLine: b.line - 1, endColumn: b.col - 1 };
}
