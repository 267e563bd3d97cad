/**
 * The host's side of the runtime channel: frames (length line, body) come back whole however the pipe
 * splits them, and the /proc files the host keeps open read what the kernel says now.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { encodeFrame, FrameReader } from '../../src/emulator/frames';
import { ProcFile } from '../../src/emulator/procFile';

const bodies = ['{"t":"ready","files":[]}', `{"t":"result","ok":true,"result":"${'é€'.repeat(5000)}"}`, '{}', `{"big":"${'x'.repeat(200_000)}"}`];

test('frames split at every byte, or several in one chunk, come back whole and in order (multi-byte text too)', () => {
  const stream = Buffer.from(bodies.map(encodeFrame).join(''), 'utf8');
  for (const size of [1, 7, 4096, 65536, stream.length]) {
    const reader = new FrameReader();
    const got: string[] = [];
    for (let at = 0; at < stream.length; at += size) got.push(...reader.push(stream.subarray(at, at + size)));
    assert.deepEqual(got, bodies, `chunks of ${size} bytes`);
  }
});

test('a frame length counts bytes, not characters', () => {
  assert.equal(encodeFrame('é'), '2\né');
});

test('a corrupt length line is an error, not a hang', () => {
  assert.throws(() => new FrameReader().push(Buffer.from('x1\n{}')), /corrupt frame header/);
});

test('a /proc file kept open reads the process as it is now, and nothing once it has gone', { skip: process.platform !== 'linux' ? '/proc is Linux only' : undefined }, async () => {
  const child = spawn(process.execPath, ['-e', 'let a = []; process.stdin.on("data", () => { a.push(Buffer.alloc(64 << 20, 1)); console.log("grown"); })'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => setTimeout(r, 300));
  const status = new ProcFile(`/proc/${child.pid}/status`, 'r');
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(status.read() ?? '')?.[1]);
  const before = rss();
  child.stdin.write('x');
  await once(child.stdout, 'data');
  const after = rss();
  assert.ok(after > before + 32 * 1024, `VmRSS read again through the same descriptor: ${before} -> ${after} kB`);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(status.read(), undefined);
  status.close();
});
