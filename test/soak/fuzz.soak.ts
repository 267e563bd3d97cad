/**
 * 10,000 fuzzed serverless.yml / template.yaml / event files (150 with --short) through
 * `scf-toolkit validate --json` (in batches of 100, as CI would run it) and through the language server
 * over LSP (one server, every document opened and closed in turn). Goals: crashes 0, hangs over 10 s 0;
 * figures: time per document, peak memory.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidCloseTextDocumentNotification, DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { mutate, rng } from '../server/mutate';
import { startScfServer } from '../server/lspClient';
import { peakRssMb, type SoakReport } from './report';

const ROOT = join(__dirname, '..', '..');
const HANG_MS = 10_000;
const BATCH = 100;

interface Doc {
  /** File name as written (serverless.yml, template.yaml or an event's .json). */
  name: string;
  shape: string;
  text: Buffer;
}

function seeds(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  const valid = join(ROOT, 'test/fixtures/server/valid');
  for (const d of readdirSync(valid)) {
    for (const f of ['serverless.yml', 'serverless.yaml']) {
      try {
        out.push({ name: 'serverless.yml', text: readFileSync(join(valid, d, f), 'utf8') });
      } catch {
        /* not this name */
      }
    }
  }
  const tcsam = join(ROOT, 'test/fixtures/tcsam');
  for (const f of readdirSync(tcsam, { recursive: true }) as string[]) if (/template\.ya?ml$/.test(f)) out.push({ name: 'template.yaml', text: readFileSync(join(tcsam, f), 'utf8') });
  const events = join(ROOT, 'src/events/templates');
  for (const f of readdirSync(events)) if (f.endsWith('.json')) out.push({ name: 'event.json', text: readFileSync(join(events, f), 'utf8') });
  return out;
}

const SHAPES = ['mutate', 'byteFlip', 'truncate', 'deepNesting', 'aliasBomb', 'invalidUtf8', 'hugeLine', 'duplicateKeys'] as const;

function make(i: number, all: Array<{ name: string; text: string }>, hugeEvery: number): Doc {
  const r = rng(0x5eed + i);
  const seed = all[Math.floor(r() * all.length)]!;
  const shape = i % hugeEvery === 0 ? 'hugeLine' : SHAPES[Math.floor(r() * SHAPES.length)]!;
  let text: Buffer;
  switch (shape) {
    case 'byteFlip': {
      text = Buffer.from(seed.text);
      for (let k = 0; k < 1 + Math.floor(r() * 8); k++) if (text.length) text[Math.floor(r() * text.length)] = Math.floor(r() * 256);
      break;
    }
    case 'truncate':
      text = Buffer.from(seed.text.slice(0, Math.floor(r() * seed.text.length)));
      break;
    case 'deepNesting': {
      const n = [100, 1_000, 10_000, 100_000][Math.floor(r() * 4)]!;
      const open = r() < 0.5 ? '[' : '{a: ';
      text = Buffer.from(`${seed.text}\nx: ${open.repeat(n)}${r() < 0.5 ? (open === '[' ? ']' : '}').repeat(n) : ''}\n`);
      break;
    }
    case 'aliasBomb': {
      const rows = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      const merge = r() < 0.5;
      for (let k = 1; k < 10; k++) rows.push(merge ? `a${k}: &a${k}\n  <<: [*a${k - 1}, *a${k - 1}]\n  k: [*a${k - 1}, *a${k - 1}, *a${k - 1}]` : `a${k}: &a${k} [${Array(9).fill(`*a${k - 1}`).join(',')}]`);
      text = Buffer.from(`${seed.text}\n${rows.join('\n')}\n`);
      break;
    }
    case 'invalidUtf8': {
      const b = Buffer.from(seed.text);
      const at = Math.floor(r() * b.length);
      text = Buffer.concat([b.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), b.subarray(at)]);
      break;
    }
    case 'hugeLine': {
      const mb = [0.5, 1, 3, 5][Math.floor(r() * 4)]!;
      text = Buffer.from(`${seed.text}\nbig: ${'x'.repeat(Math.floor(mb * 1024 * 1024))}\n`);
      break;
    }
    case 'duplicateKeys':
      text = Buffer.from(`${seed.text}\n${seed.text.split('\n').filter((l) => /^\S/.test(l)).join('\n')}\n`);
      break;
    default:
      text = Buffer.from(mutate(seed.text, r));
  }
  return { name: seed.name, shape, text };
}

function runValidate(files: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; peakMb: number; timedOut: boolean }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'validate', '--json', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakMb = 0;
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const poll = setInterval(() => (peakMb = Math.max(peakMb, peakRssMb(child.pid) ?? 0)), 25);
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, peakMb, timedOut });
    });
  });
}

export async function run(opts: { short: boolean }): Promise<SoakReport> {
  const count = opts.short ? 150 : 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'scf-soak-fuzz-'));
  const failures: string[] = [];
  const rows: SoakReport['rows'] = [];
  try {
    const all = seeds();
    const docs: Array<Doc & { path: string }> = [];
    for (let i = 0; i < count; i++) {
      const d = make(i, all, opts.short ? 50 : 100);
      const folder = join(dir, String(i));
      mkdirSync(folder);
      const path = join(folder, d.name);
      writeFileSync(path, d.text);
      docs.push({ ...d, path });
    }
    const byShape = new Map<string, number>();
    for (const d of docs) byShape.set(d.shape, (byShape.get(d.shape) ?? 0) + 1);

    // validate --json, in batches
    let crashes = 0;
    let hangs = 0;
    let peakMb = 0;
    let totalMs = 0;
    let slowestBatchMs = 0;
    for (let b = 0; b < docs.length; b += BATCH) {
      const batch = docs.slice(b, b + BATCH);
      const res = await runValidate(batch.map((d) => d.path), HANG_MS * 6);
      totalMs += res.ms;
      slowestBatchMs = Math.max(slowestBatchMs, res.ms);
      peakMb = Math.max(peakMb, res.peakMb);
      const parsed = (() => {
        try {
          return JSON.parse(res.stdout) as Array<{ file: string; code: string }>;
        } catch {
          return undefined;
        }
      })();
      // A batch of 100 may take longer than 10 s in all; only a batch that was killed or failed is taken apart.
      if (res.timedOut || (res.code !== 0 && res.code !== 1) || !parsed || res.stderr) {
        // Find the documents behind it, one at a time.
        for (const d of batch) {
          const one = await runValidate([d.path], HANG_MS);
          if (one.timedOut) {
            hangs++;
            failures.push(`validate hung over 10 s on a ${d.shape} ${d.name} (${d.path})`);
          } else if ((one.code !== 0 && one.code !== 1) || one.stderr) {
            crashes++;
            failures.push(`validate exited ${one.code} on a ${d.shape} ${d.name} (${d.path}): ${one.stderr.slice(0, 300)}`);
          }
        }
      } else if (parsed.some((r) => r.code === 'scf.internal')) {
        for (const r of parsed.filter((x) => x.code === 'scf.internal')) {
          crashes++;
          failures.push(`validate had an internal error on ${r.file}`);
        }
      }
    }
    rows.push({ reader: 'validate --json', documents: count, crashes, 'hangs > 10 s': hangs, 'ms/document': (totalMs / count).toFixed(1), 'slowest batch of 100 (ms)': slowestBatchMs, 'peak RSS (MB)': peakMb });

    // The language server over LSP: every document opened, its diagnostics awaited, closed.
    const client = await startScfServer({ debounceMs: 0 });
    let lspCrashes = 0;
    let lspHangs = 0;
    let lspPeak = 0;
    const lspStarted = Date.now();
    let slowestMs = 0;
    try {
      for (const [i, d] of docs.entries()) {
        // The server checks serverless.yml and template.yaml: an event's text is sent as a serverless.yml.
        const uri = pathToFileURL(d.name === 'template.yaml' ? d.path : join(dir, String(i), 'serverless.yml')).toString();
        const t0 = Date.now();
        const got = client.diagnostics(uri);
        await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text: d.text.toString('utf8') } });
        const answered = await Promise.race([got.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), HANG_MS))]);
        slowestMs = Math.max(slowestMs, Date.now() - t0);
        if (client.process.exitCode !== null || client.process.signalCode !== null) {
          lspCrashes++;
          failures.push(`the language server died on a ${d.shape} document (${d.path}): ${client.stderr().slice(-500)}`);
          break;
        }
        if (!answered) {
          lspHangs++;
          failures.push(`the language server gave no diagnostics within 10 s for a ${d.shape} document (${d.path})`);
        }
        await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
        if (i % 50 === 0) lspPeak = Math.max(lspPeak, peakRssMb(client.process.pid) ?? 0);
      }
      lspPeak = Math.max(lspPeak, peakRssMb(client.process.pid) ?? 0);
    } finally {
      await client.stop();
    }
    rows.push({ reader: 'language server (LSP)', documents: count, crashes: lspCrashes, 'hangs > 10 s': lspHangs, 'ms/document': ((Date.now() - lspStarted) / count).toFixed(1), 'slowest document (ms)': slowestMs, 'peak RSS (MB)': lspPeak });
    rows.push({ reader: 'shapes', documents: count, ...Object.fromEntries([...byShape].sort()) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { section: 'Fuzzed serverless.yml / template.yaml / event files', rows, failures };
}
