import { parseDocument } from 'yaml';
import { computeLineStarts, type ParsedYaml, type YNode } from './ast';
import { fastParse } from './fastParse';
import { fromYamlNode } from './fromYamlLib';

export * from './ast';
export { fastParse, resolvePlain } from './fastParse';
export { patchParse } from './patch';

/** Reads YAML text: the fast reader when it can, the `yaml` library otherwise (which also reports syntax errors). */
export function parseYaml(text: string, options: { fast?: boolean } = {}): ParsedYaml {
  if (options.fast !== false) {
    const fast = fastParse(text);
    if (fast) return fast;
  }
  return fullParse(text);
}

export function fullParse(text: string): ParsedYaml {
  const lineStarts = computeLineStarts(text);
  const doc = parseDocument(text, { prettyErrors: false });
  const errors = doc.errors.map((e) => {
    const message = e.message.split('\n')[0]!.trim();
    let start = Math.min(e.pos[0], text.length);
    let end = Math.min(Math.max(e.pos[0], e.pos[1]), text.length);
    // An unclosed quote is reported where the text ends; point at the opening quote instead (the
    // last quote character before that point, since everything after it was read as the scalar).
    const quote = e.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(message)?.[1] : undefined;
    if (quote) {
      const open = text.lastIndexOf(quote, Math.max(0, start - 1));
      if (open !== -1) {
        const eol = text.indexOf('\n', open);
        start = open;
        end = eol === -1 ? text.length : eol;
      }
    }
    return { message, start, end };
  });
  let root = null;
  try {
    root = doc.contents === null || doc.contents === undefined ? null : fromYamlNode(doc.contents, doc, 0, 0);
    if (root) clamp(root, text.length);
  } catch {
    root = null;
  }
  return { text, root, errors, lineStarts, reader: 'yaml' };
}

/** Keeps every offset inside the text (the library can place an empty value one past the end). */
function clamp(node: YNode, len: number): void {
  node.start = Math.min(node.start, len);
  node.end = Math.max(node.start, Math.min(node.end, len));
  if (node.kind === 'map') {
    for (const p of node.pairs) {
      p.keyStart = Math.min(p.keyStart, len);
      p.keyEnd = Math.max(p.keyStart, Math.min(p.keyEnd, len));
      clamp(p.value, len);
    }
  } else if (node.kind === 'seq') {
    for (const item of node.items) clamp(item, len);
  }
}
