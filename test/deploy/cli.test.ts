import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { createScfClient } from '../../src/deploy/client';
import { readLocalCredentials } from '../../src/deploy/endpoint/credentials';
import { invokeDeployed } from '../../src/deploy/remote';
import { startLocalEndpoint } from '../../src/deploy/endpoint/server';
import { nodeProject, tempDir, writeTree } from './helpers';

const ROOT = join(__dirname, '..', '..');
const SECRET_ID = 'AKIDtestSecretId0000000000001';
const SECRET_KEY = 'testSecretKeyThatMustNeverBePrinted42';

function captureIO(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { text(): string } {
  const lines: string[] = [];
  return { out: (t) => lines.push(t), err: (t) => lines.push(t), cwd, env: { PATH: process.env.PATH, ...env }, text: () => lines.join('\n') };
}

/** A project whose handler prints its whole environment, and whose .env holds deploy credentials. */
function leakyProject(): string {
  const dir = nodeProject(tempDir(), {
    name: 'envdump',
    body: "exports.main_handler = async () => { console.log(JSON.stringify(process.env)); return { keys: Object.keys(process.env) }; };\n",
    extraYaml: '  environment:\n    variables:\n      GREETING: hi\n      TENCENT_SECRET_KEY: ${env:TENCENT_SECRET_KEY}',
  });
  writeTree(dir, { '.env': `TENCENT_SECRET_ID=${SECRET_ID}\nTENCENT_SECRET_KEY=${SECRET_KEY}\n` });
  return dir;
}

test('serve runs the endpoint; deploy finds it, and no credential appears in any output or in the handler', async () => {
  const work = tempDir();
  const stateDir = join(work, '.scf', 'endpoint');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--state', stateDir], {
    cwd: ROOT, // where tsx resolves; the state folder is given
    env: { PATH: process.env.PATH, TENCENT_SECRET_ID: SECRET_ID, TENCENT_SECRET_KEY: SECRET_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  after(() => child.kill('SIGKILL'));
  let serveOutput = '';
  child.stderr.on('data', (c) => (serveOutput += c));
  const lines = createInterface({ input: child.stdout });
  let url = '';
  for await (const line of lines) {
    serveOutput += `${line}\n`;
    const m = /listening on (http:\/\/\S+)/.exec(line);
    if (m) {
      url = m[1]!;
      break;
    }
  }
  assert.ok(url, serveOutput);
  lines.on('line', (l) => (serveOutput += `${l}\n`));

  const dir = leakyProject();
  const io = captureIO(work, { TENCENT_SECRET_ID: SECRET_ID, TENCENT_SECRET_KEY: SECRET_KEY });
  const code = await main(['deploy', dir], io);
  assert.equal(code, 0, io.text());
  assert.match(io.text(), /Deploying envdump \(default, ap-guangzhou\) to the local endpoint \(http:\/\/127\.0\.0\.1:\d+\)/);
  assert.match(io.text(), /Packaged 1 files/);
  assert.match(io.text(), /environment variable TENCENT_SECRET_KEY is not deployed/);
  assert.doesNotMatch(io.text(), /started one for this deploy/, 'the running endpoint was used');

  const creds = readLocalCredentials(stateDir);
  assert.ok(creds);
  const client = createScfClient({ target: 'local', region: 'ap-guangzhou', credentials: creds, endpointUrl: url });
  const r = await invokeDeployed(client, { name: 'envdump', namespace: 'default', event: '{}' });
  assert.equal(r.statusCode, 200, r.errMsg);
  const keys = (JSON.parse(r.retMsg) as { keys: string[] }).keys;
  assert.ok(keys.includes('GREETING'));
  assert.ok(!keys.includes('TENCENT_SECRET_KEY') && !keys.includes('TENCENT_SECRET_ID'), keys.join(','));

  const json = captureIO(work, { TENCENT_SECRET_ID: SECRET_ID, TENCENT_SECRET_KEY: SECRET_KEY });
  assert.equal(await main(['deploy', dir, '--json'], json), 0, json.text());
  const results = JSON.parse(json.text()) as Array<{ function: string; ok: boolean; result: { codeUploaded: boolean } }>;
  assert.deepEqual(results.map((x) => [x.function, x.ok, x.result.codeUploaded]), [['envdump', true, false]]);

  child.kill('SIGTERM');
  const [exitCode] = await once(child, 'exit');
  assert.equal(exitCode, 0, serveOutput);
  assert.match(serveOutput, /Invoke envdump \(ap-guangzhou\) -> ok/);
  assert.ok(!existsSync(join(stateDir, 'endpoint.json')), 'endpoint.json is removed on stop');
  for (const [what, text] of [['deploy output', io.text() + json.text()], ['serve output', serveOutput], ['invoke log', r.log + r.retMsg]]) {
    assert.ok(!text.includes(SECRET_KEY), `the secret key appears in the ${what}`);
    assert.ok(!text.includes(SECRET_ID), `the secret id appears in the ${what}`);
  }
});

test('deploy without a running endpoint starts one over the state folder; state persists between runs', async () => {
  const work = tempDir();
  const dir = nodeProject(tempDir(), { name: 'solo' });
  const first = captureIO(work);
  assert.equal(await main(['deploy', join(dir, 'serverless.yml')], first), 0, first.text());
  assert.match(first.text(), /started one for this deploy/);
  assert.match(first.text(), /Deployed solo to .*: created, Active/);
  const second = captureIO(work);
  assert.equal(await main(['deploy', dir], second), 0, second.text());
  assert.match(second.text(), /Code unchanged .*not uploaded again/);
  assert.match(second.text(), /Configuration unchanged/);
});

test('deploy refuses bad packages and missing credentials with the cause and exit codes 1 and 2', async () => {
  const work = tempDir();
  const moved = nodeProject(tempDir(), { name: 'moved' });
  rmSync(join(moved, 'src/index.js'));
  writeTree(moved, { 'src/inner/index.js': 'exports.main_handler = async () => 1;\n' });
  const io = captureIO(work);
  assert.equal(await main(['deploy', moved], io), 1);
  assert.match(io.text(), /inner\/index\.js in the package, not at its root.*enclosing-folder mistake/s);

  const noCreds = captureIO(work, {});
  assert.equal(await main(['deploy', moved, '--target', 'tencent'], noCreds), 2);
  assert.match(noCreds.text(), /no Tencent Cloud credentials: set TENCENT_SECRET_ID and TENCENT_SECRET_KEY/);
  const badTarget = captureIO(work);
  assert.equal(await main(['deploy', moved, '--target', 'aws'], badTarget), 2);
});

test('--target tencent reads .env credentials, signs with them, and never prints them (against an SCF-compatible endpoint)', async () => {
  const work = tempDir();
  // Stands in for the cloud: an endpoint that knows the project's key pair, in the region serverless.yml names.
  const cloud = await startLocalEndpoint({ stateDir: join(tempDir(), 'cloud'), credentials: { secretId: SECRET_ID, secretKey: SECRET_KEY } });
  after(() => cloud.close());
  const dir = leakyProject();
  const io = captureIO(work);
  assert.equal(await main(['deploy', dir, '--target', 'tencent', '--endpoint', cloud.url], io), 0, io.text());
  assert.match(io.text(), /to Tencent Cloud \(ap-guangzhou, http:\/\/127\.0\.0\.1:\d+\) with credentials from \.env/);
  assert.match(io.text(), /created, Active/);

  writeTree(dir, { '.env': `TENCENT_SECRET_ID=${SECRET_ID}\nTENCENT_SECRET_KEY=${SECRET_KEY}x\n` });
  const wrong = captureIO(work);
  assert.equal(await main(['deploy', dir, '--target', 'tencent', '--endpoint', cloud.url], wrong), 1);
  assert.match(wrong.text(), /GetFunction failed: AuthFailure\.SignatureFailure: .*\nFix: The SecretKey does not match the SecretId/);
  for (const text of [io.text(), wrong.text()]) {
    assert.ok(!text.includes(SECRET_KEY) && !text.includes(SECRET_ID), text);
  }
});
