/**
 * Zip bombs at the local endpoint (issue 17.3): a package that declares more than SCF's 500 MB unpacked
 * is refused before a byte is written; one that lies about its sizes is stopped while it unpacks (and its
 * partial folder removed); unpacking is streamed, so other requests are answered meanwhile.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { createScfClient, call, type ApiCallError, type ScfSdkClient } from '../../src/deploy/client';
import { startLocalEndpoint, type LocalEndpoint } from '../../src/deploy/endpoint/server';
import { MAX_UNPACKED_BYTES } from '../../src/deploy/endpoint/unzip';
import { tempDir } from './helpers';

let ep: LocalEndpoint;
let client: ScfSdkClient;
let stateDir: string;

async function start(maxBytes = MAX_UNPACKED_BYTES): Promise<void> {
  stateDir = join(tempDir(), 'state');
  ep = await startLocalEndpoint({ stateDir, unzipLimits: { maxBytes, maxEntries: 1000 } });
  after(() => ep.close());
  client = createScfClient({ target: 'local', region: 'ap-guangzhou', credentials: ep.credentials, endpointUrl: ep.url });
}

/** Sets every entry's declared uncompressed size (local headers and central directory) to `size`. */
function declare(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = 0; i + 30 < out.length; i++) {
    const sig = out.readUInt32LE(i);
    if (sig === 0x04034b50) out.writeUInt32LE(size, i + 22);
    else if (sig === 0x02014b50) out.writeUInt32LE(size, i + 24);
  }
  return out;
}

function zipOf(files: Record<string, Buffer>): Buffer {
  const zip = new AdmZip();
  for (const [name, data] of Object.entries(files)) zip.addFile(name, data);
  return zip.toBuffer();
}

const create = (name: string, zip: Buffer) =>
  call('CreateFunction', () => client.CreateFunction({ FunctionName: name, Code: { ZipFile: zip.toString('base64') }, Handler: 'index.main_handler', Runtime: 'Nodejs16.13' }));
const status = async (name: string) => (await call('GetFunction', () => client.GetFunction({ FunctionName: name }))) as { Status: string; StatusReasons: Array<{ ErrorMessage: string }> };
const unpackFolders = (name: string) => readdirSync(join(stateDir, 'functions', 'ap-guangzhou', 'default', name)).filter((f) => f.startsWith('unpack-') || f.startsWith('code-'));

test('a 4 x 1 GiB bomb is refused at CreateFunction from what it declares, before anything is unpacked', async () => {
  await start();
  const bomb = declare(zipOf({ 'a.bin': Buffer.from('a'), 'b.bin': Buffer.from('b'), 'c.bin': Buffer.from('c'), 'index.js': Buffer.from('d') }), 1024 ** 3);
  const refused = await create('bomb', bomb).then(
    () => undefined,
    (e: ApiCallError) => e,
  );
  assert.equal(refused?.code, 'InvalidParameterValue.ZipFile');
  assert.match(refused?.message ?? '', /unpacks to 4096\.0 MB, over SCF's 500 MB limit for code before compression/);
  const list = (await call('ListFunctions', () => client.ListFunctions({}))) as { TotalCount: number };
  assert.equal(list.TotalCount, 0, 'nothing was created');
});

test('a package that lies about its size is stopped while it unpacks; the partial folder goes; the endpoint answers on', async () => {
  await start(8 * 1024 * 1024);
  // 32 MB of zeros (a few KB zipped) that claims to be 1 KB.
  const liar = declare(zipOf({ 'zeros.bin': Buffer.alloc(32 * 1024 * 1024) }), 1024);
  await create('liar', liar);
  await ep.actions.idle();
  const s = await status('liar');
  assert.equal(s.Status, 'CreateFailed');
  assert.match(s.StatusReasons[0]!.ErrorMessage, /too many bytes|more than 8\.0 MB/);
  assert.deepEqual(unpackFolders('liar'), []);
  // Honest sizes over the (test's) limit are refused up front too.
  const honest = await create('honest', zipOf({ 'zeros.bin': Buffer.alloc(9 * 1024 * 1024) })).catch((e: ApiCallError) => e);
  assert.equal((honest as ApiCallError).code, 'InvalidParameterValue.ZipFile');
});

test('while a large package unpacks, other requests are answered; it then turns Active', async () => {
  await start();
  const files: Record<string, Buffer> = { 'index.js': Buffer.from('exports.main_handler = async () => 1;\n') };
  for (let i = 0; i < 8; i++) files[`data/${i}.bin`] = Buffer.alloc(4 * 1024 * 1024, i);
  await create('large', zipOf(files));
  // Answered in the middle of the unpack (a synchronous unzip would answer only once it is done).
  assert.equal((await status('large')).Status, 'Creating');
  const list = (await call('ListFunctions', () => client.ListFunctions({}))) as { TotalCount: number };
  assert.equal(list.TotalCount, 1);
  await ep.actions.idle();
  assert.equal((await status('large')).Status, 'Active');
  assert.equal(unpackFolders('large').length, 1);
});
