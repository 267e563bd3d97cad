import { test } from 'node:test';
import assert from 'node:assert/strict';
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
