/**
 * Errors as values for the deploy side. A `DeployError` is something the user can act on:
 * its message names the file (or the API action) and the fix.
 */
export interface DeployError {
  code: string;
  message: string;
}

export type Outcome<T> = ({ ok: true } & T) | { ok: false; error: DeployError };

export function fail(code: string, message: string): { ok: false; error: DeployError } {
  return { ok: false, error: { code, message } };
}
