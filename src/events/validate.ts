/**
 * Checks a test event before it is sent: JSON syntax (with the line), the event JSON schema
 * (schemas/scf-event.schema.json: a JSON object) and SCF's size limits (6 MB sync, 128 KB async;
 * ../shared/docs/scf-platform-facts.md §3).
 */
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js'; // the ESM build: the UMD main's dynamic requires do not survive bundling
import { lineStarts, rangeAt } from '../model/lines';
import { validator } from '../schema/validators';

export const SYNC_EVENT_LIMIT_BYTES = 6 * 1024 * 1024;
export const ASYNC_EVENT_LIMIT_BYTES = 128 * 1024;

export interface EventProblem {
  code: 'event.syntax' | 'event.schema' | 'event.tooLarge' | 'event.empty';
  /** The message, naming the file and the 1-based line when known. */
  message: string;
  /** 0-based, as editors use them. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type EventCheck = { ok: true; value: Record<string, unknown> } | { ok: false; problems: EventProblem[] };

const schemaValidator = () => validator('event');

export function checkEventText(text: string, options: { file?: string; invocationType?: 'RequestResponse' | 'Event' } = {}): EventCheck {
  const where = options.file ?? 'event';
  const problem = problemAt(text, where);
  if (text.trim() === '') return { ok: false, problems: [problem('event.empty', 0, 0, 'the event is empty; an SCF event is a JSON object such as {"key": "value"}')] };

  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  if (errors.length > 0) return { ok: false, problems: [syntaxProblem(errors[0]!, problem)] };

  const problems: EventProblem[] = [];
  const validateSchema = schemaValidator();
  if (!validateSchema(value)) {
    const tree = parseTree(text);
    for (const err of validateSchema.errors ?? []) {
      const path = err.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const node = tree ? findNodeAtLocation(tree, path) : undefined;
      const offset = node?.offset ?? firstNonSpace(text);
      const length = node?.length ?? 1;
      const what =
        err.instancePath === '' && err.keyword === 'type'
          ? `an SCF event must be a JSON object ({...}), not ${describeJson(value)}; SCF answers 400 InvalidParameterValue otherwise`
          : `${err.instancePath || 'the event'} ${err.message ?? 'does not match the event schema'}`;
      problems.push(problem('event.schema', offset, length, what));
    }
  }

  const bytes = Buffer.byteLength(text, 'utf8');
  const limit = options.invocationType === 'Event' ? ASYNC_EVENT_LIMIT_BYTES : SYNC_EVENT_LIMIT_BYTES;
  if (bytes > limit) {
    const kind = options.invocationType === 'Event' ? 'async' : 'sync';
    problems.push(
      problem('event.tooLarge', 0, 0, `the event is ${formatBytes(bytes)}; SCF accepts at most ${formatBytes(limit)} for a ${kind} invocation (406 RequestTooLarge); put large data in COS and pass its key`),
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: value as Record<string, unknown> };
}

type ProblemAt = (code: EventProblem['code'], offset: number, length: number, what: string) => EventProblem;

function problemAt(text: string, where: string): ProblemAt {
  let starts: number[] | undefined;
  return (code, offset, length, what) => {
    starts ??= lineStarts(text);
    const r = rangeAt(starts, offset, offset + Math.max(length, 1));
    return { code, line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn, message: `${where}:${r.line + 1}:${r.column + 1}: ${what}` };
  };
}

/** Only the first error is reported: the parser's later errors are mostly the same mistake seen again. */
function syntaxProblem(e: ParseError, problem: ProblemAt): EventProblem {
  return problem('event.syntax', e.offset, e.length, `JSON syntax error: ${describeParseError(printParseErrorCode(e.error))}`);
}

/**
 * The JSON syntax error of an event text, with its line and column, or undefined when it is JSON.
 * Costs one JSON.parse when the text is valid (the CLI's cold path); the located parse runs only on failure.
 */
export function eventSyntaxProblem(text: string, file = 'event'): EventProblem | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    const problem = problemAt(text, file);
    if (text.trim() === '') return problem('event.empty', 0, 0, 'the event is empty; an SCF event is a JSON object such as {"key": "value"}');
    const errors: ParseError[] = [];
    parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
    // JSON.parse and jsonc-parser agree on JSON but for a few characters jsonc-parser lets through.
    return syntaxProblem(errors[0] ?? { error: 1, offset: 0, length: 1 }, problem);
  }
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":"',
    CommaExpected: 'expected ","',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'expected the end of the file (only one JSON value is allowed)',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in a string',
  };
  return words[code] ?? code;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB`;
  return `${n} bytes`;
}

function firstNonSpace(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : 0;
}
