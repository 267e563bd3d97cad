/**
 * The local dead-letter queue: `.scf/dlq/<function>.jsonl` beside serverless.yml, one message per line
 * in SCF's dead-letter message format (facts §6).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FunctionSpec } from '../../model';
import type { LocalIdentity } from '../environment';
import type { QueuedEvent } from './journal';
import { isTimerEvent } from '../timerEvent';

/**
 * As SCF's dead-letter guide shows it (583/39704): `ErrorCode` a number (-1 for the user code exception of
 * its example), `TimeStampForInvoker` the invocation time in milliseconds as a string, `PushTime` an
 * RFC 3339 time with its UTC offset, `LogType` empty, the request id in `Body` too.
 */
export interface DeadLetterMessage {
  RequestId: string;
  /** Our choice where the guide is silent: -1 for a user code exception (430, as its example), else the SCF status code. */
  ErrorCode: number;
  ErrorMessage: string;
  Body: {
    AppId: string;
    Uin: string;
    SubAccountUin: string;
    /** TRIGGER_TIMER for a timer event; our choice `LOCAL_INVOKE` for the other events sent to the local emulator. */
    RequestSource: string;
    FunctionName: string;
    Namespace: string;
    Qualifier: string;
    InvocationType: 'Event';
    ClientContext: string;
    LogType: '';
    TimeStampForInvoker: string;
    RequestId: string;
    PushTime: string;
    RetryNum: number;
    Ttl: number;
  };
}

/** `2020-10-10T09:22:00.061+08:00`: local time with its offset, as SCF's PushTime. */
export function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const local = new Date(d.getTime() + off * 60_000);
  const sign = off >= 0 ? '+' : '-';
  return `${local.toISOString().slice(0, 23)}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

export function deadLetterFile(spec: FunctionSpec): string {
  return join(dirname(spec.file), '.scf', 'dlq', `${spec.name}.jsonl`);
}

export function writeDeadLetter(spec: FunctionSpec, event: QueuedEvent, identity: LocalIdentity, msgTtlS: number): string {
  const message: DeadLetterMessage = {
    RequestId: event.requestId,
    ErrorCode: event.lastStatusCode === 430 ? -1 : (event.lastStatusCode ?? 500),
    ErrorMessage: event.lastError ?? '',
    Body: {
      AppId: identity.appId,
      Uin: identity.uin,
      SubAccountUin: identity.uin,
      RequestSource: isTimerEvent(event.payload) ? 'TRIGGER_TIMER' : 'LOCAL_INVOKE',
      FunctionName: spec.name,
      Namespace: spec.namespace,
      Qualifier: '$LATEST',
      InvocationType: 'Event',
      ClientContext: event.payload,
      LogType: '',
      TimeStampForInvoker: String(Math.floor(event.enqueuedAt)),
      RequestId: event.requestId,
      PushTime: rfc3339(new Date()),
      RetryNum: event.retries,
      Ttl: msgTtlS,
    },
  };
  const file = deadLetterFile(spec);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(message)}\n`);
  return file;
}

/**
 * The request ids a dead-letter file holds already. A host killed between writing an event's dead
 * letter and journaling its end runs the event once more after the restart (at least once); this is
 * how its second give-up knows the message is there, so each event is dead-lettered exactly once.
 */
export function deadLetteredIds(file: string): Set<string> {
  const ids = new Set<string>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return ids; // no dead letters yet
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const id = (JSON.parse(line) as Partial<DeadLetterMessage>).RequestId;
      if (typeof id === 'string') ids.add(id);
    } catch {
      // a line cut short by a crash mid-write, or one the user edited: not ours to judge
    }
  }
  return ids;
}
