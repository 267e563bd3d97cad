import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
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
    await assert.rejects(EndpointProcess.start(opts), /exited \(code 2\) before listening: scf-toolkit serve: an endpoint over .* is already running at http:\/\/127\.0\.0\.1/);
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

// A stop that arrives the moment the server says it listens (what EndpointProcess.stop, the extension
// and a script do) used to kill it before its signal handlers were installed: endpoint.json stayed
// behind and "stops cleanly" above failed in about two of three runs. Three at once, each stopped on
// its "listening on" line: without the fix, all three surviving is a few percent likely.
test('serve and gateway stopped right as they say they listen still end cleanly (exit 0, endpoint.json removed)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'serverless.yml'), 'component: scf\nname: site\ninputs:\n  name: site\n  src: ./\n  handler: index.main_handler\n  runtime: Nodejs18.15\n');
  const stopAtListening = (args: string[]) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (/listening on/.test(out) && child.exitCode === null && !child.killed) child.kill('SIGTERM');
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  const states = [0, 1, 2].map((i) => join(dir, `state${i}`));
  const ends = await Promise.all([...states.map((s) => stopAtListening(['serve', '--state', s])), ...[0, 1, 2].map(() => stopAtListening(['gateway', dir]))]);
  for (const end of ends) assert.deepEqual(end, { code: 0, signal: null }, 'killed by the signal instead of stopping');
  for (const s of states) assert.ok(!existsSync(join(s, 'endpoint.json')), `${s}/endpoint.json was left behind`);
});
