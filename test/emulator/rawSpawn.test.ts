/**
 * src/emulator/rawSpawn.ts: a process started from Node's own handles, then handed over as a
 * ChildProcess, behaves as child_process.spawn()'s: its pipes, its exit code or signal, 'exit' then
 * 'close', kill, and an end before the hand-over. Real processes (sh), on Linux, where it is used.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { asChildProcess, killRaw, rawSpawn, rawSpawnSupported } from '../../src/emulator/rawSpawn';

const skip = process.platform !== 'linux' ? 'used on Linux only (the start ahead)' : !rawSpawnSupported() ? "this Node has no usable process_wrap/pipe_wrap bindings (child_process is used)" : false;
const sh = '/bin/sh';
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'hello' };

function collect(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (text += d));
    stream.on('end', () => resolve(text));
  });
}

test('pipes, environment, working folder and exit code are those child_process.spawn gives', { skip }, async () => {
  // fd 3 in, fd 4 out, as the emulator's channel; stdout and stderr; stdin ignored
  const script = 'read line <&3; printf "%s|%s|%s" "$line" "$GREETING" "$(pwd)"; echo err >&2; echo reply >&4; exit 7';
  const raw = rawSpawn({ command: sh, args: ['-c', script], cwd: '/tmp', env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: false });
  assert.ok(raw);
  assert.ok(raw.pid > 0);
  const child = asChildProcess(raw);
  assert.equal(child.pid, raw.pid);
  assert.equal(child.stdin, null);
  assert.equal(child.stdio[0], null);
  const out = collect(child.stdout!);
  const err = collect(child.stderr!);
  const reply = collect(child.stdio[4] as Readable);
  (child.stdio[3] as Writable).end('ping\n');
  const events: string[] = [];
  const exited = new Promise<[number | null, string | null]>((r) => child.once('exit', (code, signal) => (events.push('exit'), r([code, signal]))));
  const closed = new Promise<void>((r) => child.once('close', () => (events.push('close'), r())));
  assert.deepEqual(await exited, [7, null]);
  await closed;
  assert.deepEqual(events, ['exit', 'close']);
  assert.equal(child.exitCode, 7);
  assert.equal(child.signalCode, null);
  assert.equal(await out, 'ping|hello|/tmp');
  assert.equal(await err, 'err\n');
  assert.equal(await reply, 'reply\n');
});

test("kill() ends it with the signal, as a ChildProcess's does; a process that has ended cannot be killed again", { skip }, async () => {
  const raw = rawSpawn({ command: sh, args: ['-c', 'exec sleep 30'], cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  assert.ok(raw);
  const child = asChildProcess(raw);
  const exited = new Promise<[number | null, string | null]>((r) => child.once('exit', (code, signal) => r([code, signal])));
  assert.equal(child.kill('SIGKILL'), true);
  assert.equal(child.killed, true);
  assert.deepEqual(await exited, [null, 'SIGKILL']);
  assert.equal(child.signalCode, 'SIGKILL');
  assert.equal(child.kill('SIGKILL'), false);
});

test('an end before the hand-over is noted (code or signal); killRaw ends one still running and closes its pipes', { skip }, async () => {
  const quick = rawSpawn({ command: sh, args: ['-c', 'exit 3'], cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  assert.ok(quick);
  await new Promise<void>((r) => (quick.onExit = r));
  assert.deepEqual(quick.exit, { code: 3, signal: null });
  killRaw(quick); // only closes its pipes

  const slow = rawSpawn({ command: sh, args: ['-c', 'exec sleep 30'], cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  assert.ok(slow);
  const ended = new Promise<void>((r) => (slow.onExit = r));
  killRaw(slow);
  await ended;
  assert.deepEqual(slow.exit, { code: null, signal: 'SIGKILL' });
  assert.equal(spawnSync('kill', ['-0', String(slow.pid)]).status, 1, 'the process is gone');
});

test('a start that fails (no such working folder) throws and leaves nothing open', { skip }, () => {
  assert.throws(() => rawSpawn({ command: sh, args: ['-c', 'exit 0'], cwd: '/no/such/folder', env, stdio: ['ignore', 'pipe'], detached: false }), /spawn \/bin\/sh/);
  // kinds of descriptor other than pipes and ignored ones are left to child_process
  assert.equal(rawSpawn({ command: sh, args: ['-c', 'exit 0'], cwd: '/', env, stdio: ['ignore', 'inherit'], detached: false }), undefined);
});
