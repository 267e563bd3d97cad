/**
 * The small YAML tree the validator, hover, completion and outline work on: mappings, sequences and
 * scalars with character offsets. It comes from the fast block-YAML reader (`fastParse.ts`) or, for
 * anything that reader does not handle, from the `yaml` library (`fromYamlLib.ts`).
 */
import type { YamlLimitKind } from '../../model/yamlLimits';

export type YScalarValue = string | number | boolean | null;

export interface YScalar {
  kind: 'scalar';
  value: YScalarValue;
  /** Quoted scalars are always strings; plain ones were resolved by the YAML 1.2 core schema. */
  quoted: boolean;
  start: number;
  end: number;
}

export interface YPair {
  key: string;
  keyStart: number;
  keyEnd: number;
  /** An empty value (`key:`) is a null scalar of zero length right after the colon. */
  value: YNode;
}

export interface YMap {
  kind: 'map';
  pairs: YPair[];
  start: number;
  end: number;
}

export interface YSeq {
  kind: 'seq';
  items: YNode[];
  start: number;
  end: number;
}

export type YNode = YMap | YSeq | YScalar;

export interface YamlSyntaxError {
  message: string;
  start: number;
  end: number;
  /** Set when the document passed one of the reading bounds (model/yamlLimits.ts), not a syntax rule. */
  limit?: YamlLimitKind;
  /** Edits that mend it, where they are known (an indentation slip: model/yamlErrors.ts yamlErrorFixes). */
  fixes?: Array<{ start: number; end: number; newText: string; title: string; preferred: boolean }>;
}

export interface ParsedYaml {
  text: string;
  /** null for an empty document. */
  root: YNode | null;
  errors: YamlSyntaxError[];
  /** Offsets where each line starts (for offset <-> line/column). */
  lineStarts: number[];
  /** Which reader produced the tree ('fast' or 'yaml'); for tests and benchmarks. */
  reader: 'fast' | 'yaml';
}

export function getPair(map: YMap, key: string): YPair | undefined {
  for (const p of map.pairs) if (p.key === key) return p;
  return undefined;
}

export function get(node: YNode | null | undefined, key: string): YNode | undefined {
  return node && node.kind === 'map' ? getPair(node, key)?.value : undefined;
}

/** The plain JS value of a node, as `yaml`'s toJS would give it. */
export function toValue(node: YNode | null): unknown {
  if (!node) return null;
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toValue);
  const out: Record<string, unknown> = {};
  for (const p of node.pairs) out[p.key] = toValue(p.value);
  return out;
}

export function scalarText(node: YNode | null | undefined): string | undefined {
  if (!node || node.kind !== 'scalar' || node.value === null) return undefined;
  return String(node.value);
}

/** The node at a JSON-pointer-like path of keys and indexes. */
export function nodeAtPath(root: YNode | null, path: readonly (string | number)[]): YNode | undefined {
  let cur: YNode | null | undefined = root;
  for (const seg of path) {
    if (!cur) return undefined;
    if (cur.kind === 'map') cur = getPair(cur, String(seg))?.value;
    else if (cur.kind === 'seq' && typeof seg === 'number') cur = cur.items[seg];
    else if (cur.kind === 'seq') cur = cur.items[Number(seg)];
    else return undefined;
  }
  return cur ?? undefined;
}

/** Line positions: the one implementation in the model (src/model/lines.ts). */
export { lineStarts as computeLineStarts, positionAt, offsetAt } from '../../model/lines';
