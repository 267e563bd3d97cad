/**
 * SCF's limits on events and responses (facts §3). How time, memory and processes are measured and
 * enforced per OS lives in sandbox.ts (processes, memory) and runtimeProcess.ts (time).
 */
export const SYNC_EVENT_LIMIT = 6 * 1024 * 1024;
export const ASYNC_EVENT_LIMIT = 128 * 1024;
export const RESPONSE_LIMIT = 6 * 1024 * 1024;
