/**
 * The one outcome type of SCF Toolkit: every part (model, emulator, deploy, testing, CLI) returns its
 * expected failures as values of this shape, never as thrown errors or a shape of its own.
 *
 * A `Problem` is something the user can act on: `code` is stable and dotted (`runtime.notInstalled`,
 * `handler.notFound`, `deploy.credentials` ...) so callers and tests can branch on it, and `message`
 * says what is wrong and how to fix it, naming the file (and, where known, the line) it is about.
 */
import type { SourceRange } from './types';

export interface Problem {
  code: string;
  message: string;
  /** Absolute path of the file the problem is about, where there is one. */
  file?: string;
  /** Where in `file`, 0-based (as LSP counts). */
  range?: SourceRange;
}

/** `E` narrows the problem where a part always knows more (the model's always name their file). */
export type Failure<E extends Problem = Problem> = { ok: false; error: E };
export type Outcome<T = void, E extends Problem = Problem> = { ok: true; value: T } | Failure<E>;

export function ok<T>(value: T): { ok: true; value: T };
export function ok(): { ok: true; value: void };
export function ok<T>(value?: T): { ok: true; value: T | undefined } {
  return { ok: true, value };
}

export function fail(code: string, message: string, where: { file?: string; range?: SourceRange } = {}): Failure {
  const error: Problem = { code, message };
  if (where.file !== undefined) error.file = where.file;
  if (where.range !== undefined) error.range = where.range;
  return { ok: false, error };
}
