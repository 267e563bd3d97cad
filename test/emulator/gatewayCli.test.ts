import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURES } from './helpers';

const ROOT = resolve(__dirname, '../..');

test('scf-toolkit serve <serverless.yml> serves the HTTP gateway, prints its routes and streams the function\'s logs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-serve-gw-'));
  writeFileSync(join(dir, 'serverless.yml'), `component: scf\nname: site\ninputs:\n  name: site\n  type: web\n  src: ${JSON.stringify(join(FIXTURES, 'web'))}\n  runtime: Nodejs18.15\n`);
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'serve', dir, '--state', join(dir, 'state')], { cwd: dir });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no gateway URL in:\n${out}`)), 20_000);
      const check = () => {
        const m = /HTTP gateway listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && out.includes('/site/*')) {
          clearTimeout(timer);
          res(m[1]!);
        } else setTimeout(check, 20);
      };
      check();
    });
    assert.match(out, /ANY\s+\/site\/\*\s+->\s+site \(web\)/);
    const res = await fetch(`${url}/site/from-cli`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { path: string }).path, '/from-cli');
    const until = Date.now() + 5000;
    while (!(/\[site\] GET \/from-cli/.test(out) && /-> site 200/.test(out)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /\[site\] GET \/from-cli/);
    assert.match(out, /GET \/site\/from-cli -> site 200/);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
  }
  assert.match(out, /Stopped\./);
});

test('scf-toolkit gateway <serverless.yml> serves the gateway alone, as the extension\'s Start Local HTTP Gateway runs it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-gw-only-'));
  writeFileSync(join(dir, 'serverless.yml'), `component: scf\nname: shop\ninputs:\n  name: shop\n  type: web\n  src: ${JSON.stringify(join(FIXTURES, 'web'))}\n  runtime: Nodejs18.15\n`);
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'gateway', dir, '--port', '0'], { cwd: dir });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', r));
  try {
    const until = Date.now() + 20_000;
    // Over a pipe there is no 'Press Ctrl+C' line: the route table is the last line printed at start.
    while (!/ANY\s+\/shop\/\*.*\n/.test(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const url = /HTTP gateway listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(url, out);
    assert.match(out, /ANY\s+\/shop\/\*\s+->\s+shop \(web\)/);
    const res = await fetch(`${url}/shop/cart?id=7`);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { query: unknown }).query, { id: '7' });
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await closed, 0, 'a clean stop on SIGTERM');
  assert.match(out, /Stopped\./);
});
