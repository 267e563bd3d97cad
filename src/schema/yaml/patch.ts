/**
 * Incremental re-reading for the common edit: typing inside one scalar value on one line. The tree of
 * the previous version is reused, the edited scalar re-read, and every later offset shifted; anything
 * else (a new line, a key, a flow collection, a change of where the value ends) returns undefined and the
 * caller parses the whole text. The fuzz test checks the patched tree equals a fresh parse.
 */
import type { ParsedYaml, YNode, YScalar } from './ast';
import { readInlineValue } from './fastParse';

export function patchParse(prev: ParsedYaml, text: string): ParsedYaml | undefined {
  if (prev.reader !== 'fast' || prev.errors.length > 0 || !prev.root) return undefined;
  const old = prev.text;
  const minLen = Math.min(old.length, text.length);
  let a = 0;
  // Compare in native-sized chunks first, then character by character.
  for (let step = 4096; step >= 1; step >>= 4) {
    while (a + step <= minLen && old.slice(a, a + step) === text.slice(a, a + step)) a += step;
  }
  if (a === old.length && a === text.length) return { ...prev, text };
  let b = 0;
  for (let step = 4096; step >= 1; step >>= 4) {
    while (b + step <= minLen - a && old.slice(old.length - b - step, old.length - b) === text.slice(text.length - b - step, text.length - b)) b += step;
  }
  const oldEnd = old.length - b;
  const newEnd = text.length - b;
  if (/[\n\r\t]/.test(old.slice(a, oldEnd)) || /[\n\r\t]/.test(text.slice(a, newEnd))) return undefined;

  const scalar = scalarAround(prev.root, a, oldEnd);
  if (!scalar || scalar.end === scalar.start) return undefined;
  const lineStart = text.lastIndexOf('\n', scalar.start - 1) + 1;
  let lineEnd = text.indexOf('\n', scalar.start);
  if (lineEnd === -1) lineEnd = text.length;
  if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  const oldLineEnd = old.indexOf('\n', scalar.start);
  const oldLine = old.slice(lineStart, oldLineEnd === -1 ? old.length : oldLineEnd);
  const newLine = text.slice(lineStart, lineEnd);
  if (/[[\]{}]/.test(oldLine) || /[[\]{}]/.test(newLine)) return undefined; // flow collections
  const delta = text.length - old.length;
  if (text.charCodeAt(scalar.start) === 32) return undefined; // the value would now start later
  const fresh = readInlineValue(text, scalar.start, lineEnd);
  if (!fresh || fresh.kind !== 'scalar' || fresh.end <= fresh.start || fresh.start !== scalar.start || fresh.end !== scalar.end + delta) return undefined;

  shift(prev.root, oldEnd, delta, scalar, fresh);
  const lineStarts = prev.lineStarts.slice();
  for (let i = 0; i < lineStarts.length; i++) if (lineStarts[i]! > a) lineStarts[i]! += delta;
  return { text, root: prev.root, errors: [], lineStarts, reader: 'fast' };
}

/** The scalar value (not a key) whose text contains the edited span [a, end). */
function scalarAround(node: YNode, a: number, end: number): YScalar | undefined {
  if (node.kind === 'scalar') return node.start <= a && end <= node.end ? node : undefined;
  if (node.kind === 'map') {
    for (const p of node.pairs) {
      if (a < p.keyEnd + 1 && end > p.keyStart) return undefined; // touches the key or its colon
      if (p.value.start <= a && end <= p.value.end) return scalarAround(p.value, a, end);
    }
    return undefined;
  }
  for (const item of node.items) if (item.start <= a && end <= item.end) return scalarAround(item, a, end);
  return undefined;
}

function shift(node: YNode, from: number, delta: number, target: YScalar, fresh: YScalar): void {
  if (node === target) {
    node.value = fresh.value;
    node.quoted = fresh.quoted;
    node.end = fresh.end;
    return;
  }
  if (node.start >= from) node.start += delta;
  if (node.end >= from) node.end += delta;
  if (node.kind === 'map') {
    for (const p of node.pairs) {
      if (p.keyStart >= from) p.keyStart += delta;
      if (p.keyEnd >= from) p.keyEnd += delta;
      shift(p.value, from, delta, target, fresh);
    }
  } else if (node.kind === 'seq') {
    for (const item of node.items) shift(item, from, delta, target, fresh);
  }
}
