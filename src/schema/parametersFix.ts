/**
 * Quick fixes for a trigger whose settings are not under `parameters:` (the component reads a trigger's
 * settings only from there): settings written beside `name:` are moved under it, otherwise the trigger
 * kind's snippet's `parameters:` block is added; a required setting missing from `parameters:` is added
 * from the same snippet. Block-style YAML only: a flow mapping (`timer: {...}`) gets no fix.
 */
import type { QuickFix } from './diagnostics';
import type { JsonSchema } from './schema';
import { triggerParameterLines } from '../model/snippets';
import type { YMap, YNode, YPair } from './yaml';

type Path = (string | number)[];

/** `path` is a trigger's body: `[..., 'events', i, kind]`. */
export function isTriggerBody(path: Path): boolean {
  return path.length >= 3 && typeof path[path.length - 2] === 'number' && path[path.length - 3] === 'events';
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The end of the line holding the node's last character (trailing blank lines and comments excluded). */
function lastLineEnd(text: string, node: YNode): number {
  let end = node.end;
  while (end > node.start && /\s/.test(text[end - 1]!)) end--;
  const nl = text.indexOf('\n', end);
  return nl < 0 ? text.length : nl;
}

/** A block mapping whose keys each start their own line, or undefined. */
function blockMap(node: YNode | undefined, text: string): YMap | undefined {
  if (node?.kind !== 'map' || node.pairs.length === 0 || text[node.start] === '{') return undefined;
  return node;
}

/** The lines of one pair, from its key's line to the line before the next pair (comments go with it). */
function pairLines(text: string, map: YMap, i: number, regionEnd: number): string {
  const start = lineStart(text, map.pairs[i]!.keyStart);
  const next = map.pairs[i + 1];
  const end = next ? lineStart(text, next.keyStart) - 1 : regionEnd;
  return text.slice(start, end);
}

/** Fixes for `parameters` missing from the trigger body at `body` (kind = its key). */
export function missingParametersFixes(text: string, kind: string, body: YNode | undefined, parametersSchema: JsonSchema | undefined): QuickFix[] {
  const map = blockMap(body, text);
  if (!map) return [];
  const indent = ' '.repeat(map.pairs[0]!.keyStart - lineStart(text, map.pairs[0]!.keyStart));
  const known = new Set(Object.keys(parametersSchema?.properties ?? {}));
  // `name` is the trigger's own name at either level: it stays where it is.
  const movable = (p: YPair) => p.key !== 'name' && known.has(p.key);
  const moving = map.pairs.filter(movable);
  const regionStart = lineStart(text, map.pairs[0]!.keyStart);
  const regionEnd = lastLineEnd(text, map);
  if (moving.length > 0) {
    const kept: string[] = [];
    const moved: string[] = [];
    map.pairs.forEach((p, i) => (movable(p) ? moved : kept).push(pairLines(text, map, i, regionEnd)));
    const under = moved.flatMap((block) => block.split('\n').map((l) => (l.trim() ? `  ${l}` : l)));
    const newText = [...kept, `${indent}parameters:`, ...under].join('\n');
    const names = moving.map((p) => `\`${p.key}\``).join(', ');
    return [{ title: `Move ${names} under \`parameters:\``, kind: 'edit', edits: [{ start: regionStart, end: regionEnd, newText }], preferred: true }];
  }
  const lines = triggerParameterLines(kind);
  if (!lines) return [];
  const newText = lines.map((l) => `\n${indent}${l}`).join('');
  return [{ title: `Add \`parameters:\` (the ${kind} trigger's settings)`, kind: 'edit', edits: [{ start: regionEnd, end: regionEnd, newText }], preferred: true }];
}

/** A fix adding the required `key` to a trigger's `parameters:` mapping, from the kind's snippet. */
export function missingParameterFixes(text: string, kind: string, key: string, parameters: YNode | undefined): QuickFix[] {
  const map = blockMap(parameters, text);
  const lines = map && triggerParameterLines(kind, key);
  if (!map || !lines) return [];
  const indent = ' '.repeat(map.pairs[0]!.keyStart - lineStart(text, map.pairs[0]!.keyStart));
  const at = lastLineEnd(text, map);
  return [{ title: `Add \`${lines[0]!.trim()}\``, kind: 'edit', edits: [{ start: at, end: at, newText: lines.map((l) => `\n${indent}${l}`).join('') }], preferred: true }];
}
