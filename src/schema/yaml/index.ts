import { parseDocument } from 'yaml';
import { flowDepthExceeded, MAX_YAML_CHARS, YamlLimitError, yamlLimitMessage } from '../../model/yamlLimits';
import { distinctYamlErrors, yamlErrorFixes, yamlErrorSpan, yamlErrorText } from '../../model/yamlErrors';
import { computeLineStarts, type ParsedYaml, type YNode } from './ast';
import { fastParse } from './fastParse';
import { fromYamlNode } from './fromYamlLib';

export * from './ast';
export { fastParse, resolvePlain } from './fastParse';
export { patchParse } from './patch';

/** Reads YAML text: the fast reader when it can, the `yaml` library otherwise (which also reports syntax errors). */
export function parseYaml(text: string, options: { fast?: boolean } = {}): ParsedYaml {
  if (text.length > MAX_YAML_CHARS) return tooLarge(text);
  if (options.fast !== false) {
    const fast = fastParse(text);
    if (fast) return fast;
  }
  return fullParse(text);
}

/** Syntax errors kept per document (as the first of a cascade, the rest repeat it). */
export const MAX_SYNTAX_ERRORS = 20;

/**
 * Reads YAML text with the `yaml` library, within the bounds of model/yamlLimits.ts: a document past
 * one of them has no tree and one error that says which (`limit`), never a hang or a stack overflow.
 */
export function fullParse(text: string): ParsedYaml {
  if (text.length > MAX_YAML_CHARS) return tooLarge(text);
  const lineStarts = computeLineStarts(text);
  const deep = flowDepthExceeded(text);
  if (deep !== undefined) return { text, root: null, errors: [{ message: yamlLimitMessage('depth'), start: deep, end: deep + 1, limit: 'depth' }], lineStarts, reader: 'yaml' };
  const doc = parseDocument(text, { prettyErrors: false });
  const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  if (exhausted) {
    // The library's own guard: nesting so deep that its composer ran out of stack.
    const at = Math.min(exhausted.pos[0], text.length);
    return { text, root: null, errors: [{ message: yamlLimitMessage('depth'), start: at, end: Math.min(at + 1, text.length), limit: 'depth' }], lineStarts, reader: 'yaml' };
  }
  // The first errors say what is wrong; 100,000 unclosed brackets make 100,000 more that say nothing new.
  const errors: ParsedYaml['errors'] = distinctYamlErrors(text, doc.errors.slice(0, MAX_SYNTAX_ERRORS)).map((e) => {
    const message = yamlErrorText(e, text);
    const { start, end } = yamlErrorSpan(text, e);
    const fixes = yamlErrorFixes(text, e);
    return fixes.length ? { message, start, end, fixes } : { message, start, end };
  });
  let root = null;
  try {
    root = doc.contents === null || doc.contents === undefined ? null : fromYamlNode(doc.contents, doc, 0, 0);
    if (root) clamp(root, text.length);
  } catch (e) {
    root = null;
    if (e instanceof YamlLimitError) {
      const start = Math.min(e.start, text.length);
      errors.unshift({ message: e.message, start, end: Math.max(start, Math.min(e.end, text.length, start + 200)), limit: e.kind });
    }
  }
  return { text, root, errors, lineStarts, reader: 'yaml' };
}

function tooLarge(text: string): ParsedYaml {
  // Only the first line's offsets: nothing else of a document this size is read.
  const eol = text.indexOf('\n');
  const end = eol === -1 || eol > 200 ? Math.min(text.length, 200) : eol;
  return { text, root: null, errors: [{ message: yamlLimitMessage('size', text.length), start: 0, end, limit: 'size' }], lineStarts: computeLineStarts(text), reader: 'yaml' };
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
