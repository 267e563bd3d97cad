import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EndpointProcess, ensureEndpoint } from '../../src/deploy/endpointProcess';
import { findRunningEndpoint } from '../../src/deploy/localTarget';
import { tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..');

test('the endpoint process starts, is found through the state folder, and stops cleanly', async () => {
  const stateDir = join(tempDir(), 'state');
  const opts = { cliScript: join(ROOT, 'src/cli/main.ts'), execArgv: ['--import', require.resolve('tsx')], stateDir };
  const first = await ensureEndpoint(undefined, opts);
  assert.ok(first.process);
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await findRunningEndpoint(stateDir), first.url);
  const again = await ensureEndpoint(undefined, opts);
  assert.equal(again.url, first.url, 'a second caller uses the running endpoint');
  assert.equal(again.process, undefined);
  await first.process.stop();
  assert.equal(first.process.running, false);
  assert.ok(!existsSync(join(stateDir, 'endpoint.json')));
  assert.equal(await findRunningEndpoint(stateDir), undefined);
});

test('a second endpoint over the same state folder refuses to start, and says why', async () => {
  const stateDir = join(tempDir(), 'state');
  const opts = { cliScript: join(ROOT, 'src/cli/main.ts'), execArgv: ['--import', require.resolve('tsx')], stateDir };
  const first = await EndpointProcess.start(opts);
  try {
    await assert.rejects(EndpointProcess.start(opts), /exited \(code 2\) before listening: error: an endpoint over .* is already running at http:\/\/127\.0\.0\.1/);
  } finally {
    await first.stop();
  }
});

test('an endpoint started by a process that dies (an editor crash) ends too', async () => {
  const stateDir = join(tempDir(), 'state');
  const script = `
    const { EndpointProcess } = require(${JSON.stringify(join(ROOT, 'src/deploy/endpointProcess.ts'))});
    EndpointProcess.start({ cliScript: ${JSON.stringify(join(ROOT, 'src/cli/main.ts'))}, execArgv: ['--import', ${JSON.stringify(require.resolve('tsx'))}], stateDir: ${JSON.stringify(stateDir)} })
      .then((p) => console.log('PID ' + p.pid));`;
  const parent = spawn(process.execPath, ['--import', require.resolve('tsx'), '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', (c) => {
      text += c;
      const m = /PID (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    parent.once('exit', () => reject(new Error(`the parent ended first: ${text}`)));
  });
  assert.ok(await findRunningEndpoint(stateDir));
  parent.kill('SIGKILL');
  // The endpoint notices the closed IPC channel and stops; wait for its process to go away.
  const gone = async () => {
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  assert.equal(await gone(), true, 'the orphaned endpoint is still running');
  assert.equal(await findRunningEndpoint(stateDir), undefined);
});
