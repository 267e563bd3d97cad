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
  const slip = indentSlip(text, e);
  if (slip) return { start: slip.start, end: slip.end };
  let start = Math.min(e.pos[0], text.length);
  const end = Math.min(Math.max(e.pos[0], e.pos[1]), text.length);
  const flow = unclosedFlow(text, e);
  if (flow) return { start: flow.open, end: flow.eol };
  if (e.code === 'BAD_INDENT') {
    // (reported where the indentation before the key begins, a blank line or a comment above it at
    // times: the key it is about is the first thing written after that)
    const key = /^(?:[ \t]*(?:#.*)?\n)*[ \t]*/.exec(text.slice(start))![0].length;
    const word = /^[^\s:#][^:#\n]*?(?=:|\s*$|\s#)/m.exec(text.slice(start + key))?.[0].length ?? 1;
    if (start + key < text.length) return { start: start + key, end: start + key + word };
  }
  const quote = e.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(e.message)?.[1] : undefined;
  if (!quote) return { start, end };
  const open = text.lastIndexOf(quote, Math.max(0, start - 1));
  if (open === -1) return { start, end };
  const eol = text.indexOf('\n', open);
  return { start: open, end: eol === -1 ? text.length : eol };
}

/**
 * A flow collection (`[...]`, `{...}`) whose closing bracket is missing or on a line indented less than
 * its key: the library reports it where the block goes on (the next key, or the end of the text); it
 * is pointed at its opening bracket instead, the last one before that point not closed before it.
 * `closed`: whether a closing bracket for it comes later in the text (then it is the indentation of the
 * lines it continues on that is wrong, not a missing bracket).
 */
function unclosedFlow(text: string, e: YamlSyntaxError): { open: number; eol: number; close: string; closed: boolean } | undefined {
  if (e.code !== 'BAD_INDENT') return undefined;
  const kind = /^Flow (sequence|map)/.exec(e.message)?.[1];
  if (!kind) return undefined;
  const [openChar, closeChar] = kind === 'sequence' ? ['[', ']'] : ['{', '}'];
  let depth = 0;
  let open = -1;
  for (let i = Math.min(e.pos[0], text.length) - 1; i >= 0; i--) {
    if (text[i] === closeChar) depth++;
    else if (text[i] === openChar && depth-- === 0) {
      open = i;
      break;
    }
  }
  if (open === -1) return undefined;
  const eolAt = text.indexOf('\n', open);
  const eol = eolAt === -1 ? text.length : eolAt;
  let after = 0;
  let closed = false;
  for (let i = open + 1; i < text.length && !closed; i++) {
    if (text[i] === openChar) after++;
    else if (text[i] === closeChar && after-- === 0) closed = true;
  }
  return { open, eol, close: closeChar, closed };
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

/**
 * A key indented further than the key above it, whose value is on its own line (`memorySize: 128`,
 * then `    timeout: 3`): the library reads the deeper line as the start of a mapping inside that
 * value and reports "Nested mappings are not allowed in compact mappings" at the value above. The
 * slip is the deeper line's: it is pointed at its key, in words that say which key to line it up with.
 */
function indentSlip(text: string, e: YamlSyntaxError): { start: number; end: number; message: string; fix: YamlFix } | undefined {
  if (e.code !== 'BLOCK_AS_IMPLICIT_KEY' || /block sequence/.test(e.message)) return undefined;
  const lineStart = text.lastIndexOf('\n', Math.max(0, e.pos[0] - 1)) + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd === -1) return undefined;
  const above = /^( *)(- +)?([^\s#:][^:#]*?):[ ]+\S/.exec(text.slice(lineStart, lineEnd));
  if (!above) return undefined;
  // (the next line that holds anything: blank lines and comments between do not change the reading)
  const rest = /^(?:[ \t]*(?:#.*)?\n)*( +)([^\s#:][^:#\n]*?):(?=\s|$)/.exec(text.slice(lineEnd + 1));
  if (!rest) return undefined;
  const ownIndent = above[1]!.length + (above[2]?.length ?? 0);
  const deeper = rest[1]!.length;
  if (deeper <= ownIndent) return undefined;
  const start = lineEnd + 1 + rest.index + rest[0].length - rest[2]!.length - 1;
  const key = rest[2]!;
  const spaces = (n: number) => `${n} space${n === 1 ? '' : 's'}`;
  return {
    start,
    end: start + key.length,
    fix: { start: start - deeper, end: start, newText: ' '.repeat(ownIndent), title: `Indent \`${key}\` like \`${above[3]}\` (${spaces(ownIndent)})`, preferred: true },
    message: `\`${key}\` is indented further than \`${above[3]}\` above it (${spaces(deeper)}, not ${spaces(ownIndent)}), so it reads as part of that value; indent it with as many spaces as the keys beside it, or, if it belongs to \`${above[3]}\`, put \`${above[3]}:\` on a line of its own`,
  };
}

/** An edit that mends a syntax error: `start`..`end` of the text replaced by `newText`. */
export interface YamlFix {
  start: number;
  end: number;
  newText: string;
  title: string;
  /** The one fix there is (an editor applies it from "Fix all" or a shortcut). */
  preferred: boolean;
}

/**
 * How to mend a syntax error, where the slip is one of the common ones and the text says what was
 * meant: an unclosed quote (closed at the end of its line), a tab in the indentation (spaces instead,
 * two for each tab), a key with no space after its colon (`src:./src`: the space added) or with no
 * colon at all (`runtime Nodejs18.15`: the colon added), a bracket never closed (closed at the end of
 * the line it opens on), or an indentation slip, below. Any other error: no fix (the message says what to do).
 */
export function yamlErrorFixes(text: string, e: YamlSyntaxError): YamlFix[] {
  const lineStart = (at: number) => text.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
  // (a line that is a key and a value with no colon between them: `runtime Nodejs18.15`)
  const colonless = (): YamlFix[] => {
    const at = Math.min(e.pos[0], text.length);
    const eol = text.indexOf('\n', at);
    const line = text.slice(at, eol === -1 ? text.length : eol);
    const word = /^([A-Za-z_][\w.-]*) +[^\s#:]/.exec(line);
    if (!word || line.includes(':')) return [];
    const after = at + word[1]!.length;
    return [{ start: after, end: after, newText: ':', title: `Add \`:\` after \`${word[1]}\``, preferred: true }];
  };
  if (e.code === 'MISSING_CHAR' && /followed by map values/.test(e.message)) return colonless();
  if (e.code === 'MISSING_CHAR') {
    const quote = /closing (["'])quote/.exec(e.message)?.[1];
    if (!quote) return [];
    const { start, end } = yamlErrorSpan(text, e);
    if (text[start] !== quote) return [];
    const at = start + text.slice(start, end).trimEnd().length;
    return [{ start: at, end: at, newText: quote, title: `Close the quote: add ${quote} at the end of the line`, preferred: true }];
  }
  const flow = unclosedFlow(text, e);
  if (flow && !flow.closed) {
    const at = flow.open + text.slice(flow.open, flow.eol).trimEnd().length;
    return [{ start: at, end: at, newText: flow.close, title: `Close the bracket: add ${flow.close} at the end of the line`, preferred: true }];
  }
  if (e.code === 'TAB_AS_INDENT') {
    const from = lineStart(Math.min(e.pos[0], text.length));
    const leading = /^[ \t]*/.exec(text.slice(from))![0];
    if (!leading.includes('\t')) return [];
    return [{ start: from, end: from + leading.length, newText: leading.replace(/\t/g, '  '), title: 'Indent with spaces (2 for each tab)', preferred: true }];
  }
  if (e.code === 'MULTILINE_IMPLICIT_KEY') {
    const at = Math.min(e.pos[0], text.length);
    const glued = /^([A-Za-z_][\w.-]*):(?=[^\s:])/.exec(text.slice(at));
    if (!glued) return colonless();
    const colon = at + glued[0].length;
    return [{ start: colon, end: colon, newText: ' ', title: `Add a space after \`${glued[1]}:\``, preferred: true }];
  }
  return indentFixes(text, e);
}

/**
 * How to mend an indentation slip: a key indented further than a `key: value` above it (indentSlip:
 * line it up with that key), or one out of line with the keys around it. For the latter the columns
 * keys stand at above it (the nearest key line, then each key further out, up to the top level) say
 * where it can go: the nearest of them deeper than it and the nearest less deep, one fix each (only
 * one is preferred, when there is only one: which block it belongs to is the user's to say).
 */
function indentFixes(text: string, e: YamlSyntaxError): YamlFix[] {
  const slip = indentSlip(text, e);
  if (slip) return [slip.fix];
  if (e.code !== 'BAD_INDENT' || !/same column/.test(e.message)) return [];
  const { start, end } = yamlErrorSpan(text, e);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const column = start - lineStart;
  if (!/^ *$/.test(text.slice(lineStart, start))) return [];
  const levels: Array<{ column: number; key: string }> = [];
  let limit = Infinity;
  for (let at = lineStart - 1; at > 0 && limit > 0; ) {
    const from = text.lastIndexOf('\n', at - 1) + 1;
    const keyLine = /^( *)(- +)?([^\s#:\-][^:#]*?):(?=\s|$)/.exec(text.slice(from, at));
    at = from - 1;
    if (!keyLine) continue;
    const level = keyLine[1]!.length + (keyLine[2]?.length ?? 0);
    if (level < limit) {
      levels.push({ column: level, key: keyLine[3]! });
      limit = level;
    }
  }
  const deeper = levels.filter((l) => l.column > column).at(-1);
  const shallower = levels.find((l) => l.column < column);
  const key = text.slice(start, end);
  const choices = [deeper, shallower].filter((l): l is { column: number; key: string } => l !== undefined);
  return choices.map((l) => ({
    start: lineStart,
    end: start,
    newText: ' '.repeat(l.column),
    title: `Indent \`${key}\` like \`${l.key}\` (${l.column} space${l.column === 1 ? '' : 's'})`,
    preferred: choices.length === 1,
  }));
}

/** A syntax error's first line of text, with what to do about it when that is known (FIXES). */
export function yamlErrorText(e: YamlSyntaxError, text?: string): string {
  const slip = text === undefined ? undefined : indentSlip(text, e);
  if (slip) return slip.message;
  const message = e.message.split('\n')[0]!.trim();
  const fix = FIXES.find((f) => f.code === e.code && (!f.words || f.words.test(message)))?.fix;
  return fix ? `${message}; ${fix}` : message;
}

/**
 * The errors worth reporting, in order: the first of those at one place (the library reports a slip
 * two or three times there, each in other words, the later ones saying nothing new).
 */
export function distinctYamlErrors<E extends YamlSyntaxError>(text: string, errors: readonly E[]): E[] {
  // (by where the library put it as well as where it is shown: an indentation slip is shown at the
  // line below, and the library's other words for it stay at the value above)
  const seen = new Set<number>();
  return errors.filter((e) => {
    const start = yamlErrorSpan(text, e).start;
    if (seen.has(start) || seen.has(e.pos[0])) return false;
    seen.add(start);
    seen.add(e.pos[0]);
    return true;
  });
}
