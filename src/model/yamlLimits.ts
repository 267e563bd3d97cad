/**
 * How much work reading one YAML document (serverless.yml, template.yaml) may take, wherever it is read:
 * `scf-toolkit validate`, the language server, the model that invoke and deploy load. Each bound turns
 * a hostile or broken file into one clear problem instead of a hang, a crash or gigabytes of memory
 * (issue 17: an 882-byte alias bomb ran past 30 s, 10,000 `[` overflowed the stack).
 *
 * The numbers are our choice (SCF states no limit for serverless.yml); each sits far above what a real
 * file uses: a serverless.yml with fifty functions is under 100 KB and nests about ten levels deep.
 * Reading a document of MAX_YAML_CHARS takes at most about 100 MB of memory, freed when it is done.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type DocumentOptions, type Node as YamlNode, type Pair, type ParseOptions, type SchemaOptions } from 'yaml';

/** Characters of a document that are read at all. Larger files get one problem and no further work. */
export const MAX_YAML_CHARS = 1024 * 1024;

/** Levels of nested mappings and sequences (block or flow). */
export const MAX_YAML_DEPTH = 64;

/**
 * Nodes that aliases (`*name`) and merge keys (`<<: *name`) may add to the tree in total. A shared
 * block of environment variables used by fifty functions adds about a thousand; nine levels of
 * nine-fold fan-out (the classic "billion laughs") would add 387 million.
 */
export const MAX_ALIAS_NODES = 10_000;

/** Which bound a document passed: for the problem's code and tests. */
export type YamlLimitKind = 'size' | 'depth' | 'aliases';

export class YamlLimitError extends Error {
  constructor(
    readonly kind: YamlLimitKind,
    /** Offset in the text where the document passed the bound. */
    readonly start: number,
    readonly end: number,
    /** The document's length, for `size`. */
    size?: number,
  ) {
    super(yamlLimitMessage(kind, size));
  }
}

/** What the user reads for each bound: what happened, and what to do. */
export function yamlLimitMessage(kind: YamlLimitKind, size?: number): string {
  switch (kind) {
    case 'size':
      return `the file is ${size === undefined ? 'over' : `${(size / 1048576).toFixed(1)} MB, over`} the ${MAX_YAML_CHARS / 1048576} MB SCF Toolkit reads; a serverless.yml is usually under 100 KB: check that this is the right file, or split it`;
    case 'depth':
      return `mappings and lists nest more than ${MAX_YAML_DEPTH} levels deep here; the file was not checked further: close the open brackets or reduce the nesting`;
    case 'aliases':
      return `aliases (*name) and merge keys (<<) expand to more than ${MAX_ALIAS_NODES.toLocaleString('en')} values (an alias bomb?); the file was not checked further: use fewer nested aliases`;
  }
}

/**
 * `parseDocument` within the bounds, for the readers that work on the `yaml` library's own nodes
 * (model/load.ts, model/tcsam.ts): a document too large is not parsed, one nested past the library's
 * stack is reported as such. Aliases and merge keys are then expanded in the document (see
 * expandAliases), so invoke and deploy read what the validator checks, within MAX_ALIAS_NODES.
 */
export function parseBoundedDocument(text: string, options: ParseOptions & DocumentOptions & SchemaOptions): { ok: true; doc: Document.Parsed } | { ok: false; error: YamlLimitError } {
  if (text.length > MAX_YAML_CHARS) return { ok: false, error: new YamlLimitError('size', 0, 0, text.length) };
  const deep = flowDepthExceeded(text);
  if (deep !== undefined) {
    // Unparsed, so the caller's line counter learns the lines here (for the problem's line and column).
    const lines = options.lineCounter;
    if (lines) {
      lines.addNewLine(0);
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
    }
    return { ok: false, error: new YamlLimitError('depth', deep, deep + 1) };
  }
  const doc = parseDocument(text, options);
  const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  if (exhausted) return { ok: false, error: new YamlLimitError('depth', exhausted.pos[0], exhausted.pos[0]) };
  if (doc.errors.length === 0) {
    const limit = expandAliases(doc);
    if (limit) return { ok: false, error: limit };
  }
  return { ok: true, doc };
}

/**
 * Replaces each alias (`*name`) in the document by a copy of the node it names and applies merge keys
 * (`<<: *x`, `<<: [*x, *y]`: the mapping's own keys win, then the earlier source), as the Serverless
 * Framework's YAML reader and our validator (schema/yaml/fromYamlLib.ts) do. A copy keeps the ranges of
 * the anchored text it came from (a problem in it points there); the alias's own node keeps the alias's
 * range. The nodes copies add count against MAX_ALIAS_NODES; a document past it, or nesting past
 * MAX_YAML_DEPTH through aliases (`a: &x [*x]`), gets the limit error and is not read further.
 */
export function expandAliases(doc: Document.Parsed): YamlLimitError | undefined {
  let budget = MAX_ALIAS_NODES;
  // The latest node of each anchor name so far, in document order (`Alias.resolve` walks the whole
  // document per alias: quadratic in a file of aliases).
  const anchors = new Map<string, YamlNode>();
  const expand = (node: unknown, depth: number, copied: boolean): unknown => {
    const range = (node as YamlNode | null)?.range;
    if (depth > MAX_YAML_DEPTH) throw new YamlLimitError('depth', range?.[0] ?? 0, range?.[1] ?? 0);
    if (copied && --budget < 0) throw new YamlLimitError('aliases', range?.[0] ?? 0, range?.[1] ?? 0);
    const anchor = (node as YamlNode | null)?.anchor;
    if (anchor && !copied) anchors.set(anchor, node as YamlNode);
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const copy = (target ? target.clone() : new Scalar(null)) as YamlNode;
      copy.anchor = undefined;
      const expanded = expand(copy, depth + 1, true) as YamlNode;
      expanded.range = node.range;
      return expanded;
    }
    if (isMap(node)) {
      const own: Pair[] = [];
      const merged: Pair[] = [];
      for (const pair of node.items) {
        const merge = isScalar(pair.key) && pair.key.value === '<<' && pair.key.type === Scalar.PLAIN && isMergeSource(pair.value);
        pair.value = expand(pair.value, depth + 1, copied);
        if (!merge) own.push(pair);
        else for (const source of isSeq(pair.value) ? pair.value.items : [pair.value]) if (isMap(source)) merged.push(...(source.items as Pair[]));
      }
      if (merged.length > 0) {
        const have = new Set(own.map((p) => keyText(p.key)));
        for (const p of merged) {
          if (have.has(keyText(p.key))) continue;
          have.add(keyText(p.key));
          own.push(p);
        }
      }
      node.items = own;
      return node;
    }
    if (isSeq(node)) {
      node.items = node.items.map((item) => expand(item, depth + 1, copied));
      return node;
    }
    return node;
  };
  try {
    doc.contents = expand(doc.contents, 0, false) as typeof doc.contents;
  } catch (e) {
    if (e instanceof YamlLimitError) return e;
    throw e;
  }
  return undefined;
}

/** `<<: *x` or `<<: [*x, *y]`: what YAML 1.1 merge keys take (anything else keeps `<<` an ordinary key). */
export function isMergeSource(value: unknown): boolean {
  if (isAlias(value)) return true;
  return isSeq(value) && value.items.length > 0 && value.items.every((i) => isAlias(i));
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : JSON.stringify(key);
}

/**
 * Where flow brackets (`[`, `{`) first nest deeper than MAX_YAML_DEPTH, by one linear scan that skips
 * quoted text and comments; undefined when they never do. The `yaml` library's parse of 100,000 nested
 * `{a: ` takes minutes, so such a document is refused before it is parsed. (A block scalar holding 65
 * nested brackets would be refused too: we know of no real file like that.)
 */
export function flowDepthExceeded(text: string): number | undefined {
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) {
        if (quote === 39 && text.charCodeAt(i + 1) === 39) i++;
        else quote = 0;
      } else if (c === 92 && quote === 34) i++;
      else if (c === 10 && depth === 0) quote = 0; // a stray quote in a plain scalar: the line ends it
      continue;
    }
    if (c === 34 || c === 39) {
      const prev = text.charCodeAt(i - 1);
      // A quote starts a quoted scalar only where a value can start.
      if (i === 0 || prev === 32 || prev === 10 || prev === 91 || prev === 123 || prev === 44 || prev === 58) quote = c;
    } else if (c === 35 && (i === 0 || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 10)) {
      const eol = text.indexOf('\n', i);
      if (eol === -1) break;
      i = eol;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_YAML_DEPTH) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}
