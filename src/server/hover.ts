/** Hover: the description, allowed values and default of the key or value under the cursor. */
import type { Hover } from 'vscode-languageserver';
import { schemaAtPath } from '../schema/schema';
import type { ParsedYaml, YNode } from '../schema/yaml';
import { rangeOf } from './convert';
import type { PathSegment } from './cursor';
import { describeSchema } from './describe';
import type { SchemaView } from './schemaView';

export interface NodeHit {
  path: PathSegment[];
  /** The key (if the cursor is on a key) or the value's range. */
  start: number;
  end: number;
  onKey: boolean;
}

/** The deepest key or scalar at `offset`, with its path. */
export function nodeAt(root: YNode | null, offset: number): NodeHit | undefined {
  let node = root;
  const path: PathSegment[] = [];
  while (node) {
    if (node.kind === 'map') {
      let next: YNode | undefined;
      for (const p of node.pairs) {
        if (offset >= p.keyStart && offset <= p.keyEnd) return { path: [...path, p.key], start: p.keyStart, end: p.keyEnd, onKey: true };
        if (offset >= p.value.start && offset <= p.value.end && p.value.end > p.value.start) {
          path.push(p.key);
          next = p.value;
          break;
        }
      }
      if (!next) return undefined;
      node = next;
    } else if (node.kind === 'seq') {
      const i = node.items.findIndex((it) => offset >= it.start && offset <= it.end);
      if (i === -1) return undefined;
      path.push(i);
      node = node.items[i]!;
    } else {
      return { path, start: node.start, end: node.end, onKey: false };
    }
  }
  return undefined;
}

export function hover(parsed: ParsedYaml, offset: number, normalisePath: (p: PathSegment[]) => PathSegment[] = (p) => p, view?: SchemaView): Hover | undefined {
  const hit = nodeAt(parsed.root, offset);
  if (!hit) return undefined;
  const path = normalisePath(hit.path);
  const schemaAt = (p: PathSegment[]) => (view ? view.schemaAt(p) : schemaAtPath(normalisePath(p)));
  let schema = schemaAt(hit.path);
  let name: string | undefined;
  for (let i = path.length - 1; i >= 0; i--) {
    if (typeof path[i] === 'string') {
      name = path[i] as string;
      break;
    }
  }
  // Keys the schema does not name (an env variable, a tag): describe the mapping they belong to.
  if (!schema?.description && path.length > 1) {
    const parent = schemaAt(hit.path.slice(0, -1));
    if (parent?.description) {
      schema = { ...schema, description: parent.description };
      name = hit.onKey ? name : undefined;
    }
  }
  const value = describeSchema(name, schema);
  if (!value) return undefined;
  return { contents: { kind: 'markdown', value }, range: rangeOf(parsed.lineStarts, hit.start, hit.end) };
}
