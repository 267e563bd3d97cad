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

/**
 * What to do about the syntax errors people make in serverless.yml, by the library's code and words
 * (its messages say what is wrong, not how to put it right). undefined: the message stands alone.
 */
const FIXES: Array<{ code: string; words?: RegExp; fix: string }> = [
  { code: 'MISSING_CHAR', words: /closing ["']quote/, fix: 'close the quote on the same line, or quote the whole value' },
  { code: 'MISSING_CHAR', words: /followed by map values/, fix: 'add `:` after the key (`key: value`), or remove the line' },
  { code: 'BAD_INDENT', words: /same column/, fix: 'indent this key with as many spaces as the keys beside it' },
  { code: 'BAD_INDENT', words: /Flow (sequence|mapping)/, fix: 'close the bracket on the same line, or indent the lines it continues on further than its key' },
  { code: 'BLOCK_AS_IMPLICIT_KEY', words: /block sequence/, fix: 'a `- item` list goes on the lines below its own `key:`, indented further' },
  { code: 'BLOCK_AS_IMPLICIT_KEY', fix: 'a value on its key\'s line cannot hold another `key: value`: quote the value if it contains ": ", or check the indentation of the line below' },
  { code: 'MULTILINE_IMPLICIT_KEY', fix: 'a key and its `:` go on one line, with a space after the `:` (`key: value`); check the indentation of the lines below' },
  { code: 'TAB_AS_INDENT', fix: 'indent with spaces, not tabs' },
];

/** A syntax error's first line of text, with what to do about it when that is known (FIXES). */
export function yamlErrorText(e: YamlSyntaxError): string {
  const message = e.message.split('\n')[0]!.trim();
  const fix = FIXES.find((f) => f.code === e.code && (!f.words || f.words.test(message)))?.fix;
  return fix ? `${message}; ${fix}` : message;
}

/**
 * The errors worth reporting, in order: the first of those at one place (the library reports a slip
 * two or three times there, each in other words, the later ones saying nothing new).
 */
export function distinctYamlErrors<E extends YamlSyntaxError>(text: string, errors: readonly E[]): E[] {
  const seen = new Set<number>();
  return errors.filter((e) => {
    const start = yamlErrorSpan(text, e).start;
    if (seen.has(start)) return false;
    seen.add(start);
    return true;
  });
}
