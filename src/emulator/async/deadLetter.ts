/**
 * The local dead-letter queue: `.scf/dlq/<function>.jsonl` beside serverless.yml, one message per line
 * in SCF's dead-letter message format (facts §6).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FunctionSpec } from '../../model';
import type { LocalIdentity } from '../environment';
import type { QueuedEvent } from './journal';

export interface DeadLetterMessage {
  RequestId: string;
  ErrorCode: number;
  ErrorMessage: string;
  Body: {
    AppId: string;
    Uin: string;
    SubAccountUin: string;
    /** Our choice: `LOCAL_INVOKE` for events sent to the local emulator (SCF names the trigger, e.g. TRIGGER_TIMER). */
    RequestSource: string;
    FunctionName: string;
    Namespace: string;
    Qualifier: string;
    InvocationType: 'Event';
    ClientContext: string;
    LogType: 'None';
    TimeStampForInvoker: number;
    PushTime: number;
    RetryNum: number;
    Ttl: number;
  };
}

export function deadLetterFile(spec: FunctionSpec): string {
  return join(dirname(spec.file), '.scf', 'dlq', `${spec.name}.jsonl`);
}

export function writeDeadLetter(spec: FunctionSpec, event: QueuedEvent, identity: LocalIdentity, msgTtlS: number): string {
  const message: DeadLetterMessage = {
    RequestId: event.requestId,
    ErrorCode: event.lastStatusCode ?? 500,
    ErrorMessage: event.lastError ?? '',
    Body: {
      AppId: identity.appId,
      Uin: identity.uin,
      SubAccountUin: identity.uin,
      RequestSource: 'LOCAL_INVOKE',
      FunctionName: spec.name,
      Namespace: spec.namespace,
      Qualifier: '$LATEST',
      InvocationType: 'Event',
      ClientContext: event.payload,
      LogType: 'None',
      TimeStampForInvoker: Math.floor(event.enqueuedAt / 1000),
      PushTime: Math.floor(Date.now() / 1000),
      RetryNum: event.retries,
      Ttl: msgTtlS,
    },
  };
  const file = deadLetterFile(spec);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(message)}\n`);
  return file;
}
