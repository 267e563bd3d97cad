/**
 * npm run bench:validate — time to diagnostics for serverless.yml files of 100, 1,000 and 5,000
 * lines, on first open and after a one-character edit, for our language server and, in the same run,
 * yaml-language-server given the same JSON Schema and the same files over the same protocol (stdio).
 *
 * Both servers are real processes spoken to by the same LSP client (test/server/lspClient.ts).
 * A diagnostics notification counts only once it reflects the schema (it has the deliberate
 * `runtime` enum error planted in each file), so a server cannot win by answering early with nothing.
 * yaml-language-server waits a fixed 200 ms (validationDelayMs, not configurable) before validating;
 * ours is started with debounceMs 0 (the editor default is 150 ms). Both raw times and
 * yaml-language-server's time net of its 200 ms are printed, with ratios against each.
 * Also printed: our server's own work per edit, in process (the language service the server calls:
 * re-read, schema, semantic checks, LSP diagnostics), without the protocol and process hops.
 * Targets (issue 3): >= 5x faster than yaml-language-server, < 5 ms per edit at 5,000 lines.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeConfigurationNotification, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { ScfLanguageService } from '../src/server/service';
import { startClient, startScfServer, type Client } from '../test/server/lspClient';
import { generate } from './validate.files';

const EDITS = Number(process.env.BENCH_EDITS ?? 15);
const OPENS = Number(process.env.BENCH_OPENS ?? 3);
const SIZES = [100, 1000, 5000];
const YAML_LS_DELAY = 200;
const root = join(__dirname, '..');
const schemaPath = join(root, 'schemas', 'serverless-scf.schema.json');

const hasPlantedError = (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.range.start.line === 9);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]!;
}

interface Timing {
  open: number[];
  edit: number[];
}

async function measure(client: Client, dir: string, size: number, text: string, editLine: number, editColumn: number): Promise<Timing> {
  const timing: Timing = { open: [], edit: [] };
  for (let o = 0; o < OPENS; o++) {
    const folder = join(dir, `size-${size}-${o}`);
    mkdirSync(join(folder, 'src'), { recursive: true });
    writeFileSync(join(folder, 'src', 'index.js'), 'exports.main_handler = async () => 1;\n');
    writeFileSync(join(folder, 'serverless.yml'), text);
    const uri = pathToFileURL(join(folder, 'serverless.yml')).toString();
    const t0 = performance.now();
    const got = client.diagnostics(uri, hasPlantedError);
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    await got;
    timing.open.push(performance.now() - t0);
    if (o > 0) continue;
    for (let e = 0; e < EDITS; e++) {
      const version = e + 2;
      const insert = e % 2 === 0;
      const range = { start: { line: editLine, character: editColumn }, end: { line: editLine, character: editColumn + (insert ? 0 : 1) } };
      const t1 = performance.now();
      const changed = client.diagnostics(uri, (p) => (p.version === undefined || p.version === version) && hasPlantedError(p));
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range, text: insert ? 'x' : '' }] });
      await changed;
      timing.edit.push(performance.now() - t1);
    }
  }
  return timing;
}

async function main(): Promise<void> {
  console.log(`validate benchmark: ${OPENS} opens and ${EDITS} one-character edits per size, Node ${process.version}, ${new Date().toISOString()}`);
  console.log('"net" subtracts the fixed 200 ms yaml-language-server waits before validating; ours runs with debounceMs 0.');
  const dir = mkdtempSync(join(tmpdir(), 'scf-bench-validate-'));
  const ours = await startScfServer({ debounceMs: 0 });
  const yamlSettings = { yaml: { validate: true, hover: true, completion: true, format: { enable: false }, schemaStore: { enable: false }, schemas: { [pathToFileURL(schemaPath).toString()]: ['serverless.yml', 'serverless.yaml'] } } };
  const theirs = await startClient({
    command: process.execPath,
    args: [require.resolve('yaml-language-server/bin/yaml-language-server'), '--stdio'],
    rootUri: pathToFileURL(dir).toString(),
    configuration: (section) => (section ? (yamlSettings as Record<string, unknown>)[section] ?? null : yamlSettings),
  });
  await theirs.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: yamlSettings });
  // Warm both servers up (code loaded and compiled, schema loaded) on a small file first.
  const warm = generate(50);
  for (const c of [ours, theirs]) await measure(c, join(dir, c === ours ? 'warm-ours' : 'warm-theirs'), 50, warm.text, warm.editLine, warm.editColumn);

  const row = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(30) : c.padStart(15))).join(''));
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const results: Record<string, unknown> = {};
  for (const size of SIZES) {
    const { text, editLine, editColumn } = generate(size);
    // The server's own work per one-character edit (no protocol): the language service as the
    // server calls it, on the same edits the LSP run makes.
    const service = new ScfLanguageService({ syntaxErrors: true });
    const uri = pathToFileURL(join(dir, `inproc-${size}`, 'serverless.yml')).toString();
    service.diagnostics(uri, 1, text);
    const inproc: number[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < 40; i++) {
      const l = lines[editLine]!;
      lines[editLine] = i % 2 === 0 ? l.slice(0, editColumn) + 'x' + l.slice(editColumn) : l.slice(0, editColumn) + l.slice(editColumn + 1);
      const edited = lines.join('\n');
      const t0 = performance.now();
      service.diagnostics(uri, i + 2, edited);
      inproc.push(performance.now() - t0);
    }
    const a = await measure(ours, dir, size, text, editLine, editColumn);
    const b = await measure(theirs, dir, size, text, editLine, editColumn);
    const bOpen = median(b.open);
    const bEdit = median(b.edit);
    console.log(`\n${size} lines (${text.length} bytes)`);
    row(['', 'scf-toolkit', 'yaml-ls', 'yaml-ls -200ms', 'speed-up', 'net speed-up']);
    row(['first open (median)', ms(median(a.open)), ms(bOpen), ms(bOpen - YAML_LS_DELAY), `${(bOpen / median(a.open)).toFixed(1)}x`, `${((bOpen - YAML_LS_DELAY) / median(a.open)).toFixed(1)}x`]);
    row(['one-char edit (median)', ms(median(a.edit)), ms(bEdit), ms(bEdit - YAML_LS_DELAY), `${(bEdit / median(a.edit)).toFixed(1)}x`, `${((bEdit - YAML_LS_DELAY) / median(a.edit)).toFixed(1)}x`]);
    row(['one-char edit (p90)', ms(p90(a.edit)), ms(p90(b.edit)), ms(p90(b.edit) - YAML_LS_DELAY), '', '']);
    row(['edit, server work only (median)', ms(median(inproc)), '', '', '', '']);
    row(['edit, server work only (min)', ms(Math.min(...inproc)), '', '', '', '']);
    results[size] = { ours: a, yamlLanguageServer: b, inProcess: inproc };
  }
  await ours.stop();
  await theirs.stop();
  try {
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'validate.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
  } catch {
    // results are a convenience
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
