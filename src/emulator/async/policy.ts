/**
 * SCF's async retry policy (../shared/docs/scf-platform-facts.md §6): runtime errors are retried up to
 * the retry count (default 2), one minute apart; 429, 432, 449 and 500-class errors are retried every
 * minute until the maximum retention (msgTTL, default 6 hours) runs out. Then the event goes to the
 * dead-letter queue when one is configured, otherwise it is dropped.
 */
export const DEFAULT_RETRY_NUMBER = 2;
export const DEFAULT_MSG_TTL_S = 6 * 60 * 60;
/** SCF waits one minute between retries. */
export const PLATFORM_RETRY_DELAY_MS = 60_000;

export type FailureClass = 'success' | 'runtimeError' | 'retryUntilTtl';

export function classify(statusCode: number): FailureClass {
  if (statusCode === 200) return 'success';
  if (statusCode === 429 || statusCode === 432 || statusCode === 449 || statusCode >= 500) return 'retryUntilTtl';
  return 'runtimeError';
}

export interface RetryState {
  /** Retries already made for runtime errors. */
  retries: number;
  enqueuedAt: number;
}

export type Decision = { kind: 'done' } | { kind: 'retry'; at: number } | { kind: 'giveUp'; why: string };

export function decide(
  statusCode: number,
  state: RetryState,
  policy: { retryNumber: number; msgTtlMs: number; retryDelayMs: number },
  now: number,
): Decision {
  const c = classify(statusCode);
  if (c === 'success') return { kind: 'done' };
  const at = now + policy.retryDelayMs;
  if (c === 'runtimeError') {
    if (state.retries < policy.retryNumber) return { kind: 'retry', at };
    return { kind: 'giveUp', why: `failed after ${state.retries} ${state.retries === 1 ? 'retry' : 'retries'} (retryNumber ${policy.retryNumber})` };
  }
  if (at - state.enqueuedAt <= policy.msgTtlMs) return { kind: 'retry', at };
  return { kind: 'giveUp', why: `still failing when its retention (msgTTL ${Math.round(policy.msgTtlMs / 1000)} s) ran out` };
}
