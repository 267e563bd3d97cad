/**
 * A fast reader for the block-YAML subset serverless.yml files are written in: block mappings and
 * sequences, plain and quoted one-line scalars, one-line flow collections, comments. It is about
 * two orders of magnitude faster than a full YAML parse, which is what keeps diagnostics for a
 * 5,000-line file under a few milliseconds per edit.
 *
 * It is conservative: anything it does not handle exactly as YAML 1.2 does (anchors, tags, block
 * scalars, multi-line scalars, tabs, several documents, duplicate keys, anything odd) makes it give up
 * (`undefined`), and the caller parses with the `yaml` library instead. A differential fuzz test checks
 * that whenever it answers, it answers what `yaml` answers.
 */
import { parseDocument, isMap, isSeq } from 'yaml';
import { computeLineStarts, type ParsedYaml, type YMap, type YNode, type YPair, type YScalar, type YScalarValue, type YSeq } from './ast';
import { fromYamlNode, nullScalar } from './fromYamlLib';
import { MAX_YAML_DEPTH, YamlLimitError } from '../../model/yamlLimits';

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

// The character scans run as regular expressions, not loops of charCodeAt: a validate run reads a
// file once, in a fresh process, so this code runs unoptimised (Sparkplug), where each character of
// a loop costs a property load, a call and two comparisons; a regular expression scans in native code.
// For the same reason the reader keeps what it needs in local variables and typed arrays: in
// unoptimised code each property load or store is a call into an inline cache (~100 instructions;
// the largest part of the reader's work, counted with valgrind), each object one more allocation.
/** From a line's start: its indentation (`lastIndex` ends up at the first other character). */
const LEADING_SPACES = / */y;
/**
 * From a plain scalar's first character: up to the first `: ` (or `:` at the line's end) or ` #` on
 * the line, whichever comes first (the character before `lastIndex` says which); no match: neither.
 */
const COLON_OR_COMMENT = /[^\r\n]*?(?::(?=[ \r\n]|$)| #)/y;
/**
 * A mapping's entry from its key on, for the common forms, in one match: a plain key of word
 * characters (1) and the spaces and colon after it (2), then either
 * - spaces (3) and a plain one-line value that starts with none of YAML's indicators (4), maybe a
 *   comment, to the line's end: `key: value # note`. A value cannot hold `: ` (it would be a mapping)
 *   and a `#` after a space starts the comment; trailing spaces are not the value's;
 * - spaces (3) before a quoted or flow value, which `inline` reads: `key: 'x'`, `key: [a, b]`;
 * - nothing but spaces or a comment (5): `key:`, whose value is on the next lines or null.
 * The key is never one of the core schema's words that a plain key starting with a letter could be
 * (`null`, `true`, `false` in their three spellings): those are left to keyAt, which gives up on them.
 */
const KEY_LINE = /(?!(?:null|Null|NULL|true|True|TRUE|false|False|FALSE) *:)([A-Za-z_][\w./-]{0,999})( *:)(?:( +)(?:([A-Za-z0-9_./$(~](?:[^\r\n:# ]|:(?=[^ \r\n])|(?<! )#| +(?=[^ #\r\n]))*) *(?: #[^\r\n]*)?(?=\r?\n|$)|(?=['"[{]))|( +#[^\r\n]*| *)(?=\r?\n|$))/y;

/** KEY_LINE's match at `p`, or null. */
function keyLine(t: string, p: number): RegExpExecArray | null {
  KEY_LINE.lastIndex = p;
  return KEY_LINE.exec(t);
}

export function fastParse(text: string): ParsedYaml | undefined {
  if (text.indexOf('\t') !== -1 || text.charCodeAt(0) === 0xfeff) return undefined;
  const lineStarts = computeLineStarts(text);
  const n = lineStarts.length;
  // The lines that hold something (not blank, not only a comment): where each starts, ends (before
  // `\r\n` / `\n`) and its indentation; one more entry past the last, indented -1, ends every block.
  const starts = new Int32Array(n + 1);
  const ends = new Int32Array(n + 1);
  const indents = new Int32Array(n + 1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const start = lineStarts[i]!;
    let end = i + 1 < n ? lineStarts[i + 1]! - 1 : text.length;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    LEADING_SPACES.lastIndex = start;
    LEADING_SPACES.test(text);
    const p = LEADING_SPACES.lastIndex; // spaces never cross the line's end
    if (p === end || text.charCodeAt(p) === HASH) continue; // blank or comment-only
    if (p === start) {
      const c = text.charCodeAt(p);
      if (c === 37 /* % */) return undefined;
      if ((c === DASH || c === 46) && (text.startsWith('---', p) || text.startsWith('...', p)) && (end - p === 3 || text.charCodeAt(p + 3) === SPACE)) return undefined;
    }
    starts[count] = start;
    ends[count] = end;
    indents[count] = p - start;
    count++;
  }
  starts[count] = text.length;
  ends[count] = text.length;
  indents[count] = -1;
  if (text.indexOf('\r') !== -1 && /\r(?!\n)/.test(text)) return undefined;
  try {
    const reader = new Reader(text, starts, ends, indents, count);
    const root = reader.document();
    return { text, root, errors: [], lineStarts, reader: 'fast' };
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

const NO_LINES = new Int32Array([0]);
const NO_INDENT = new Int32Array([-1]);

/** Reads one inline value (as after `key: `) from `p` to `end`; undefined where the reader would give up. */
export function readInlineValue(text: string, p: number, end: number): YNode | undefined {
  try {
    return new Reader(text, NO_LINES, NO_LINES, NO_INDENT, 0).inline(p, end);
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

class Reader {
  /** The current line (an index into the line arrays). */
  private li = 0;
  /** Nested mappings and sequences open at the current line; past MAX_YAML_DEPTH the full parser reports it. */
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    private readonly indents: Int32Array,
    private readonly count: number,
  ) {}

  document(): YNode | null {
    if (this.count === 0) return null;
    const root = this.block(this.indents[0]!);
    if (this.li < this.count) giveUp();
    return root;
  }

  /** A block node whose first line is the current line, at `indent`. */
  private block(indent: number): YNode {
    const li = this.li;
    const p = this.starts[li]! + indent;
    const end = this.ends[li]!;
    if (this.isSeqDash(p, end)) return this.seq(indent);
    const m = keyLine(this.text, p);
    if (m !== null || this.keyAt(p, end)) return this.map(indent, p, m);
    // A lone scalar as a block (root scalar, or a multi-line scalar): leave it to the full parser.
    return giveUp();
  }

  private isSeqDash(p: number, end: number): boolean {
    return this.text.charCodeAt(p) === DASH && (p + 1 === end || this.text.charCodeAt(p + 1) === SPACE);
  }

  /**
   * A mapping whose keys sit at column `col`; the first key starts at offset `firstKey` on the current
   * line, where KEY_LINE matched `first` (null: it did not, keyAt found the key).
   */
  private map(col: number, firstKey: number, first: RegExpExecArray | null): YMap {
    if (++this.depth > MAX_YAML_DEPTH) giveUp();
    const pairs: YPair[] = [];
    let seen: Set<string> | undefined;
    let keyPos = firstKey;
    const t = this.text;
    const { starts, ends, indents } = this;
    let li = this.li;
    let m = first;
    for (;;) {
      let key: string;
      let keyStart: number;
      let keyEnd: number;
      let value: YNode;
      if (m !== null) {
        key = m[1]!;
        keyStart = keyPos;
        keyEnd = keyPos + key.length;
        const afterColon = keyEnd + m[2]!.length;
        const raw = m[4];
        if (raw !== undefined) {
          // `key: value`, most lines of a serverless.yml
          const start = afterColon + m[3]!.length;
          value = { kind: 'scalar', value: resolvePlain(raw), quoted: false, start, end: start + raw.length };
          li++;
        } else if (m[3] !== undefined) {
          // `key: 'quoted'` or `key: [flow]`
          value = this.inline(afterColon + m[3].length, ends[li]!);
          li++;
          if (indents[li]! > col) giveUp(); // a continuation line or bad indentation
        } else {
          // `key:`, its value on the next lines (or null)
          this.li = li;
          value = this.valueBelow(col, afterColon);
          li = this.li;
        }
      } else {
        if (!this.keyAt(keyPos, ends[li]!)) giveUp();
        ({ key, keyStart, keyEnd } = this); // read now: the value may hold keys of its own
        this.li = li;
        value = this.otherValue(col, this.afterColon);
        li = this.li;
      }
      seen = checkNewKey(key, pairs, seen);
      pairs.push({ key, keyStart, keyEnd, value });
      const next = indents[li]!;
      if (next < col) break;
      if (next > col) giveUp();
      keyPos = starts[li]! + col;
      if (t.charCodeAt(keyPos) === DASH && this.isSeqDash(keyPos, ends[li]!)) giveUp();
      m = keyLine(t, keyPos);
    }
    this.li = li;
    const last = pairs[pairs.length - 1]!;
    this.depth--;
    return { kind: 'map', pairs, start: firstKey, end: Math.max(last.value.end, last.keyEnd + 1) };
  }

  /**
   * The value of a key with nothing after it on the current line: the block below, a sequence at the
   * key's column, or null. Moves past it. (Apart from map, as otherValue: the mapping's loop stays
   * small, which keeps V8's optimising compile of it short.)
   */
  private valueBelow(col: number, afterColon: number): YNode {
    const li = ++this.li;
    const next = this.indents[li]!;
    if (next > col) return this.block(next);
    if (next === col && this.isSeqDash(this.starts[li]! + col, this.ends[li]!)) return this.seq(col);
    return nullScalar(afterColon, afterColon);
  }

  /** The value of a key keyAt found on the current line, its colon ending at `afterColon`; moves past it. */
  private otherValue(col: number, afterColon: number): YNode {
    const t = this.text;
    const li = this.li;
    const end = this.ends[li]!;
    let p = afterColon;
    while (p < end && t.charCodeAt(p) === SPACE) p++;
    if (p === end || (t.charCodeAt(p) === HASH && p > afterColon)) return this.valueBelow(col, afterColon);
    if (p === afterColon) giveUp(); // `key:value` is handled by keyAt; defensive
    const value = this.inline(p, end);
    this.li = li + 1;
    if (this.indents[li + 1]! > col) giveUp(); // a continuation line or bad indentation
    return value;
  }

  private seq(col: number): YSeq {
    if (++this.depth > MAX_YAML_DEPTH) giveUp();
    const items: YNode[] = [];
    const t = this.text;
    const { starts, ends, indents } = this;
    const start = starts[this.li]! + col;
    let m: RegExpExecArray | null;
    for (;;) {
      const li = this.li;
      const lineStart = starts[li]!;
      const end = ends[li]!;
      const dash = lineStart + col;
      let p = dash + 1;
      while (p < end && t.charCodeAt(p) === SPACE) p++;
      let item: YNode;
      if (p === end || t.charCodeAt(p) === HASH) {
        if (p < end && p === dash + 1) giveUp();
        this.li = li + 1;
        const next = indents[li + 1]!;
        if (next > col) item = this.block(next);
        else item = nullScalar(dash + 1, dash + 1);
      } else if (this.isSeqDash(p, end)) {
        return giveUp(); // `- - x`
      } else if ((m = keyLine(t, p)) !== null || this.keyAt(p, end)) {
        item = this.map(p - lineStart, p, m);
      } else {
        item = this.inline(p, end);
        this.li = li + 1;
        if (indents[li + 1]! > col) giveUp();
      }
      items.push(item);
      const li2 = this.li;
      const next = indents[li2]!;
      if (next < col) break;
      if (next > col) giveUp();
      if (!this.isSeqDash(starts[li2]! + col, ends[li2]!)) break; // the enclosing mapping continues
    }
    const last = items[items.length - 1]!;
    this.depth--;
    return { kind: 'seq', items, start, end: Math.max(last.end, start + 1) };
  }

  /** The key keyAt found last: its text, where it starts and ends, and the offset after its colon. */
  private key = '';
  private keyStart = -1;
  private keyEnd = 0;
  private afterColon = 0;

  /**
   * Whether a mapping key starts at `p`; if so its key, keyStart, keyEnd and afterColon are set. The
   * same position is asked twice (does a block start with a key? then the mapping reads it): the
   * second time is answered from the fields.
   */
  private keyAt(p: number, end: number): boolean {
    if (p === this.keyStart) return true;
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const q = this.quoted(p, end);
      if (!q) return giveUp();
      if (t.charCodeAt(q.end) === COLON && (q.end + 1 === end || t.charCodeAt(q.end + 1) === SPACE)) return this.foundKey(q.value, p, q.end, q.end + 1);
      return false;
    }
    if (!plainMayStart(t, p, end)) return false;
    // Find `: ` or `:` at the end of the line before any ` #` comment.
    COLON_OR_COMMENT.lastIndex = p;
    if (!COLON_OR_COMMENT.test(t)) return false;
    const i = COLON_OR_COMMENT.lastIndex - 1;
    if (t.charCodeAt(i) !== COLON) return false;
    let k = i;
    while (k > p && t.charCodeAt(k - 1) === SPACE) k--;
    if (k === p || k - p > 1000) giveUp();
    const raw = t.slice(p, k);
    if (/[{}[\],]/.test(raw[0]!) || raw.includes(' #')) giveUp();
    const resolved = resolvePlain(raw);
    if (resolved === null || typeof resolved === 'boolean') giveUp();
    return this.foundKey(typeof resolved === 'string' ? resolved : String(resolved), p, k, i + 1);
  }

  private foundKey(key: string, keyStart: number, keyEnd: number, afterColon: number): true {
    this.key = key;
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    this.afterColon = afterColon;
    return true;
  }

  /** A one-line value starting at `p`. */
  inline(p: number, end: number): YNode {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 34 || c === 39) {
      const q = this.quoted(p, end) ?? giveUp();
      let r = q.end;
      while (r < end && t.charCodeAt(r) === SPACE) r++;
      if (r < end && !(t.charCodeAt(r) === HASH && r > q.end)) giveUp();
      return { kind: 'scalar', value: q.value, quoted: true, start: p, end: q.end };
    }
    if (c === 91 /* [ */ || c === 123 /* { */) return this.flow(p, end);
    if (!plainMayStart(t, p, end)) giveUp();
    // Up to a ` #` comment; a `: ` in the value makes it a mapping, which a one-line value cannot be.
    let stop = end;
    COLON_OR_COMMENT.lastIndex = p + 1;
    if (p + 1 < end && COLON_OR_COMMENT.test(t)) {
      stop = COLON_OR_COMMENT.lastIndex - 1;
      if (t.charCodeAt(stop) === COLON) giveUp();
    }
    while (stop > p && t.charCodeAt(stop - 1) === SPACE) stop--;
    const raw = t.slice(p, stop);
    return { kind: 'scalar', value: resolvePlain(raw), quoted: false, start: p, end: stop };
  }

  private flow(p: number, end: number): YNode {
    // Simple one-line flow collections (`[http, https]`, `{a: 1}`) are read here; anything else
    // (trailing commas, empty entries, odd spacing) goes to the yaml library for just this value.
    const fast = new FlowReader(this.text, end, this.depth).read(p);
    if (fast) return fast;
    const sub = this.text.slice(p, end);
    const doc = parseDocument(sub, { prettyErrors: false });
    if (doc.errors.length > 0 || doc.warnings.length > 0) giveUp();
    const contents = doc.contents;
    // Only a flow collection: `{} : x` reads as a block mapping with `{}` as its key on its own, and
    // as something else again inside the document (found by the fuzz test, seed 777).
    if ((!isMap(contents) && !isSeq(contents)) || contents.flow !== true) giveUp();
    try {
      return fromYamlNode(contents, doc, p, p, this.depth);
    } catch (e) {
      if (e instanceof YamlLimitError) giveUp(); // the full parse reports it, for the whole document
      throw e;
    }
  }

  private quoted(p: number, end: number): { value: string; end: number } | undefined {
    return readQuoted(this.text, p, end);
  }
}

/** In a flow collection, from a plain scalar's start: up to a flow indicator, a `:`, a `#` or a line break. */
const FLOW_PLAIN = /[^,[\]{}:#\r\n]*/y;

/** A one-line flow collection of plain or quoted scalars; undefined when it is anything less simple. */
class FlowReader {
  /** Open brackets; past MAX_YAML_DEPTH the reader gives up (the full parser reports it), never the stack. */
  constructor(
    private readonly t: string,
    private readonly end: number,
    private depth: number,
  ) {}

  read(p: number): YNode | undefined {
    try {
      const node = this.value(p);
      let r = node.end;
      while (r < this.end && this.t.charCodeAt(r) === SPACE) r++;
      if (r < this.end && !(this.t.charCodeAt(r) === HASH && r > node.end)) return undefined;
      return node.kind === 'scalar' ? undefined : node;
    } catch (e) {
      if (e instanceof GiveUp) return undefined;
      throw e;
    }
  }

  private skip(p: number): number {
    while (p < this.end && this.t.charCodeAt(p) === SPACE) p++;
    return p;
  }

  private value(p: number): YNode {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === 91) return this.seq(p);
    if (c === 123) return this.map(p);
    if (c === 34 || c === 39) {
      const q = quotedAt(t, p, this.end) ?? giveUp();
      return { kind: 'scalar', value: q.value, quoted: true, start: p, end: q.end };
    }
    // up to `,` `[` `]` `{` `}` or the end; a `:` or a ` #` in the scalar: give up
    let i = p;
    for (;;) {
      FLOW_PLAIN.lastIndex = i;
      FLOW_PLAIN.test(t);
      i = FLOW_PLAIN.lastIndex;
      if (i >= this.end) {
        i = this.end;
        break;
      }
      const ch = t.charCodeAt(i);
      if (ch === COLON || (ch === HASH && t.charCodeAt(i - 1) === SPACE)) giveUp();
      if (ch !== HASH && ch !== 10 && ch !== 13) break; // a flow indicator
      i++;
    }
    let stop = i;
    while (stop > p && t.charCodeAt(stop - 1) === SPACE) stop--;
    if (stop === p) giveUp();
    const raw = t.slice(p, stop);
    if (!plainMayStart(t, p, stop) || /[!&*|>%@`?-]/.test(raw[0]!)) giveUp();
    return { kind: 'scalar', value: resolvePlain(raw), quoted: false, start: p, end: stop };
  }

  private seq(p: number): YSeq {
    if (++this.depth > MAX_YAML_DEPTH) giveUp();
    const items: YNode[] = [];
    let i = this.skip(p + 1);
    if (this.t.charCodeAt(i) === 93) return this.close({ kind: 'seq', items, start: p, end: i + 1 });
    for (;;) {
      const v = this.value(i);
      items.push(v);
      i = this.skip(v.end);
      const ch = this.t.charCodeAt(i);
      if (ch === 93) return this.close({ kind: 'seq', items, start: p, end: i + 1 });
      if (ch !== 44) giveUp();
      i = this.skip(i + 1);
      if (i >= this.end || this.t.charCodeAt(i) === 93) giveUp();
    }
  }

  private close<T extends YNode>(node: T): T {
    this.depth--;
    return node;
  }

  private map(p: number): YMap {
    if (++this.depth > MAX_YAML_DEPTH) giveUp();
    const pairs: YPair[] = [];
    const seen = new Set<string>();
    let i = this.skip(p + 1);
    if (this.t.charCodeAt(i) === 125) return this.close({ kind: 'map', pairs, start: p, end: i + 1 });
    for (;;) {
      const keyStart = i;
      let key: string;
      let keyEnd: number;
      const c = this.t.charCodeAt(i);
      if (c === 34 || c === 39) {
        const q = quotedAt(this.t, i, this.end) ?? giveUp();
        key = q.value;
        keyEnd = q.end;
        if (this.t.charCodeAt(keyEnd) !== COLON) giveUp();
      } else {
        const colon = this.t.indexOf(': ', i);
        if (colon === -1 || colon >= this.end) giveUp();
        keyEnd = colon;
        while (keyEnd > i && this.t.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
        const raw = this.t.slice(i, keyEnd);
        if (!raw || /[,[\]{}#"'!&*|>%@`?:-]/.test(raw[0]!) || /[,[\]{}#]/.test(raw)) giveUp();
        const resolved = resolvePlain(raw);
        if (typeof resolved !== 'string') giveUp();
        key = raw;
      }
      if (this.t.charCodeAt(keyEnd) !== COLON || this.t.charCodeAt(keyEnd + 1) !== SPACE) giveUp();
      if (seen.has(key)) giveUp();
      seen.add(key);
      const v = this.value(this.skip(keyEnd + 1));
      pairs.push({ key, keyStart, keyEnd, value: v });
      i = this.skip(v.end);
      const ch = this.t.charCodeAt(i);
      if (ch === 125) return this.close({ kind: 'map', pairs, start: p, end: i + 1 });
      if (ch !== 44) giveUp();
      i = this.skip(i + 1);
      if (i >= this.end || this.t.charCodeAt(i) === 125) giveUp();
    }
  }
}

/** A quoted scalar on one line: its value and the offset after the closing quote. */
function readQuoted(t: string, p: number, end: number): { value: string; end: number } | undefined {
  const q = t.charCodeAt(p);
  if (q === 39) {
    let out = '';
    let i = p + 1;
    for (;;) {
      const j = t.indexOf("'", i);
      if (j === -1 || j >= end) return undefined;
      out += t.slice(i, j);
      if (t.charCodeAt(j + 1) === 39 && j + 1 < end) {
        out += "'";
        i = j + 2;
        continue;
      }
      return { value: out, end: j + 1 };
    }
  }
  let out = '';
  let i = p + 1;
  while (i < end) {
    const ch = t[i]!;
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const e = t[i + 1];
    if (e === undefined || i + 1 >= end) return undefined;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (width === 0) return giveUp();
    const hex = t.slice(i + 2, i + 2 + width);
    if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex) || i + 2 + width > end) return giveUp();
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) giveUp();
    out += String.fromCodePoint(cp);
    i += 2 + width;
  }
  return undefined;
}

const quotedAt = readQuoted;

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

/** Whether a plain scalar may start at `p` (YAML's indicator rules, block context). */
function plainMayStart(t: string, p: number, end: number): boolean {
  const ch = t[p]!;
  if ('-?:'.includes(ch)) return p + 1 < end && t.charCodeAt(p + 1) !== SPACE;
  return !',[]{}#&*!|>\'"%@`'.includes(ch);
}

const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** YAML 1.2 core schema resolution of a plain scalar, as the `yaml` library does it. */
export function resolvePlain(raw: string): YScalarValue {
  // The words below are at most 5 characters long and start with one of these: most text is none of
  // them, and is told so without comparing it with each word.
  if (raw.length <= 5 && (raw.length === 0 || '~nNtTfF.+-'.includes(raw[0]!))) return resolveWord(raw);
  const c = raw.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return raw;
  return resolveNumber(raw);
}

/** The core schema's words (the `yaml` library's spellings): one lookup instead of a comparison with each. */
const WORDS = new Map<string, YScalarValue>([
  ...['', '~', 'null', 'Null', 'NULL'].map((w) => [w, null] as const),
  ...['true', 'True', 'TRUE'].map((w) => [w, true] as const),
  ...['false', 'False', 'FALSE'].map((w) => [w, false] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((w) => [w, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((w) => [w, -Infinity] as const),
  ...['.nan', '.NaN', '.NAN'].map((w) => [w, NaN] as const),
]);

function resolveWord(raw: string): YScalarValue {
  const word = WORDS.get(raw);
  if (word !== undefined) return word;
  const c = raw.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return raw;
  return resolveNumber(raw);
}

function resolveNumber(raw: string): YScalarValue {
  if (INT.test(raw)) return Number(raw);
  if (OCT.test(raw)) return parseInt(raw.slice(2), 8);
  if (HEX.test(raw)) return parseInt(raw.slice(2), 16);
  if (FLOAT.test(raw)) return Number(raw);
  return raw;
}

export type { YScalar };

/**
 * Gives up on a key the mapping already has (the full parser reports the duplicate). A few keys are
 * compared one by one, more through a Set, made once the mapping has 8: answers the Set to use next.
 */
function checkNewKey(key: string, pairs: readonly YPair[], seen: Set<string> | undefined): Set<string> | undefined {
  if (seen) {
    if (seen.has(key)) giveUp();
    return seen.add(key);
  }
  for (let j = 0; j < pairs.length; j++) if (pairs[j]!.key === key) giveUp();
  return pairs.length >= 8 ? new Set(pairs.map((q) => q.key)).add(key) : undefined;
}
