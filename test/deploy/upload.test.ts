import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadServerlessFile } from '../../src/model';
import { createScfClient, call } from '../../src/deploy/client';
import { deployFunction } from '../../src/deploy/deployer';
import { bodyAround } from '../../src/deploy/upload';
import { authorization } from '../../src/deploy/api/tc3';
import { startLocalEndpoint } from '../../src/deploy/endpoint/server';
import { readUploadBody, type UploadBody } from '../../src/deploy/endpoint/uploadBody';
import { nodeProject, tempDir, writeTree } from './helpers';

/** A server on 127.0.0.1 that reads each request with readUploadBody and hands it to the test. */
async function bodyServer(spoolDir: string): Promise<{ send(chunks: Buffer[]): Promise<UploadBody> }> {
  const waiting: Array<(b: UploadBody) => void> = [];
  const server = createServer((req, res) => {
    void readUploadBody(req, 10 * 1024 * 1024, spoolDir, 1024 * 1024).then((r) => {
      assert.ok(r.ok, !r.ok ? r.error.message : '');
      waiting.shift()!(r.value);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  return {
    send: (chunks) =>
      new Promise<UploadBody>((resolve, reject) => {
        waiting.push(resolve);
        const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => res.resume());
        req.on('error', reject);
        // One chunk at a time, each flushed, so the scanner sees the body cut at every kind of place.
        const next = (i: number) => (i === chunks.length ? req.end() : req.write(chunks[i], () => setImmediate(() => next(i + 1))));
        next(0);
      }),
  };
}

function cut(text: string, size: number): Buffer[] {
  const b = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

test('the endpoint spools ZipFile values from the body as they arrive, whatever the chunks, escapes and depth', async () => {
  const spoolDir = join(tempDir(), 'uploads');
  const server = await bodyServer(spoolDir);
  const zip = randomBytes(5000);
  const b64 = zip.toString('base64');
  // \/ escapes (as PHP's json_encode writes them), an escaped key, a ZipFile inside Code and one at the top.
  const escaped = b64.replace(/\//g, '\\/');
  const body = `{"FunctionName":"f","Code":{"Zip\\u0046ile":"${escaped}","Other":"ZipFile"},"ZipFile" : "${b64}","Note":"\\"ZipFile\\": x"}`;
  for (const size of [1, 7, 64, body.length]) {
    const got = await server.send(cut(body, size));
    assert.equal(got.sha256, createHash('sha256').update(body).digest('hex'), 'the hash is of the body as sent');
    const params = JSON.parse(got.json.toString('utf8')) as { FunctionName: string; Code: { ZipFile: string; Other: string }; ZipFile: string; Note: string };
    assert.equal(params.FunctionName, 'f');
    assert.equal(params.Code.Other, 'ZipFile');
    assert.equal(params.Note, '"ZipFile": x');
    assert.equal(got.zips.size, 2, `chunks of ${size}`);
    for (const token of [params.Code.ZipFile, params.ZipFile]) {
      const spooled = got.zips.get(token);
      assert.ok(spooled && !spooled.invalid, JSON.stringify(spooled));
      assert.ok(readFileSync(spooled.file).equals(zip));
      assert.equal(spooled.sha256, createHash('sha256').update(zip).digest('hex'));
    }
    got.dispose();
    assert.deepEqual(readdirSync(spoolDir), [], 'dispose removes the spool files');
  }
  const bad = await server.send(cut('{"ZipFile":"abc$def="}', 5));
  assert.equal([...bad.zips.values()][0]?.invalid, 'ZipFile is not base64.');
  const big = await server.send([Buffer.from(`{"ZipFile":"${randomBytes(1024 * 1024 + 3).toString('base64')}"}`)]);
  assert.equal([...big.zips.values()][0]?.tooLarge, true, 'past the limit it stops writing');
  bad.dispose();
  big.dispose();
});

test('the base64 JSON body is streamed from the zip file: the same JSON the SDK would send', () => {
  const { before, after: rest } = bodyAround({ FunctionName: 'f', Code: {}, Handler: undefined, Description: null, Layers: [{ LayerName: 'l', LayerVersion: 1 }] }, ['Code', 'ZipFile']);
  assert.equal(`${before}QUJD${rest}`, JSON.stringify({ FunctionName: 'f', Code: { ZipFile: 'QUJD' }, Layers: [{ LayerName: 'l', LayerVersion: 1 }] }));
});

test('a deploy streams a package of several base64 pieces to the local endpoint, which stores and unpacks the same bytes', async () => {
  const stateDir = join(tempDir(), 'state');
  const ep = await startLocalEndpoint({ stateDir });
  after(() => ep.close());
  const dir = nodeProject(tempDir());
  const blob = randomBytes(7 * 1024 * 1024); // incompressible: a 7 MB stored entry, three 4 MB base64 pieces
  writeTree(dir, { 'src/data/blob.bin': blob, 'src/scf_bootstrap': ['#!/bin/sh\n', 0o755] });
  const spec = loadServerlessFile(dir);
  assert.ok(spec.ok);
  const client = createScfClient({ target: 'local', region: 'ap-guangzhou', credentials: ep.credentials, endpointUrl: ep.url });
  const r = await deployFunction({ spec: spec.value.functions[0]!, client, targetLabel: 'local', pollIntervalMs: 20 });
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.ok(r.value.zipBytes > 7 * 1024 * 1024);
  const address = await call('GetFunctionAddress', () => client.GetFunctionAddress({ FunctionName: 'hello', Namespace: 'default' }));
  assert.equal(address.CodeSha256, r.value.codeSha256, 'the endpoint hashed what it decoded: the package as made');
  const fnDir = join(stateDir, 'functions', 'ap-guangzhou', 'default', 'hello');
  const code = readdirSync(fnDir).find((n) => n.startsWith('code-'))!;
  assert.ok(readFileSync(join(fnDir, code, 'data/blob.bin')).equals(blob));
  assert.equal(createHash('sha256').update(readFileSync(join(fnDir, 'code.zip'))).digest('hex'), r.value.codeSha256);
  assert.deepEqual(existsSync(join(stateDir, 'uploads')) ? readdirSync(join(stateDir, 'uploads')) : [], [], 'no spool file is left');
  // The signature is checked over the body as sent, ZipFile included: a body whose base64 differs by
  // one character from what was signed is refused, and nothing is spooled or stored from it.
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json', host: `127.0.0.1:${ep.port}`, 'x-tc-action': 'UpdateFunctionCode', 'x-tc-version': '2018-04-16', 'x-tc-region': 'ap-guangzhou', 'x-tc-timestamp': String(timestamp) };
  const signed = `{"FunctionName":"hello","ZipFile":"${readFileSync(join(fnDir, 'code.zip')).toString('base64')}"}`;
  headers.authorization = authorization({ method: 'POST', path: '/', query: '', headers, signedHeaders: ['content-type', 'host'], body: signed, timestamp, service: 'scf', ...ep.credentials });
  const sent = signed.replace('"ZipFile":"U', '"ZipFile":"V');
  assert.notEqual(sent, signed);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ep.port, method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(sent);
  });
  assert.equal((JSON.parse(answer) as { Response: { Error?: { Code: string } } }).Response.Error?.Code, 'AuthFailure.SignatureFailure');
  assert.deepEqual(readdirSync(join(stateDir, 'uploads')), []);
});
