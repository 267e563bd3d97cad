/**
 * Problems for the whole workspace: a real LSP conversation with a server started on a workspace
 * folder; every serverless.yml / TCSAM template.yaml / test event is checked without being opened,
 * and again when it, or a file it refers to, changes on disk.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  type Diagnostic,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { startScfServer, type Client } from './lspClient';

let client: Client;
let dir: string;
const uriOf = (rel: string) => pathToFileURL(join(dir, rel)).toString();
const codes = (ds: Diagnostic[]) => ds.map((d) => String(d.code)).sort();

function write(rel: string, text: string): string {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
  return uriOf(rel);
}

const fn = (name: string, extra = '') => `component: scf\nname: ${name}\ninputs:\n  name: ${name}\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n${extra}`;

async function changed(...changes: { rel: string; type: FileChangeType }[]): Promise<void> {
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: changes.map((c) => ({ uri: uriOf(c.rel), type: c.type })) });
}

const has = (code: string) => (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === code);
const none = (p: PublishDiagnosticsParams) => p.diagnostics.length === 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-ws-'));
  write('api/serverless.yml', fn('api', '  memorySize: 100\n'));
  write('api/src/index.js', 'exports.main_handler = async () => ({});\n');
  write('jobs/serverless.yaml', fn('jobs')); // no jobs/src/index.js
  mkdirSync(join(dir, 'jobs', 'src'));
  write('legacy/template.yaml', 'Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    hello:\n      Type: TencentCloud::Serverless::Function\n      Properties:\n        CodeUri: ./\n        Handler: index.main_handler\n        Runtime: Nodejs12.16\n        MemorySize: 200\n');
  write('legacy/index.js', 'exports.main_handler = async () => ({});\n');
  write('sam/template.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n');
  write('excluded/serverless.yml', fn('hidden', '  memorySize: 100\n'));
  write('node_modules/pkg/serverless.yml', fn('dep', '  memorySize: 100\n'));
  write('api/.scf/events/api/broken.json', '{\n  "a": 1,\n}\n');
  write('api/.scf/events/api/good.json', '{"a": 1}\n');
  write('api/.scf/events/api/broken.expect.json', '{ not an event');
  client = await startScfServer({ debounceMs: 10 }, { rootUri: pathToFileURL(dir).toString(), configuration: (section) => (section === 'files.exclude' ? { '**/excluded': true } : null) });
});
after(async () => {
  await client.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('every SCF file of the workspace is checked at start, none of them open', async () => {
  assert.deepEqual(codes((await client.published(uriOf('api/serverless.yml'))).diagnostics), ['scf.memory.invalid']);
  assert.deepEqual(codes((await client.published(uriOf('jobs/serverless.yaml'))).diagnostics), ['scf.handler.fileMissing']);
  assert.ok(codes((await client.published(uriOf('legacy/template.yaml'))).diagnostics).includes('scf.memory.invalid'), 'the TCSAM template is checked');
  const broken = (await client.published(uriOf('api/.scf/events/api/broken.json'))).diagnostics;
  assert.deepEqual(codes(broken), ['event.syntax']);
  assert.equal(broken[0]!.source, 'SCF test event');
  assert.equal(broken[0]!.range.start.line, 2, 'the trailing comma is reported where the object closes');
  assert.deepEqual((await client.published(uriOf('api/.scf/events/api/good.json'))).diagnostics, []);
  // Nothing for files that are not ours, excluded, dependencies or expectations.
  for (const rel of ['sam/template.yaml', 'excluded/serverless.yml', 'node_modules/pkg/serverless.yml', 'api/.scf/events/api/broken.expect.json']) {
    assert.equal(client.latest.get(uriOf(rel)), undefined, `${rel} is not checked`);
  }
});

test('a file created, fixed or deleted on disk is checked again; so are the files that refer to a new handler file', async () => {
  await client.published(uriOf('jobs/serverless.yaml'), has('scf.handler.fileMissing'));
  const created = write('new/serverless.yml', fn('new', '  timeout: 0\n'));
  const got = client.published(created, has('scf.timeout.outOfRange'));
  await changed({ rel: 'new/serverless.yml', type: FileChangeType.Created });
  await got;

  // The handler file appears: jobs' problem goes, though jobs/serverless.yaml itself did not change.
  write('jobs/src/index.js', 'exports.main_handler = async () => ({});\n');
  const fixedHandler = client.diagnostics(uriOf('jobs/serverless.yaml'), none);
  await changed({ rel: 'jobs/src/index.js', type: FileChangeType.Created });
  await fixedHandler;

  write('api/serverless.yml', fn('api', '  memorySize: 128\n'));
  const fixed = client.diagnostics(uriOf('api/serverless.yml'), none);
  await changed({ rel: 'api/serverless.yml', type: FileChangeType.Changed });
  await fixed;

  rmSync(join(dir, 'new'), { recursive: true });
  const gone = client.diagnostics(created, none);
  await changed({ rel: 'new', type: FileChangeType.Deleted });
  await gone;
});

test('an open file is checked from its text; closed, from disk again', async () => {
  const uri = write('open/serverless.yml', fn('open'));
  write('open/src/index.js', 'exports.main_handler = async () => ({});\n');
  const first = client.published(uri, none);
  await changed({ rel: 'open/serverless.yml', type: FileChangeType.Created });
  await first;
  const opened = client.diagnostics(uri, (p) => p.version === 1);
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text: fn('open', '  memorySize: 100\n') } });
  assert.deepEqual(codes((await opened).diagnostics), ['scf.memory.invalid'], 'the unsaved text counts');
  const closed = client.diagnostics(uri, (p) => p.version === undefined);
  await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  assert.deepEqual((await closed).diagnostics, [], 'back to the file on disk, which has no problem');
});

test('a file too large to read is reported, not read', async () => {
  const uri = write('big/.scf/events/big/huge.json', '');
  write('big/serverless.yml', fn('big'));
  truncateSync(join(dir, 'big/.scf/events/big/huge.json'), 9 * 1024 * 1024);
  const got = client.published(uri, has('event.tooLarge'));
  await changed({ rel: 'big/.scf/events/big/huge.json', type: FileChangeType.Created });
  assert.match(String((await got).diagnostics[0]!.message), /9\.0 MB.*at most 6 MB/);
});
