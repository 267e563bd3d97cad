import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorization, parseAuthorization, verifyRequest } from '../../src/deploy/api/tc3';
// The SDK's own signer: an independent implementation to compare ours with.
import Sign from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/sign';

const creds = { secretId: 'AKIDexample0000000000', secretKey: 'exampleKey0123456789' };

test('our TC3-HMAC-SHA256 signature is the official SDK\'s, byte for byte', () => {
  const timestamp = 1551113065;
  const payload = { Limit: 1, Filters: [{ Values: ['未命名'], Name: 'instance-name' }] };
  const body = JSON.stringify(payload);
  const sdk = Sign.sign3({ method: 'POST', url: 'https://cvm.tencentcloudapi.com/', payload, timestamp, service: 'cvm', secretId: creds.secretId, secretKey: creds.secretKey, multipart: false, boundary: '', headers: { 'Content-Type': 'application/json' } });
  const ours = authorization({ method: 'POST', path: '/', query: '', headers: { 'content-type': 'application/json', host: 'cvm.tencentcloudapi.com' }, signedHeaders: ['content-type', 'host'], body, timestamp, service: 'cvm', ...creds });
  assert.equal(ours, sdk);
  assert.deepEqual(parseAuthorization(ours)?.signedHeaders, ['content-type', 'host']);
});

test('verification checks the date in the credential scope and which headers are signed', () => {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'content-type': 'application/json', host: '127.0.0.1:9' };
  const body = Buffer.from('{}');
  const base = { method: 'POST', path: '/', query: '', body, service: 'scf', lookupSecretKey: (id: string) => (id === creds.secretId ? creds.secretKey : undefined) };
  const good = authorization({ method: 'POST', path: '/', query: '', headers, signedHeaders: ['content-type', 'host'], body, timestamp, service: 'scf', ...creds });
  assert.deepEqual(verifyRequest({ ...base, headers: { ...headers, authorization: good, 'x-tc-timestamp': String(timestamp) } }), { ok: true, value: creds.secretId });
  const otherDay = good.replace(/\/\d{4}-\d{2}-\d{2}\//, '/2001-01-01/');
  assert.equal(verifyRequest({ ...base, headers: { ...headers, authorization: otherDay, 'x-tc-timestamp': String(timestamp) } }).ok, false);
  const hostOnly = authorization({ method: 'POST', path: '/', query: '', headers, signedHeaders: ['host'], body, timestamp, service: 'scf', ...creds });
  const r = verifyRequest({ ...base, headers: { ...headers, authorization: hostOnly, 'x-tc-timestamp': String(timestamp) } });
  assert.ok(!r.ok && /content-type and host/.test(r.error.message));
  const changedType = verifyRequest({ ...base, headers: { ...headers, 'content-type': 'text/plain', authorization: good, 'x-tc-timestamp': String(timestamp) } });
  assert.ok(!changedType.ok && changedType.error.code === 'AuthFailure.SignatureFailure');
  const malformed = verifyRequest({ ...base, headers: { ...headers, authorization: 'Bearer x', 'x-tc-timestamp': String(timestamp) } });
  assert.ok(!malformed.ok && malformed.error.code === 'AuthFailure.InvalidAuthorization');
});

test('a credential scope for another service is InvalidAuthorization, as the cloud answers it (found by the soak suite)', () => {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'content-type': 'application/json', host: '127.0.0.1:9' };
  const body = Buffer.from('{}');
  const forCvm = authorization({ method: 'POST', path: '/', query: '', headers, signedHeaders: ['content-type', 'host'], body, timestamp, service: 'cvm', ...creds });
  const r = verifyRequest({ method: 'POST', path: '/', query: '', body, service: 'scf', headers: { ...headers, authorization: forCvm, 'x-tc-timestamp': String(timestamp) }, lookupSecretKey: () => creds.secretKey });
  assert.deepEqual(r.ok ? 'accepted' : r.error.code, 'AuthFailure.InvalidAuthorization');
  assert.match(r.ok ? '' : r.error.message, /names service "cvm"; this endpoint is "scf"/);
});
