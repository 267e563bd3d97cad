import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type Node as YamlNode } from 'yaml';
import type { YNode, YPair, YScalar, YScalarValue } from './ast';

/**
 * Converts a `yaml` library node into our tree. `base` shifts offsets (for a flow collection parsed
 * out of one line). Aliases are expanded in place, to a bounded depth so `a: &x [*x]` cannot loop.
 */
export function fromYamlNode(node: unknown, doc: Document | undefined, base: number, fallbackAt: number, depth = 0): YNode {
  const range = (node as YamlNode | null)?.range;
  const start = range ? range[0] + base : fallbackAt;
  const end = range ? range[1] + base : fallbackAt;
  if (depth > 50) return nullScalar(start, end);
  if (isAlias(node)) {
    const target = doc ? node.resolve(doc) : undefined;
    if (!target) return nullScalar(start, end);
    const converted = fromYamlNode(target, doc, 0, start, depth + 1);
    return { ...converted, start, end } as YNode;
  }
  if (isMap(node)) {
    const pairs: YPair[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyRange = keyNode?.range;
      const keyStart = keyRange ? keyRange[0] + base : start;
      const keyEnd = keyRange ? keyRange[1] + base : keyStart;
      let key: string;
      if (isScalar(keyNode)) key = keyNode.value === null || keyNode.value === undefined ? '' : String(keyNode.value);
      else if (keyNode && typeof (keyNode as { toJSON?: unknown }).toJSON === 'function') key = JSON.stringify((keyNode as unknown as { toJSON(): unknown }).toJSON());
      else key = '';
      const value = pair.value === null || pair.value === undefined ? nullScalar(keyEnd + 1, keyEnd + 1) : fromYamlNode(pair.value, doc, base, keyEnd + 1, depth + 1);
      pairs.push({ key, keyStart, keyEnd, value });
    }
    return { kind: 'map', pairs, start, end };
  }
  if (isSeq(node)) {
    const items = node.items.map((item) => (item === null || item === undefined ? nullScalar(start, start) : fromYamlNode(item, doc, base, start, depth + 1)));
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
