import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type Node as YamlNode } from 'yaml';
import { isMergeSource, MAX_ALIAS_NODES, MAX_YAML_DEPTH, YamlLimitError } from '../../model/yamlLimits';
import type { YMap, YNode, YPair, YScalar, YScalarValue } from './ast';

/**
 * How much one conversion may still do: the nodes aliases and merge keys may add (shared by the whole
 * document), so `a: &a [*b, *b, ...]` nine levels deep stops at MAX_ALIAS_NODES instead of expanding
 * to hundreds of millions of nodes.
 */
export interface Budget {
  aliasNodes: number;
}

export function newBudget(): Budget {
  return { aliasNodes: MAX_ALIAS_NODES };
}

/**
 * Converts a `yaml` library node into our tree. `base` shifts offsets (for a flow collection parsed
 * out of one line). Aliases are expanded in place and merge keys (`<<: *x`, `<<: [*x, *y]`, as the
 * Serverless Framework's YAML reader applies them) merged into their mapping, within `budget`; nesting
 * deeper than MAX_YAML_DEPTH (counting through aliases, so `a: &x [*x]` cannot loop) throws a
 * YamlLimitError, as does a budget spent.
 */
export function fromYamlNode(node: unknown, doc: Document | undefined, base: number, fallbackAt: number, depth = 0, budget: Budget = newBudget(), inAlias = false): YNode {
  const range = (node as YamlNode | null)?.range;
  const start = range ? range[0] + base : fallbackAt;
  const end = range ? range[1] + base : fallbackAt;
  if (depth > MAX_YAML_DEPTH) throw new YamlLimitError('depth', start, end);
  if (inAlias && --budget.aliasNodes < 0) throw new YamlLimitError('aliases', start, end);
  if (isAlias(node)) {
    const target = doc ? node.resolve(doc) : undefined;
    if (!target) return nullScalar(start, end);
    const converted = fromYamlNode(target, doc, 0, start, depth + 1, budget, true);
    return { ...converted, start, end } as YNode;
  }
  if (isMap(node)) {
    const pairs: YPair[] = [];
    const merged: YPair[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyRange = keyNode?.range;
      const keyStart = keyRange ? keyRange[0] + base : start;
      const keyEnd = keyRange ? keyRange[1] + base : keyStart;
      let key: string;
      if (isScalar(keyNode)) key = keyNode.value === null || keyNode.value === undefined ? '' : String(keyNode.value);
      else if (keyNode && typeof (keyNode as { toJSON?: unknown }).toJSON === 'function') key = JSON.stringify((keyNode as unknown as { toJSON(): unknown }).toJSON());
      else key = '';
      const value = pair.value === null || pair.value === undefined ? nullScalar(keyEnd + 1, keyEnd + 1) : fromYamlNode(pair.value, doc, base, keyEnd + 1, depth + 1, budget, inAlias);
      if (key === '<<' && isScalar(keyNode) && keyNode.type === Scalar.PLAIN && isMergeSource(pair.value)) {
        // A merge key: the pairs of the named mapping(s) join this one; its own keys win, then the earlier source.
        for (const source of value.kind === 'seq' ? value.items : [value]) if (source.kind === 'map') merged.push(...source.pairs);
        continue;
      }
      pairs.push({ key, keyStart, keyEnd, value });
    }
    if (merged.length) {
      const have = new Set(pairs.map((p) => p.key));
      for (const p of merged) {
        if (have.has(p.key)) continue;
        have.add(p.key);
        pairs.push(p);
      }
    }
    return { kind: 'map', pairs, start, end } satisfies YMap;
  }
  if (isSeq(node)) {
    const items = node.items.map((item) => (item === null || item === undefined ? nullScalar(start, start) : fromYamlNode(item, doc, base, start, depth + 1, budget, inAlias)));
    return { kind: 'seq', items, start, end };
  }
  if (isScalar(node)) {
    const v = node.value;
    let value: YScalarValue;
    if (v === null || v === undefined) value = null;
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') value = v;
    else if (typeof v === 'bigint') value = Number(v);
    else value = String(v);
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
    return { kind: 'scalar', value, quoted, start, end };
  }
  return nullScalar(start, end);
}

export function nullScalar(start: number, end: number): YScalar {
  return { kind: 'scalar', value: null, quoted: false, start, end };
}
