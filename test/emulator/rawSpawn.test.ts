/**
 * src/emulator/rawSpawn.ts: a process started from Node's own handles, then handed over as a
 * ChildProcess, behaves as child_process.spawn()'s: its pipes, its exit code or signal, 'exit' then
 * 'close', kill, and an end before the hand-over. Real processes (sh), on Linux, where it is used.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { rawPipesSupported } from '../../src/emulator/rawPipe';
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

// Adopted with RawPipes (rawPipe.ts: no net, the CLI's case) and with net.Sockets (where those cannot be made)
for (const sockets of [false, true]) {
const pipes = sockets ? 'net.Sockets' : 'RawPipes';
test(`pipes, environment, working folder and exit code are those child_process.spawn gives (${pipes})`, { skip: skip || (!sockets && !rawPipesSupported() ? 'no usable stream_wrap binding here' : false) }, async () => {
  // fd 3 in, fd 4 out, as the emulator's channel; stdout and stderr; stdin ignored
  const script = 'read line <&3; printf "%s|%s|%s" "$line" "$GREETING" "$(pwd)"; echo err >&2; echo reply >&4; exit 7';
  const raw = rawSpawn({ command: sh, args: ['-c', script], cwd: '/tmp', env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: false });
  assert.ok(raw);
  assert.ok(raw.pid > 0);
  const child = asChildProcess(raw, { sockets });
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

test(`kill() ends it with the signal, as a ChildProcess's does; a process that has ended cannot be killed again (${pipes})`, { skip }, async () => {
  const raw = rawSpawn({ command: sh, args: ['-c', 'exec sleep 30'], cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  assert.ok(raw);
  const child = asChildProcess(raw, { sockets });
  const exited = new Promise<[number | null, string | null]>((r) => child.once('exit', (code, signal) => r([code, signal])));
  assert.equal(child.kill('SIGKILL'), true);
  assert.equal(child.killed, true);
  assert.deepEqual(await exited, [null, 'SIGKILL']);
  assert.equal(child.signalCode, 'SIGKILL');
  assert.equal(child.kill('SIGKILL'), false);
  assert.throws(() => child.kill('SIGNOPE' as NodeJS.Signals), /SIGNOPE/);
});
}

const rawSkip = skip || (!rawPipesSupported() ? 'no usable stream_wrap binding here' : false);
/** A runtime-like echo: what comes in on fd 3 goes out on fd 4 (cat), stdout and stderr as the script says. */
function adopted(script: string) {
  const raw = rawSpawn({ command: sh, args: ['-c', script], cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: false });
  assert.ok(raw);
  return asChildProcess(raw);
}

test('RawPipes: a megabyte each way, a paused reader holds the writer back and then gets everything, in order', { skip: rawSkip }, async () => {
  const child = adopted('cat <&3 >&4 & head -c 1048576 /dev/zero | tr "\\0" x; wait');
  const out = child.stdout!;
  const channel = child.stdio[3] as Writable;
  const replies = child.stdio[4] as Readable;
  const sent = Buffer.alloc(1024 * 1024, 'abcdefgh');
  channel.write(sent);
  assert.ok(channel.writableLength > 0, 'a write the pipe cannot take at once is queued, not lost');
  channel.end();
  const back: Buffer[] = [];
  replies.on('data', (d: Buffer) => back.push(d));
  let got = 0;
  out.on('data', (d: Buffer) => (got += d.length));
  out.pause();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got, 0, 'nothing emitted while paused');
  out.resume();
  await new Promise<void>((r) => child.once('close', () => r()));
  assert.equal(got, 1024 * 1024);
  assert.equal(channel.writableLength, 0);
  assert.ok(Buffer.concat(back).equals(sent), 'fd 4 echoed fd 3 byte for byte');
});

test('RawPipes: text split inside a UTF-8 character, output written before the listener, end and close', { skip: rawSkip }, async () => {
  // 'é' is 0xC3 0xA9: the two bytes in two writes, a pause between
  const child = adopted("printf 'caf\\303'; sleep 0.05; printf '\\251!'");
  const out = child.stdout!;
  out.setEncoding('utf8');
  await new Promise((r) => setTimeout(r, 20)); // (the first write is read before anyone listens)
  const chunks: string[] = [];
  const events: string[] = [];
  out.on('data', (d: string) => chunks.push(d));
  out.on('end', () => events.push('end'));
  out.on('close', () => events.push('close'));
  await new Promise<void>((r) => child.once('close', () => r()));
  assert.equal(chunks.join(''), 'café!');
  assert.ok(chunks.every((c) => !c.includes('\ufffd')), chunks.join('|'));
  assert.deepEqual(events, ['end', 'close']);
  assert.equal(out.readable, false);
});

test('RawPipes: destroy() closes a pipe on our side and a write after it fails', { skip: rawSkip }, async () => {
  // in a process of its own (the CLI's test of what an adopted start loads: test/cli/pythonStartAhead.test.ts)
  const script = `
    const { rawSpawn, asChildProcess } = require(${JSON.stringify(require.resolve('../../src/emulator/rawSpawn'))});
    const raw = rawSpawn({ command: '/bin/sh', args: ['-c', 'echo ready >&4; read x <&3; echo "got $x"; exec sleep 30'], cwd: '/', env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: false });
    const child = asChildProcess(raw);
    child.stdio[4].once('data', () => child.stdio[3].write('hello\\n'));
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line) => {
      child.stdio[4].destroy();
      child.stdio[4].once('close', () => {
        child.stdio[4].write('x', (e) => {
          child.kill('SIGKILL');
          child.once('close', (code, signal) => console.log(JSON.stringify({ line, writeAfter: e && e.code, signal })));
        });
      });
    });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.deepEqual(got, { line: 'got hello\n', writeAfter: 'ERR_STREAM_DESTROYED', signal: 'SIGKILL' });
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
