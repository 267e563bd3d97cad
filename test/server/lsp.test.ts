/**
 * A real LSP conversation with the language server process: open, edit, diagnostics, completion,
 * hover, outline, quick fixes, files appearing on disk.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, statSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  CompletionRequest,
  HoverRequest,
  DocumentSymbolRequest,
  DefinitionRequest,
  type Location,
  CodeActionRequest,
  ExecuteCommandRequest,
  FileChangeType,
  type Diagnostic,
  type CompletionItem,
  CompletionItemTag,
  type CodeAction,
  type DocumentSymbol,
  type MarkupContent,
  type TextDocumentEdit,
  type CreateFile,
} from 'vscode-languageserver-protocol/node';
import { startScfServer, type Client } from './lspClient';
import { mutate, rng } from './mutate';

let client: Client;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-lsp-'));
  client = await startScfServer({ debounceMs: 10 });
});
after(async () => {
  await client.stop();
  rmSync(dir, { recursive: true, force: true });
});

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code).sort();

function project(name: string, yml: string): { uri: string; folder: string } {
  const folder = join(dir, name);
  mkdirSync(join(folder, 'src'), { recursive: true });
  writeFileSync(join(folder, 'serverless.yml'), yml);
  return { uri: pathToFileURL(join(folder, 'serverless.yml')).toString(), folder };
}

async function open(uri: string, text: string): Promise<Diagnostic[]> {
  const got = client.diagnostics(uri);
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  return (await got).diagnostics;
}

async function edit(uri: string, version: number, line: number, from: number, to: number, text: string): Promise<Diagnostic[]> {
  const got = client.diagnostics(uri, (p) => p.version === version);
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version },
    contentChanges: [{ range: { start: { line, character: from }, end: { line, character: to } }, text }],
  });
  return (await got).diagnostics;
}

const YML = `component: scf
name: lsp
inputs:
  src: ./src
  handler: index.main_handler
  runtime: Nodejs12.16
  memorySize: 100
  timeout: 3
  environment:
    variables:
      SCF_REGION: here
`;

test('open reports problems on the right lines; an edit updates them', async () => {
  const { uri } = project('edit', YML);
  const first = await open(uri, YML);
  assert.deepEqual(codes(first), ['scf.env.keyReserved', 'scf.handler.fileMissing', 'scf.memory.invalid']);
  const mem = first.find((d) => d.code === 'scf.memory.invalid')!;
  assert.deepEqual(mem.range, { start: { line: 6, character: 14 }, end: { line: 6, character: 17 } });
  assert.equal(mem.severity, 1);
  assert.equal(mem.source, 'scf');
  assert.match(mem.codeDescription!.href, /^https:\/\//);
  // memorySize: 100 -> 128, one edit
  const second = await edit(uri, 2, 6, 14, 17, '128');
  assert.deepEqual(codes(second), ['scf.env.keyReserved', 'scf.handler.fileMissing']);
  // break the YAML: an unclosed quote is a syntax error, not a crash
  const third = await edit(uri, 3, 5, 11, 11, '"');
  assert.deepEqual(codes(third), ['scf.yaml.syntax']);
  assert.equal(third[0]!.range.start.line, 5);
});

test('the missing handler file quick fix creates it, and diagnostics follow the disk', async () => {
  const { uri, folder } = project('create', YML);
  const diags = await open(uri, YML);
  const missing = diags.find((d) => d.code === 'scf.handler.fileMissing')!;
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri },
    range: missing.range,
    context: { diagnostics: [missing], only: ['quickfix'] },
  })) as CodeAction[];
  assert.equal(actions.length, 1);
  const action = actions[0]!;
  assert.equal(action.kind, 'quickfix');
  assert.equal(action.isPreferred, true);
  const changes = action.edit!.documentChanges!;
  const create = changes[0] as CreateFile;
  const content = changes[1] as TextDocumentEdit;
  assert.equal(create.kind, 'create');
  const target = fileURLToPath(create.uri);
  assert.equal(target, join(folder, 'src', 'index.js'));
  // Apply it as an editor would, then the editor's file watcher reports the new file.
  writeFileSync(target, (content.edits[0] as { newText: string }).newText);
  assert.match(readFileSync(target, 'utf8'), /exports\.main_handler = async \(event, context\)/);
  const after = client.diagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'scf.handler.fileMissing'));
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: create.uri, type: FileChangeType.Created }] });
  assert.deepEqual(codes((await after).diagnostics), ['scf.env.keyReserved', 'scf.memory.invalid']);
  // Deleting it brings the diagnostic back.
  rmSync(target);
  const back = client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'scf.handler.fileMissing'));
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: create.uri, type: FileChangeType.Deleted }] });
  await back;
});

test('quick fixes: memory to the nearest size, rename a reserved env key, did-you-mean', async () => {
  const text = YML.replace('  timeout: 3\n', '  timeout: 3\n  namespce: default\n');
  const { uri } = project('fixes', text);
  const diags = await open(uri, text);
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 12, character: 0 } },
    context: { diagnostics: diags },
  })) as CodeAction[];
  const byTitle = new Map(actions.map((a) => [a.title, a]));
  const memory = byTitle.get('Set memorySize to 128')!;
  assert.deepEqual(memory.edit!.changes![uri], [{ range: { start: { line: 6, character: 14 }, end: { line: 6, character: 17 } }, newText: '128' }]);
  const rename = byTitle.get('Rename SCF_REGION to REGION')!;
  assert.equal(rename.edit!.changes![uri]![0]!.newText, 'REGION');
  const didYouMean = byTitle.get('Change `namespce` to `namespace`')!;
  assert.deepEqual(didYouMean.edit!.changes![uri]![0]!.range.start, { line: 8, character: 2 });
});

test('syntax slips: an indentation slip is on the key that slipped and its quick fix lines it up (the file then parses); an unclosed quote\'s closes it', async () => {
  const text = YML.replace('  timeout: 3\n', '    timeout: 3\n');
  const { uri } = project('indent', text);
  const diags = await open(uri, text);
  const syntax = diags.filter((d) => d.code === 'scf.yaml.syntax');
  assert.equal(syntax.length, 1, JSON.stringify(diags));
  assert.deepEqual(syntax[0]!.range, { start: { line: 7, character: 4 }, end: { line: 7, character: 11 } });
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: syntax[0]!.range, context: { diagnostics: syntax } })) as CodeAction[];
  const fix = actions.find((a) => a.title === 'Indent `timeout` like `memorySize` (2 spaces)');
  assert.ok(fix, actions.map((a) => a.title).join(', '));
  assert.equal(fix.isPreferred, true);
  const [edit] = fix.edit!.changes![uri]!;
  assert.deepEqual(edit, { range: { start: { line: 7, character: 0 }, end: { line: 7, character: 4 } }, newText: '  ' });
  const lines = text.split('\n');
  lines[7] = edit!.newText + lines[7]!.slice(edit!.range.end.character);
  assert.equal(lines.join('\n'), YML);
  // an unclosed quote: its quick fix closes it at the end of its line
  const quoted = YML.replace('handler: index.main_handler', 'handler: "index.main_handler');
  const q = project('quote', quoted);
  const quoteDiags = (await open(q.uri, quoted)).filter((d) => d.code === 'scf.yaml.syntax');
  const quoteActions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri: q.uri }, range: quoteDiags[0]!.range, context: { diagnostics: quoteDiags } })) as CodeAction[];
  const close = quoteActions.find((a) => a.title === 'Close the quote: add " at the end of the line');
  assert.ok(close, quoteActions.map((a) => a.title).join(', '));
  assert.deepEqual(close.edit!.changes![q.uri], [{ range: { start: { line: 4, character: 30 }, end: { line: 4, character: 30 } }, newText: '"' }]);
});

test('completion offers keys with descriptions and enum values', async () => {
  const text = 'component: scf\nname: c\ninputs:\n  src: ./src\n  runt\n';
  const { uri } = project('complete', text);
  await open(uri, text);
  const keys = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 4, character: 6 } })) as CompletionItem[];
  const runtime = keys.find((k) => k.label === 'runtime')!;
  assert.ok(runtime, 'runtime is offered');
  assert.match((runtime.documentation as MarkupContent).value, /Default: `Nodejs10.15`/);
  assert.ok(!keys.some((k) => k.label === 'src'), 'keys already present are not offered again');
  // runt -> runtime: then ask for values
  await edit(uri, 2, 4, 2, 6, 'runtime: ');
  const values = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 4, character: 11 } })) as CompletionItem[];
  assert.ok(values.some((v) => v.label === 'Python3.9'));
  assert.ok(values.some((v) => v.label === 'CustomRuntime'));
  // Runtimes newest first within each family, the deprecated ones last and marked.
  const ordered = [...values].sort((a, b) => String(a.sortText).localeCompare(String(b.sortText))).map((v) => v.label);
  assert.ok(ordered.indexOf('Nodejs20.15') < ordered.indexOf('Nodejs18.15') && ordered.indexOf('Nodejs18.15') < ordered.indexOf('Nodejs10.15'), ordered.join(', '));
  assert.ok(ordered.indexOf('Python3.12') < ordered.indexOf('Python3.6'), ordered.join(', '));
  const deprecated = values.filter((v) => v.tags?.includes(CompletionItemTag.Deprecated)).map((v) => v.label);
  assert.deepEqual([...deprecated].sort(), ['Nodejs6.10', 'Nodejs8.9', 'Php5.6', 'Python2.7']);
  assert.ok(deprecated.every((d) => ordered.indexOf(d) > ordered.indexOf('CustomRuntime')), 'after every current runtime');
  assert.ok(!ordered.includes('PHP7'), 'another spelling of Php7 is accepted, not offered');
  // trigger kinds in a new events item
  await edit(uri, 3, 4, 0, 11, '  events:\n    - ');
  const kinds = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 5, character: 6 } })) as CompletionItem[];
  assert.deepEqual(kinds.map((k) => k.label).sort(), ['apigw', 'ckafka', 'clb', 'cls', 'cmq', 'cos', 'mps', 'timer']);
});

test('hover shows description, allowed values and default; outline lists the keys', async () => {
  const { uri } = project('hover', YML);
  await open(uri, YML);
  const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 6, character: 4 } });
  const value = (h!.contents as MarkupContent).value;
  assert.match(value, /\*\*memorySize\*\*/);
  assert.match(value, /Memory in MB/);
  assert.match(value, /Default: `128`/);
  const r = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 5, character: 14 } });
  assert.match((r!.contents as MarkupContent).value, /Allowed: .*`Go1`/);
  const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
  assert.deepEqual(symbols.map((s) => s.name), ['component', 'name', 'inputs']);
  const inputs = symbols[2]!;
  assert.ok(inputs.children!.some((c) => c.name === 'memorySize' && c.detail === '100'));
});

test('Go to Definition on handler opens the entry file at the function', async () => {
  const text = 'component: scf\nname: def\ninputs:\n  src: ./src\n  handler: app.main_handler\n  runtime: Python3.9\n';
  const { uri, folder } = project('definition', text);
  writeFileSync(join(folder, 'src', 'app.py'), 'import json\n\n\ndef helper():\n    pass\n\n\ndef main_handler(event, context):\n    return helper()\n');
  await open(uri, text);
  const loc = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 4, character: 14 } })) as Location;
  assert.equal(fileURLToPath(loc.uri), join(folder, 'src', 'app.py'));
  assert.equal(loc.range.start.line, 7);
  const none = await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 5, character: 12 } });
  assert.equal(none, null);
});

test('a web function without scf_bootstrap: the fix creates an executable one', async () => {
  const text = 'component: scf\nname: web\ninputs:\n  src: ./src\n  type: web\n  runtime: Nodejs16.13\n';
  const { uri, folder } = project('web', text);
  const diags = await open(uri, text);
  assert.deepEqual(codes(diags), ['scf.web.bootstrapMissing']);
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diags[0]!.range, context: { diagnostics: diags } })) as CodeAction[];
  const command = actions[0]!.command!;
  const cleared = client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  await client.connection.sendRequest(ExecuteCommandRequest.type, { command: command.command, arguments: command.arguments });
  await cleared;
  const bootstrap = join(folder, 'src', 'scf_bootstrap');
  assert.ok(existsSync(bootstrap));
  assert.equal(statSync(bootstrap).mode & 0o777, 0o755);
});

test('garbage in, no crash: hundreds of mutated documents over the protocol, the server keeps answering', async () => {
  const uri = pathToFileURL(join(dir, 'garbage', 'serverless.yml')).toString();
  await open(uri, '\u0000{[}: - "\n\t- &a *a\n  ? !!binary |\n');
  const r = rng(424242);
  let text = YML;
  for (let v = 2; v < 400; v++) {
    // Mostly small edits on the current text (as typing does), sometimes a fresh mutation of the seed.
    text = v % 10 === 0 ? mutate(YML, r) : mutate(text, r).slice(0, 4000);
    const got = client.diagnostics(uri, (p) => p.version === v);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    const published = await got;
    for (const d of published.diagnostics) assert.ok(d.range.start.line >= 0 && d.range.end.line >= d.range.start.line, JSON.stringify(d));
    if (v % 40 === 0) {
      const line = Math.floor(r() * (text.split('\n').length + 1));
      await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character: 3 } });
      await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 3 } });
      await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
      await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line, character: 0 } }, context: { diagnostics: published.diagnostics } });
    }
  }
  const symbols = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
  assert.ok(Array.isArray(symbols));
  assert.equal(client.process.exitCode, null);
  assert.equal(client.stderr(), '');
  assert.deepEqual(client.logs().filter((l) => /failed/.test(l)), [], 'no feature failed inside the server');
});

test('with syntaxErrors off (the Red Hat YAML extension reports them), syntax errors are not repeated', async () => {
  const other = await startScfServer({ debounceMs: 0, syntaxErrors: false });
  try {
    const text = 'component: scf\nname: "x\ninputs: {}\n';
    const uri = pathToFileURL(join(dir, 'redhat', 'serverless.yml')).toString();
    const got = other.diagnostics(uri);
    await other.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    assert.deepEqual((await got).diagnostics, []);
  } finally {
    await other.stop();
  }
});

test('a deleted serverless.yml keeps no problems, even while it stays open', async () => {
  const { uri, folder } = project('deleted', YML);
  const first = await open(uri, YML);
  assert.ok(first.length > 0);
  rmSync(join(folder, 'serverless.yml'));
  const cleared = client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri, type: FileChangeType.Deleted }] });
  assert.deepEqual((await cleared).diagnostics, []);
  // A later change elsewhere does not bring them back while the editor stays open: open documents are
  // re-checked in the order they were opened, so once one opened later is re-checked, this one was skipped.
  const empty = client.latest.get(uri);
  const other = project('deleted-other', YML);
  await open(other.uri, YML);
  const otherAgain = client.diagnostics(other.uri);
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(other.folder, 'src', 'index.js')).toString(), type: FileChangeType.Created }] });
  await otherAgain;
  assert.equal(client.latest.get(uri), empty, 'nothing was published for the deleted file');
});

test('an open serverless.yml in a deleted folder (reported as the folder alone) keeps no problems either', async () => {
  const { uri, folder } = project('deleted-folder', YML);
  assert.ok((await open(uri, YML)).length > 0);
  rmSync(folder, { recursive: true });
  const cleared = client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(folder).toString(), type: FileChangeType.Deleted }] });
  assert.deepEqual((await cleared).diagnostics, []);
});

test('a TCSAM template.yaml is checked with the same rules, on its own properties; another tool\'s template.yaml is left alone', async () => {
  const folder = join(dir, 'tcsam');
  mkdirSync(join(folder, 'hello'), { recursive: true });
  writeFileSync(join(folder, 'hello', 'index.js'), 'exports.main_handler = async () => ({});\n');
  const text = `Resources:
  default:
    Type: TencentCloud::Serverless::Namespace
    hello:
      Type: TencentCloud::Serverless::Function
      Properties:
        CodeUri: ./hello
        Handler: index.main_handler
        Runtime: Nodejs12.16
        MemorySize: 200
`;
  writeFileSync(join(folder, 'template.yaml'), text);
  const uri = pathToFileURL(join(folder, 'template.yaml')).toString();
  const ds = await open(uri, text);
  const memory = ds.find((d) => String(d.code).startsWith('scf.memory'));
  assert.ok(memory, JSON.stringify(ds));
  assert.equal(memory.range.start.line, 9, 'on the template\'s MemorySize line');
  const sam = join(dir, 'sam');
  mkdirSync(sam, { recursive: true });
  const samText = 'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n';
  writeFileSync(join(sam, 'template.yaml'), samText);
  assert.deepEqual(await open(pathToFileURL(join(sam, 'template.yaml')).toString(), samText), []);
});
