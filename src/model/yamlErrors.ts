/**
 * Where a YAML syntax error is, in characters of the text: one answer for the language server, the
 * validator and the model (invoke, deploy, the API), so each names the same line and column.
 */

/** What the `yaml` library reports of a syntax error (its YAMLError). */
export interface YamlSyntaxError {
  code: string;
  message: string;
  pos: [number, number];
}

/**
 * The error's start and end offsets. An unclosed quote is reported where the text ends (everything
 * after the quote was read as the scalar); it is pointed at its opening quote instead, the last quote
 * character before that point, up to the end of that line.
 */
export function yamlErrorSpan(text: string, e: YamlSyntaxError): { start: number; end: number } {
  const start = Math.min(e.pos[0], text.length);
  const end = Math.min(Math.max(e.pos[0], e.pos[1]), text.length);
  const quote = e.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(e.message)?.[1] : undefined;
  if (!quote) return { start, end };
  const open = text.lastIndexOf(quote, Math.max(0, start - 1));
  if (open === -1) return { start, end };
  const eol = text.indexOf('\n', open);
  return { start: open, end: eol === -1 ? text.length : eol };
}
