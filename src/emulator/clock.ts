/**
 * Small things every invocation needs, without what loading them costs a cold start: the `performance`
 * global loads perf_hooks (~5 ms of CPU) on first use and node:crypto loads all of Node's crypto
 * (~10 ms) when required, before the runtime process can be started. A CLI invoke needs neither
 * before then.
 */

/** Milliseconds, monotonic, fractional (as performance.now()). */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let uuid: (() => string) | undefined;

/** A new SCF request id (a random UUID); node:crypto is loaded on the first call. */
export function newRequestId(): string {
  uuid ??= (require('node:crypto') as typeof import('node:crypto')).randomUUID;
  return uuid();
}
