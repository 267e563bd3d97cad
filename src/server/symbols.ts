/** Document symbols for the outline: the mapping keys, list items named by their trigger kind. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { ParsedYaml, YNode } from '../schema/yaml';
import { rangeOf } from './convert';

const MAX_DEPTH = 12;

export function documentSymbols(parsed: ParsedYaml): DocumentSymbol[] {
  const ls = parsed.lineStarts;
  const kindOf = (n: YNode): SymbolKind =>
    n.kind === 'map' ? SymbolKind.Module : n.kind === 'seq' ? SymbolKind.Array : typeof n.value === 'number' ? SymbolKind.Number : typeof n.value === 'boolean' ? SymbolKind.Boolean : n.value === null ? SymbolKind.Null : SymbolKind.String;
  const children = (n: YNode, depth: number): DocumentSymbol[] | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    if (n.kind === 'map') return n.pairs.map((p) => {
      const end = Math.max(p.value.end, p.keyEnd);
      return {
        name: p.key === '' ? '""' : p.key,
        detail: p.value.kind === 'scalar' && p.value.value !== null ? String(p.value.value) : undefined,
        kind: kindOf(p.value),
        range: rangeOf(ls, p.keyStart, end),
        selectionRange: rangeOf(ls, p.keyStart, p.keyEnd),
        children: children(p.value, depth + 1),
      };
    });
    if (n.kind === 'seq') return n.items.map((item, i) => {
      const single = item.kind === 'map' && item.pairs.length >= 1 ? item.pairs[0]! : undefined;
      return {
        name: single ? (item.kind === 'map' && item.pairs.length === 1 ? single.key : `${single.key}: ${single.value.kind === 'scalar' ? String(single.value.value) : '…'}`) : item.kind === 'scalar' ? String(item.value) : `[${i}]`,
        kind: item.kind === 'map' && item.pairs.length === 1 ? SymbolKind.Event : kindOf(item),
        range: rangeOf(ls, item.start, Math.max(item.end, item.start)),
        selectionRange: rangeOf(ls, item.start, single ? single.keyEnd : Math.max(item.end, item.start)),
        children: item.kind === 'map' && item.pairs.length === 1 ? children(single!.value, depth + 1) : children(item, depth + 1),
      };
    });
    return undefined;
  };
  return parsed.root ? children(parsed.root, 0) ?? [] : [];
}
