import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import { startGateway, type Gateway } from '../../src/emulator/gateway/server';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import { eventually, FIXTURES } from './helpers';

/** A web function behind the gateway at `/` (and its own /<name> mount). */
function webFunction(name: string, codeDir: string, runtime: string, extra = ''): FunctionSpec {
  const dir = mkdtempSync(join(tmpdir(), 'scf-web-'));
  writeFileSync(
    join(dir, 'serverless.yml'),
    `component: scf\nname: ${name}\ninputs:\n  name: ${name}\n  type: web\n  src: ${JSON.stringify(codeDir)}\n  runtime: ${runtime}\n  initTimeout: 20\n${extra}`,
  );
  const loaded = loadServerlessFile(dir, { env: {} });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value.functions[0]!;
}

/** GET with a Host of our choosing (fetch always sends the URL's). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}

const emulator = new Emulator();
let gateway: Gateway;
const logs: string[] = [];

before(async () => {
  gateway = await startGateway({
    specs: [webFunction('node-web', join(FIXTURES, 'web-scf'), 'Nodejs12.16'), webFunction('py-web', join(FIXTURES, 'web-scf-python'), 'Python3.6')],
    emulator,
    onLog: (line, spec) => logs.push(`[${spec.name}] ${line.text}`),
  });
});
after(async () => {
  await gateway.close();
  await emulator.dispose();
});

describe('web functions as written for SCF: /var/lang paths and a server on 9000', () => {
  test('two web functions that both listen on 9000 run at once, each instance twice over, through the gateway', async () => {
    const urls = ['/node-web/slow', '/node-web/slow', '/py-web/slow', '/py-web/slow'];
    const answers = await Promise.all(urls.map((u) => fetch(`${gateway.url}${u}`).then(async (r) => ({ status: r.status, body: (await r.json()) as { instance: string } }))));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.notEqual(answers[0]!.body.instance, answers[1]!.body.instance, 'two instances of the Node.js server');
    assert.notEqual(answers[2]!.body.instance, answers[3]!.body.instance, 'two instances of the Python server');
    const text = logs.join('\n');
    assert.match(text, /scf_bootstrap: \/var\/lang\/node12\/bin\/node runs as the local Node\.js/);
    assert.match(text, /scf_bootstrap: \/var\/lang\/python3\/bin\/python3 runs as the local Python 3\./);
    assert.match(text, /Server start on http:\/\/0\.0\.0\.0:9000/);
  });

  test("the client's Host reaches the server; several Set-Cookie stay separate; PORT stays set", async () => {
    const res = await getWithHost(`${gateway.url}/node-web/hello?x=1`, 'demo.example.com');
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body) as { host: string; path: string; port: string };
    assert.equal(body.host, 'demo.example.com');
    assert.equal(body.path, '/hello?x=1');
    assert.match(body.port, /^\d+$/);
    assert.deepEqual(res.setCookie, ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
    const py = JSON.parse((await getWithHost(`${gateway.url}/py-web/x`, 'py.example.com')).body) as { host: string };
    assert.equal(py.host, 'py.example.com');
  });
});

describe('type: web with entryFile and no scf_bootstrap', () => {
  test("starts the file the way the scf component's added scf_bootstrap does", async () => {
    const own = new Emulator();
    const g = await startGateway({ specs: [webFunction('entry-web', join(FIXTURES, 'web-entry'), 'Nodejs16.13', '  entryFile: app.js\n')], emulator: own });
    try {
      const res = await fetch(`${g.url}/entry-web/abc`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'entry /abc');
    } finally {
      await g.close();
      await own.dispose();
    }
  });
});

describe('the real 127.0.0.1:9000 taken by another program', () => {
  // Once seen in a test run beside other folders' runs: a web instance whose own server was not yet
  // listening took whatever answered on the real 9000 (another program's server) for its own, and
  // its requests went there. Linux: only a listener held by one of the instance's processes counts.
  test("while the instance's server starts: its requests still go to its own server", async (t) => {
    const { canConnect } = await import('../../src/emulator/webFunction');
    if (await canConnect(9000)) return t.skip('something on this machine already listens on 127.0.0.1:9000');
    const lateDir = mkdtempSync(join(tmpdir(), 'scf-late-'));
    const own = new Emulator();
    const g = await startGateway({ specs: [webFunction('late-web', join(FIXTURES, 'web-late'), 'Nodejs16.13', `  environment:\n    variables:\n      LATE_DIR: ${JSON.stringify(lateDir)}\n`)], emulator: own });
    const other = createServer((_req, res) => res.end('another program'));
    try {
      const answer = fetch(`${g.url}/late-web/`).then(async (r) => ({ status: r.status, body: await r.text() }));
      // The instance has looked at 9000 (free) and started its bootstrap, whose server is not up yet.
      await eventually(() => existsSync(join(lateDir, 'started')), 'the bootstrap runs');
      await new Promise<void>((resolve, reject) => other.once('error', reject).listen(9000, '127.0.0.1', resolve));
      writeFileSync(join(lateDir, 'go'), '');
      assert.deepEqual(await answer, { status: 200, body: 'late' });
    } finally {
      other.close();
      await g.close();
      await own.dispose();
    }
  });
});

describe('a server no port shim reaches (a native binary)', () => {
  test('gets the real 127.0.0.1:9000 while it is free, and the log says so', async (t) => {
    const { canConnect } = await import('../../src/emulator/webFunction');
    if (await canConnect(9000)) return t.skip('something on this machine already listens on 127.0.0.1:9000');
    const own = new Emulator();
    const g = await startGateway({ specs: [webFunction('native-web', join(FIXTURES, 'web-native'), 'Python3.6')], emulator: own, onLog: (line) => logs.push(line.text) });
    try {
      const res = await fetch(`${g.url}/native-web/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'native');
      assert.ok(logs.some((l) => /listens on the real port 9000/.test(l)), logs.join('\n'));
    } finally {
      await g.close();
      await own.dispose();
    }
    // The port is given back when the instance ends.
    const until = Date.now() + 5000;
    while ((await canConnect(9000)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await canConnect(9000), false, 'port 9000 is free again once the instance has ended');
  });
});
