import { dirname, join } from 'node:path';
import type { FunctionSpec } from '../../model';

export { AsyncQueue, type AsyncQueueOptions, type EnqueueOutcome, type FinishedEvent } from './queue';
export { deadLetterFile, type DeadLetterMessage } from './deadLetter';

/** Where a function's async queue journal lives: `.scf/async` beside its serverless.yml. */
export function asyncStateDir(spec: FunctionSpec): string {
  return join(dirname(spec.file), '.scf', 'async');
}
