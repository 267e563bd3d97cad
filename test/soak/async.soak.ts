/**
 * 10,000 async events (300 with --short) through the real emulator host process (dist/host.js, through
 * EmulatorClient as the extension and the CLI use it), 30 % of them failing by design: handlers that
 * throw, exit (439) or run past their timeout (433), always or only on their first attempts. The host is
 * killed with SIGKILL three times while events are being sent and run; after each kill a new host is
 * started and told to `resume` the journals.
 *
 * Goals (each miss is a failure): every accepted event ends exactly once, in success, in the
 * dead-letter file (function with a deadLetter) or dropped (function without one), and one that fails
 * always is retried (retryNumber 2) before it is given up; lost: 0. Figures: the counts and the time.
 *
 * Every attempt of the handler appends `start <requestId>` (and `ok <requestId>` when it succeeds) to a
 * file per event, so the soak sees attempts the host never reported: those cut off by a kill, and
 * successes run again because the host died before it wrote their end (at least once, as on SCF).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorClient } from '../../src/emulator/client';
import type { DeadLetterMessage, FinishedEvent } from '../../src/emulator/async';
import { rng } from '../server/mutate';
import type { SoakReport } from './report';

const ROOT = join(__dirname, '..', '..');

/** How an event's handler behaves: it fails `failTimes` times in the given way, then succeeds. */
type Kind = 'ok' | 'throw' | 'exit' | 'timeout';
interface Plan {
  i: number;
  kind: Kind;
  /** 99: fails every time (ends in the dead-letter file or dropped). */
  failTimes: number;
  /** The function without a dead-letter queue (its always-failing events are dropped). */
  noDlq: boolean;
}

// 30 % fail: 12 % throw, 8 % exit, 2 % time out (each timed-out attempt costs the 1 s timeout), 8 % of
// those that fail only on their first one or two attempts and then succeed.
function plan(i: number): Plan {
  const r = rng(0xa5 + i);
  const x = r();
  const noDlq = r() < 0.1;
  const again = () => 1 + Math.floor(r() * 2);
  let kind: Kind = 'ok';
  let failTimes = 0;
  if (x < 0.08) [kind, failTimes] = ['throw', 99];
  else if (x < 0.12) [kind, failTimes] = ['throw', again()];
  else if (x < 0.17) [kind, failTimes] = ['exit', 99];
  else if (x < 0.2) [kind, failTimes] = ['exit', again()];
  else if (x < 0.21) [kind, failTimes] = ['timeout', 99];
  else if (x < 0.22) [kind, failTimes] = ['timeout', 1];
  else if (x < 0.3) [kind, failTimes] = ['throw', 1];
  return { i, kind, failTimes, noDlq };
}

const HANDLER = `
const fs = require('node:fs');
const path = require('node:path');
exports.main_handler = async (event, context) => {
  const file = path.join(event.dir, String(event.i));
  fs.appendFileSync(file, 'start ' + context.request_id + '\\n');
  const n = fs.readFileSync(file, 'utf8').split('\\n').filter((l) => l.startsWith('start ')).length;
  if (n <= event.failTimes) {
    if (event.kind === 'throw') throw new Error('event ' + event.i + ' fails on attempt ' + n);
    if (event.kind === 'exit') process.exit(3);
    if (event.kind === 'timeout') await new Promise((r) => setTimeout(r, 10000));
  }
  fs.appendFileSync(file, 'ok ' + context.request_id + '\\n');
  return { i: event.i };
};
`;

function project(dir: string, name: string, deadLetter: boolean): string {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'index.js'), HANDLER);
  const lines = ['component: scf', `name: ${name}`, 'inputs:', `  name: ${name}`, '  src: ./src', '  handler: index.main_handler', '  runtime: Nodejs18.15', '  memorySize: 128', '  timeout: 1', '  retryNumber: 2'];
  if (deadLetter) lines.push('  deadLetter:', '    type: CMQ-QUEUE', '    name: soak-failed');
  writeFileSync(join(dir, 'serverless.yml'), `${lines.join('\n')}\n`);
  return join(dir, 'serverless.yml');
}

function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(opts: { short: boolean }): Promise<SoakReport> {
  const total = opts.short ? 300 : 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'scf-soak-async-'));
  const failures: string[] = [];
  const started = Date.now();
  const marks = join(dir, 'marks');
  mkdirSync(marks);
  const withDlq = project(join(dir, 'with-dlq'), 'soak-dlq', true);
  const withoutDlq = project(join(dir, 'without-dlq'), 'soak-nodlq', false);
  const dlqFile = join(dir, 'with-dlq', '.scf', 'dlq', 'soak-dlq.jsonl');

  const plans = Array.from({ length: total }, (_, i) => plan(i));
  /** requestId -> event index, for every event the host acknowledged. */
  const accepted = new Map<string, number>();
  /** requestId -> every end the host reported for it. */
  const ends = new Map<string, FinishedEvent['outcome'][]>();
  const noteEnd = (requestId: string, outcome: FinishedEvent['outcome']) => {
    const list = ends.get(requestId) ?? [];
    list.push(outcome);
    ends.set(requestId, list);
  };
  let resent = 0;
  let clientErrors = 0;

  const client = new EmulatorClient({
    hostScript: join(ROOT, 'dist/host.js'),
    retryDelayScale: 0.0005, // 30 ms between retries instead of SCF's minute
    onAsyncFinished: (e) => noteEnd(e.requestId, e.outcome),
  });

  /** Sends event i until a host acknowledges it (a kill may cut the first try short, as for any caller). */
  const send = async (p: Plan): Promise<void> => {
    for (;;) {
      const payload = JSON.stringify({ i: p.i, kind: p.kind, failTimes: p.failTimes, dir: marks });
      const inv = client.invoke({ target: p.noDlq ? withoutDlq : withDlq, payload, invocationType: 'Event' }, () => undefined);
      try {
        const id = await inv.requestId;
        accepted.set(id, p.i);
        void inv.outcome.then((o) => {
          if (o.ok && o.value.asyncOutcome) noteEnd(id, o.value.asyncOutcome);
        });
        return;
      } catch (e) {
        if (!/emulator host (was killed|exited)/.test((e as Error).message)) {
          clientErrors++;
          if (clientErrors <= 5) failures.push(`event ${p.i} was refused: ${(e as Error).message}`);
          return;
        }
        resent++;
        await sleep(20);
      }
    }
  };

  const kills: Array<{ ended: number; acceptedSoFar: number }> = [];
  const kill = async () => {
    const pid = client.hostPid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    kills.push({ ended: ends.size, acceptedSoFar: accepted.size });
    for (let i = 0; i < 200 && client.hostPid() === pid; i++) await sleep(10);
    // A new host, told to pick up what the journals hold.
    for (const target of [withDlq, withoutDlq]) {
      const r = await client.resume(target);
      if (!r.ok) failures.push(`resume after kill ${kills.length} failed: ${r.error.message}`);
    }
  };

  try {
    // Send in waves of 50 in flight, killing the host once a third of the events have been sent.
    const queue = [...plans];
    const inFlight = new Set<Promise<void>>();
    let killedWhileSending = false;
    while (queue.length) {
      while (inFlight.size < 50 && queue.length) {
        const p = send(queue.shift()!);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await Promise.race(inFlight);
      if (!killedWhileSending && accepted.size >= total / 3) {
        killedWhileSending = true;
        await kill();
      }
    }
    await Promise.all(inFlight);
    // Two more kills while the queue works through them.
    const settled = () => [...accepted.keys()].filter((id) => ends.has(id)).length;
    for (const share of [0.45, 0.75]) {
      const deadline = Date.now() + 600_000;
      while (settled() < total * share && Date.now() < deadline) await sleep(20);
      await kill();
    }
    // Then everything must end; no progress for 60 s is a hang.
    let last = -1;
    let quietSince = Date.now();
    while (settled() < accepted.size) {
      const now = settled();
      if (now !== last) [last, quietSince] = [now, Date.now()];
      if (Date.now() - quietSince > 60_000) break;
      await sleep(50);
    }
  } finally {
    await client.dispose();
  }
  const seconds = (Date.now() - started) / 1000;

  // What the handlers saw, and the dead-letter file.
  const letters = readLines(dlqFile).map((l) => JSON.parse(l) as DeadLetterMessage);
  const lettersById = new Map<string, number>();
  for (const m of letters) lettersById.set(m.RequestId, (lettersById.get(m.RequestId) ?? 0) + 1);
  const eventOf = new Map<number, string[]>();
  for (const [id, i] of accepted) eventOf.set(i, [...(eventOf.get(i) ?? []), id]);

  // Events the journals still hold once everything is quiet (replayed as the host would on start).
  const live = new Set<string>();
  for (const d of ['with-dlq', 'without-dlq']) {
    for (const l of readLines(join(dir, d, '.scf', 'async', 'queue.jsonl'))) {
      try {
        const e = JSON.parse(l) as { op: 'put'; event: { requestId: string } } | { op: 'done'; requestId: string };
        if (e.op === 'put') live.add(e.event.requestId);
        else live.delete(e.requestId);
      } catch {
        /* a line cut short by a kill */
      }
    }
  }

  let succeeded = 0;
  let deadLettered = 0;
  let dropped = 0;
  let retried = 0;
  let ranTwice = 0;
  let lost = 0;
  let endedTwice = 0;
  let wrongEnd = 0;
  let notRetried = 0;
  let unreported = 0;
  let reportedAgain = 0;
  let unacknowledgedRuns = 0;
  const ids = new Set(accepted.keys());
  for (const p of plans) {
    const lines = readLines(join(marks, String(p.i)));
    const starts = (id: string) => lines.filter((l) => l === `start ${id}`).length;
    const oks = (id: string) => lines.filter((l) => l === `ok ${id}`).length;
    // Runs under a request id no host acknowledged: its acceptance was journaled, then the host died
    // before it answered; the event ran anyway (the caller, not knowing, sent it again).
    for (const l of lines) if (!ids.has(l.slice(l.indexOf(' ') + 1))) unacknowledgedRuns++;
    const expected = p.failTimes < 99 ? 'succeeded' : p.noDlq ? 'dropped' : 'deadLettered';
    for (const id of eventOf.get(p.i) ?? []) {
      const reported = ends.get(id) ?? [];
      const dead = lettersById.get(id) ?? 0;
      // An end is journaled once its report has left the host (queue.ts): a host killed between the
      // two runs the event again after the restart, and its end is reported again, the same end (at
      // least once, as the run itself). Ending twice is one more dead letter, two different ends, or
      // a third report.
      const sameEnds = reported.every((o) => o === reported[0]);
      if (reported.length === 2 && sameEnds && dead <= 1) reportedAgain++;
      const endCount = reported.length === 2 && sameEnds ? Math.max(1, dead) : Math.max(reported.length, dead);
      let outcome: FinishedEvent['outcome'] | undefined = reported[0] ?? (dead ? 'deadLettered' : undefined);
      if (!outcome && !live.has(id)) {
        // Its end is in the journal but its report was lost: the host died between the two.
        unreported++;
        outcome = oks(id) ? 'succeeded' : expected;
      }
      if (!outcome) {
        lost++;
        if (lost <= 10) failures.push(`event ${p.i} (${id}, ${p.kind} x${p.failTimes}) was accepted and never ended: ${starts(id)} attempt(s) seen`);
        continue;
      }
      if (endCount > 1) {
        endedTwice++;
        if (endedTwice <= 10) failures.push(`event ${p.i} (${id}) ended ${endCount} times: reported ${reported.join(', ') || 'never'}, ${dead} dead letter(s)`);
      }
      if (outcome !== expected) {
        wrongEnd++;
        if (wrongEnd <= 10) failures.push(`event ${p.i} (${id}, ${p.kind} x${p.failTimes}) ended ${outcome}, expected ${expected}`);
      }
      if (outcome === 'succeeded') succeeded++;
      else if (outcome === 'deadLettered') deadLettered++;
      else dropped++;
      if (starts(id) > 1) retried++;
      if (outcome !== 'succeeded' && starts(id) < 3) {
        notRetried++;
        if (notRetried <= 10) failures.push(`event ${p.i} (${id}) was given up after ${starts(id)} attempt(s); retryNumber 2 means 3`);
      }
      if (oks(id) > 1) ranTwice++;
    }
  }
  if (lost > 10) failures.push(`... ${lost} lost in all`);
  if (clientErrors) failures.push(`${clientErrors} event(s) refused by the host`);
  rmSync(dir, { recursive: true, force: true });

  const rows: SoakReport['rows'] = [
    {
      events: total,
      accepted: accepted.size,
      succeeded,
      'dead-lettered': deadLettered,
      dropped,
      'retried (>= 1 retry)': retried,
      'run twice after a kill': ranTwice,
      lost,
      'ended twice': endedTwice,
      'wrong end': wrongEnd,
      'end unreported': unreported,
      'end reported again (killed after the report)': reportedAgain,
      'resent (kill before ack)': resent,
      'runs without ack': unacknowledgedRuns,
      'kills at ended/accepted': kills.map((k) => `${k.ended}/${k.acceptedSoFar}`).join(', '),
      seconds: seconds.toFixed(1),
      'events/s': (total / seconds).toFixed(0),
    },
  ];
  if (kills.length < 3) failures.push(`the host was killed ${kills.length} times, not 3`);
  return { section: 'Async events under faults (30 % failing, host SIGKILLed 3 times)', rows, failures };
}
