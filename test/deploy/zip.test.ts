import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import AdmZip from 'adm-zip';
import { collectFiles } from '../../src/deploy/collect';
import { crc32Table, LARGE_FILE_BYTES, PIECE_BYTES, writeZip, ZipTooLargeError } from '../../src/deploy/zip';
import { InflateError, RawDeflater, RawInflater } from '../../src/deploy/rawZlib';
import { unpackZip } from '../../src/deploy/endpoint/unzip';
import { tempDir, writeTree } from './helpers';

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A folder with every kind of entry the writer treats differently. */
function mixedFolder(): { dir: string; contents: Map<string, Buffer> } {
  const dir = tempDir();
  const text = Buffer.from('the text part of a large file compresses well; '.repeat(Math.ceil((LARGE_FILE_BYTES * 2) / 48)));
  const files: Record<string, string | Buffer | [string | Buffer, number]> = {
    'index.js': 'exports.main_handler = async () => 1;\n',
    'scf_bootstrap': ['#!/bin/sh\nexec node index.js\n', 0o755],
    'empty.txt': '',
    'small-random.bin': randomBytes(300), // deflate cannot shrink it: stored
    'große/ünïcode.js': 'module.exports = "utf-8 name";\n',
    'node_modules/big/half.bin': Buffer.concat([randomBytes(LARGE_FILE_BYTES), text]), // large, deflated in a stream
    'node_modules/big/random.bin': randomBytes(LARGE_FILE_BYTES + 4096), // large and incompressible: stored
    // deflated pieces, then an incompressible last piece written as stored blocks, the final one closing the stream
    'node_modules/big/text-then-random.bin': Buffer.concat([text.subarray(0, PIECE_BYTES + 1000), randomBytes(PIECE_BYTES - 1000 + 777)]),
  };
  for (let i = 0; i < 300; i++) files[`node_modules/pkg-${i % 7}/m${i}.js`] = `module.exports = ${i};\n`.repeat(1 + (i % 9));
  writeTree(dir, files);
  const contents = new Map<string, Buffer>();
  for (const rel of Object.keys(files)) contents.set(rel, readFileSync(join(dir, rel)));
  return { dir, contents };
}

async function zipOf(dir: string): Promise<{ path: string; bytes: number; sha256: string }> {
  const files = collectFiles(dir);
  assert.ok(files.ok);
  const path = join(tempDir(), 'code.zip');
  const written = await writeZip(files.value, path);
  return { path, ...written };
}

test('the zip is read back by unzip -t, adm-zip, Python and the local endpoint, with every file, its bytes and its mode', async (t) => {
  const { dir, contents } = mixedFolder();
  const zip = await zipOf(dir);
  assert.equal(statSync(zip.path).size, zip.bytes);

  const adm = new AdmZip(zip.path);
  const names = adm.getEntries().map((e) => e.entryName);
  assert.deepEqual(names, [...names].sort(), 'entries are in path order');
  assert.deepEqual(new Set(names), new Set(contents.keys()));
  for (const e of adm.getEntries()) assert.ok(e.getData().equals(contents.get(e.entryName)!), `${e.entryName} reads back the same`);

  const py = 'import sys,json,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename:[i.compress_type,(i.external_attr>>16)&0o777,i.date_time[0]] for i in z.infolist()}))';
  const info = JSON.parse(execFileSync('python3', ['-c', py, zip.path], { encoding: 'utf8' })) as Record<string, [number, number, number]>;
  assert.equal(info['scf_bootstrap']?.[1], 0o755, 'scf_bootstrap stays executable');
  assert.equal(info['index.js']?.[1], statSync(join(dir, 'index.js')).mode & 0o777);
  assert.equal(info['node_modules/big/half.bin']?.[0], 8, 'a large compressible file is deflated');
  assert.equal(info['node_modules/big/random.bin']?.[0], 0, 'a large file deflate cannot shrink is stored');
  assert.equal(info['node_modules/big/text-then-random.bin']?.[0], 8, 'deflated pieces and stored blocks in one stream');
  assert.equal(info['small-random.bin']?.[0], 0, 'so is a small one');
  assert.equal(info['empty.txt']?.[0], 0);
  assert.equal(info['node_modules/pkg-1/m1.js']?.[0], 8);
  assert.ok(Object.values(info).every((i) => i[2] === 1980), 'one fixed time');

  const out = tempDir();
  const unpacked = await unpackZip(readFileSync(zip.path), out);
  assert.ok(unpacked.ok, !unpacked.ok ? unpacked.error.message : '');
  assert.equal(unpacked.value.files, contents.size);
  assert.ok(readFileSync(join(out, 'node_modules/big/half.bin')).equals(contents.get('node_modules/big/half.bin')!));
  assert.equal(statSync(join(out, 'scf_bootstrap')).mode & 0o111, 0o111);

  if (!hasTool('unzip')) return t.skip('unzip is not installed: the zip was read by adm-zip, Python and yauzl only');
  const tested = execFileSync('unzip', ['-t', zip.path], { encoding: 'utf8' });
  assert.match(tested, /No errors detected/);
});

test('two runs over the same folder give the same bytes; one changed byte gives another zip', async () => {
  const { dir } = mixedFolder();
  const a = await zipOf(dir);
  const b = await zipOf(dir);
  assert.ok(readFileSync(a.path).equals(readFileSync(b.path)));
  assert.equal(a.sha256, b.sha256);
  const big = join(dir, 'node_modules/big/half.bin');
  const data = readFileSync(big);
  data[data.length - 1] ^= 1;
  writeFileSync(big, data);
  const c = await zipOf(dir);
  assert.notEqual(c.sha256, a.sha256);
});

test('a zip growing past maxBytes stops with ZipTooLargeError', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'));
  for (let i = 0; i < 4; i++) writeFileSync(join(dir, `data/r${i}.bin`), randomBytes(64 * 1024));
  const files = collectFiles(dir);
  assert.ok(files.ok);
  await assert.rejects(writeZip(files.value, join(tempDir(), 'x.zip'), { maxBytes: 150 * 1024 }), (e: unknown) => e instanceof ZipTooLargeError && e.filesWritten === 2);
});

test('the table CRC-32 (for Node before 20.15) equals zlib.crc32, in one piece and in pieces', { skip: typeof zlib.crc32 !== 'function' ? 'zlib.crc32 needs Node 20.15+' : false }, () => {
  const data = randomBytes(100_000);
  assert.equal(crc32Table(data), zlib.crc32(data));
  assert.equal(crc32Table(data.subarray(40_000), crc32Table(data.subarray(0, 40_000))), zlib.crc32(data));
  assert.equal(crc32Table(Buffer.alloc(0)), 0);
});

test('small files deflated through one reused zlib context give zlib.deflateRawSync\'s bytes, file after file', () => {
  const deflater = new RawDeflater();
  try {
    assert.ok(deflater.reused, 'this Node gives the stream\'s native handle: the reused context is in use');
    const inputs = [Buffer.from('a'), randomBytes(300), Buffer.from('module.exports = 1;\n'.repeat(500)), randomBytes(70_000), Buffer.from('x'.repeat(200_000)), Buffer.from('exports.main_handler = 1;\n')];
    const out = Buffer.alloc(200_000);
    for (const input of [...inputs, ...inputs]) {
      const expected = zlib.deflateRawSync(input);
      const n = deflater.deflate(input, out);
      if (expected.length >= input.length) assert.equal(n, -1, `${input.length} bytes deflate cannot shrink: stored`);
      else assert.ok(out.subarray(0, n).equals(expected), `${input.length} bytes: the same bytes as deflateRawSync`);
    }
  } finally {
    deflater.close();
  }
});

test('small entries inflated through one reused zlib context: the same bytes as inflateRawSync; corrupt, cut, longer and shorter data refused', () => {
  const inflater = new RawInflater();
  try {
    assert.ok(inflater.reused, 'this Node gives the stream\'s native handle: the reused context is in use');
    const out = Buffer.alloc(300_000);
    const inputs = [Buffer.alloc(0), Buffer.from('module.exports = 1;\n'.repeat(500)), randomBytes(70_000), Buffer.from('x'.repeat(200_000))];
    for (const input of [...inputs, ...inputs]) {
      const raw = zlib.deflateRawSync(input);
      assert.ok(inflater.inflate(raw, input.length, out).equals(input), `${input.length} bytes inflate back`);
    }
    const raw = zlib.deflateRawSync(inputs[1]!);
    assert.throws(() => inflater.inflate(raw, inputs[1]!.length - 1, out), (e: unknown) => e instanceof InflateError && /too many bytes/.test(e.message));
    assert.throws(() => inflater.inflate(raw, inputs[1]!.length + 1, out), (e: unknown) => e instanceof InflateError && /too few bytes/.test(e.message));
    assert.ok(inflater.inflate(raw, inputs[1]!.length, out).equals(inputs[1]!), 'the context is still good after a refusal');
    assert.throws(() => inflater.inflate(raw.subarray(0, raw.length >> 1), inputs[1]!.length, out), (e: unknown) => e instanceof InflateError, 'cut short');
    assert.throws(() => new RawInflater().inflate(Buffer.from([0xff, 0xff, 0xff, 0xff]), 10, out), (e: unknown) => e instanceof InflateError, 'corrupt');
    // after an error the context is closed and the public call takes over, with the same answers
    assert.equal(inflater.reused, false);
    assert.ok(inflater.inflate(raw, inputs[1]!.length, out).equals(inputs[1]!));
    assert.throws(() => inflater.inflate(raw, inputs[1]!.length - 1, out), (e: unknown) => e instanceof InflateError && /too many bytes/.test(e.message));
  } finally {
    inflater.close();
  }
});

test('a large entry inflated in pieces through the reused context: the same bytes; longer, shorter and cut data refused', async () => {
  const inflater = new RawInflater();
  try {
    assert.ok(inflater.reused);
    const original = Buffer.concat([Buffer.from('exports.x = 1;\n'.repeat(150_000)), randomBytes(700_000), Buffer.alloc(1_500_000)]);
    const raw = Buffer.concat([Buffer.from('header'), zlib.deflateRawSync(original)]);
    const read = (position: number, length: number) => raw.subarray(position, position + length);
    const unpack = async (compressedSize: number, size: number) => {
      const pieces: Buffer[] = [];
      let turns = 0;
      await inflater.inflatePieces(read, 6, compressedSize, size, Buffer.alloc(64 * 1024 + 1), (p) => pieces.push(Buffer.from(p)), async () => void turns++);
      return { data: Buffer.concat(pieces), turns };
    };
    const { data, turns } = await unpack(raw.length - 6, original.length);
    assert.ok(data.equals(original), 'inflates back, across pieces of input and of output');
    assert.ok(turns > 0, 'the event loop gets turns between pieces');
    await assert.rejects(unpack(raw.length - 6, original.length - 1), (e: unknown) => e instanceof InflateError && /too many bytes/.test(e.message));
    const again = new RawInflater();
    try {
      await assert.rejects(
        again.inflatePieces(read, 6, raw.length - 6, original.length + 1, Buffer.alloc(64 * 1024), () => undefined, async () => undefined),
        (e: unknown) => e instanceof InflateError && /too few bytes/.test(e.message),
      );
    } finally {
      again.close();
    }
    const cut = new RawInflater();
    try {
      await assert.rejects(cut.inflatePieces(read, 6, (raw.length - 6) >> 1, original.length, Buffer.alloc(64 * 1024), () => undefined, async () => undefined), (e: unknown) => e instanceof InflateError);
    } finally {
      cut.close();
    }
  } finally {
    inflater.close();
  }
});

test('a generated file (content given, not on disk) larger than the shared buffers is deflated and reads back', async () => {
  const content = Buffer.from('echo "generated bootstrap"\n'.repeat(Math.ceil((LARGE_FILE_BYTES * 1.5) / 27)));
  const path = join(tempDir(), 'code.zip');
  await writeZip([{ path: 'scf_bootstrap', source: '/nonexistent/scf_bootstrap', mode: 0o755, size: content.length, content }], path);
  const entry = new AdmZip(path).getEntries()[0]!;
  assert.equal(entry.header.method, 8);
  assert.ok(entry.getData().equals(content));
});
