/**
 * The local SCF endpoint and the local HTTP gateway under load and abuse, both served by one real
 * `scf-toolkit serve <folder>` process as a user runs it: 200 concurrent requests, malformed and
 * oversized requests, unsigned, replayed and wrongly signed API calls, slow clients.
 *
 * Every case names the answers it expects (the API's error code for the endpoint, which answers HTTP 200
 * with `{"Response": {"Error": {"Code"}}}` as the cloud does; the HTTP status for the gateway). Goals:
 * each request answered with an expected code (an unexpected code, a reset or a hang is a failure), and
 * the server up and answering after each case. Figures: answers by code, latency p50/p99, the serve
 * process's resident memory before and after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import AdmZip from 'adm-zip';
import { authorization, utcDate } from '../../src/deploy/api/tc3';
import { readLocalCredentials, type Credentials } from '../../src/deploy/endpoint/credentials';
import type { SoakReport } from './report';

const ROOT = join(__dirname, '..', '..');
/** No answer within this long is a hang. */
const HANG_MS = 90_000;

interface Answer {
  /** What the server answered: an API error code or `ok` (endpoint), an HTTP status (gateway), `closed` for a socket it ended. */
  code?: string;
  ms: number;
  /** A transport failure: reset, no answer. */
  error?: string;
}

interface Case {
  /** `floor`: a bare Node.js server in its own process, the peer the load figures compare with. */
  server: 'endpoint' | 'gateway' | 'floor';
  name: string;
  /** Answers that are right for this case, and why (printed in the docs). */
  expected: string[];
  requests: number;
  /** Sent this many times over, one batch after the other (the load cases in the full run: a leak shows in RSS). */
  rounds?: number;
  send: (i: number) => Promise<Answer>;
}

// ---- HTTP plumbing -------------------------------------------------------------------------------

function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string | ((write: (b: Buffer) => boolean) => Promise<void>); path?: string }): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: Number(u.port), method: opts.method ?? 'GET', path: opts.path ?? '/', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(HANG_MS, () => req.destroy(new Error('no answer (hang)')));
    if (typeof opts.body === 'function') {
      void opts.body((b) => req.write(b)).then(
        () => req.end(),
        (e: unknown) => req.destroy(e as Error),
      );
    } else req.end(opts.body);
  });
}

async function timed(fn: () => Promise<string>): Promise<Answer> {
  const t0 = performance.now();
  try {
    const code = await fn();
    return { code, ms: performance.now() - t0 };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message, ms: performance.now() - t0 };
  }
}

/** Raw bytes on a socket: what the server answered (its status line's code) before it closed, or `closed`. */
function raw(url: string, chunks: Array<string | Buffer>, gapMs = 0): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setTimeout(HANG_MS, () => {
      socket.destroy();
      reject(new Error('no answer (hang)'));
    });
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      resolve(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 'closed');
    });
    socket.on('error', () => undefined); // the close that follows says what happened
    socket.on('connect', () => {
      let i = 0;
      const next = () => {
        if (socket.destroyed || i >= chunks.length) return;
        socket.write(chunks[i++]!);
        timer = setTimeout(next, gapMs);
      };
      next();
    });
  });
}

// ---- the endpoint's API calls ----------------------------------------------------------------------

interface CallOptions {
  action: string;
  params?: object;
  /** Sent instead of the JSON of params (still signed as sent). */
  rawBody?: string;
  timestamp?: number;
  credentials?: Partial<Credentials>;
  service?: string;
  /** A date in the credential scope other than the timestamp's. */
  scopeDate?: string;
  region?: string | null;
  version?: string;
  method?: string;
  /** Replaces the Authorization header (null: none). */
  authorizationHeader?: string | null;
  /** The body sent differs from the one signed. */
  tamper?: boolean;
  signedHeaders?: string[];
}

class Api {
  constructor(
    readonly url: string,
    readonly credentials: Credentials,
  ) {}

  /** A signed request's method, headers and body, as the official SDK would send it (or broken as asked). */
  build(o: CallOptions): { method: string; headers: Record<string, string>; body: string } {
    const body = o.rawBody ?? JSON.stringify(o.params ?? {});
    const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
    const host = new URL(this.url).host;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', host, 'x-tc-action': o.action, 'x-tc-timestamp': String(timestamp), 'x-tc-version': o.version ?? '2018-04-16' };
    if (o.region !== null) headers['x-tc-region'] = o.region ?? 'ap-guangzhou';
    const signedHeaders = o.signedHeaders ?? ['content-type', 'host'];
    let auth = authorization({ method: o.method ?? 'POST', path: '/', query: '', headers, signedHeaders, body, timestamp, service: o.service ?? 'scf', secretId: o.credentials?.secretId ?? this.credentials.secretId, secretKey: o.credentials?.secretKey ?? this.credentials.secretKey });
    if (o.scopeDate) auth = auth.replace(utcDate(timestamp), o.scopeDate);
    if (o.authorizationHeader !== null) headers.authorization = o.authorizationHeader ?? auth;
    return { method: o.method ?? 'POST', headers, body: o.tamper ? body.replace('}', ',"Extra":1}') : body };
  }

  async call(o: CallOptions): Promise<{ code: string; response: Record<string, unknown> }> {
    const r = this.build(o);
    const res = await httpRequest(this.url, r);
    const parsed = JSON.parse(res.body.toString('utf8')) as { Response: Record<string, unknown> & { Error?: { Code: string } } };
    return { code: parsed.Response.Error?.Code ?? 'ok', response: parsed.Response };
  }

  code(o: CallOptions): Promise<Answer> {
    return timed(async () => (await this.call(o)).code);
  }
}

// ---- the serve process -----------------------------------------------------------------------------

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

async function startServe(dir: string, stateDir: string): Promise<{ child: ChildProcess; endpoint: string; gateway: string; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'serve', dir, '--state', stateDir, '--quiet'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  let endpoint = '';
  let gateway = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
    lines.on('line', (l) => {
      output += `${l}\n`;
      endpoint ||= /Local SCF endpoint listening on (\S+)/.exec(l)?.[1] ?? '';
      gateway ||= /HTTP gateway listening on (\S+)/.exec(l)?.[1] ?? '';
      // The last line serve prints at start over a pipe (a terminal also gets 'Press Ctrl+C to stop.').
      if (/^State: /.test(l)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, endpoint, gateway, output: () => output };
}

/** The floor: a Node.js http server that reads the body and answers, in its own process like serve. */
async function startFloor(): Promise<{ child: ChildProcess; url: string }> {
  const code = `require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('{"Response":{}}')); }).listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { child, url };
}

function project(dir: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'index.js'), 'exports.main_handler = async (event) => ({ path: event.path, bytes: (event.body || "").length });\n');
  writeFileSync(
    join(dir, 'serverless.yml'),
    ['component: scf', 'name: soak-gw', 'inputs:', '  name: soak-gw', '  src: ./src', '  handler: index.main_handler', '  runtime: Nodejs18.15', '  memorySize: 128', '  timeout: 10', '  events:', '    - apigw:', '        parameters:', '          endpoints:', '            - path: /echo', '              method: ANY', ''].join('\n'),
  );
}

function zipOf(files: Record<string, string>): string {
  const zip = new AdmZip();
  for (const [name, text] of Object.entries(files)) zip.addFile(name, Buffer.from(text));
  return zip.toBuffer().toString('base64');
}

// ---- the run -----------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(opts: { short: boolean }): Promise<SoakReport> {
  const dir = mkdtempSync(join(tmpdir(), 'scf-soak-servers-'));
  const stateDir = join(dir, 'state');
  project(dir);
  const failures: string[] = [];
  const rows: SoakReport['rows'] = [];
  const serve = await startServe(dir, stateDir);
  const floor = await startFloor();
  const pid = serve.child.pid;
  const api = new Api(serve.endpoint, readLocalCredentials(stateDir)!);
  const gw = serve.gateway;
  const now = () => Math.floor(Date.now() / 1000);
  const status = (path: string, o: Parameters<typeof httpRequest>[1] = {}) => timed(async () => String((await httpRequest(gw, { ...o, path })).status));

  try {
    // A deployed function for Invoke.
    const created = await api.call({ action: 'CreateFunction', params: { FunctionName: 'soak-api', Handler: 'index.main_handler', Runtime: 'Nodejs18.15', MemorySize: 128, Timeout: 10, Code: { ZipFile: zipOf({ 'index.js': 'exports.main_handler = async (e) => ({ ok: true, i: e.i });\n' }) } } });
    if (created.code !== 'ok') throw new Error(`CreateFunction failed: ${JSON.stringify(created.response)}`);
    for (let i = 0; i < 200; i++) {
      const got = await api.call({ action: 'GetFunction', params: { FunctionName: 'soak-api' } });
      if (got.response.Status === 'Active') break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const concurrent = 200;
    const rounds = opts.short ? 1 : 10;
    const few = opts.short ? 5 : 50;
    const slow = opts.short ? 20 : 200;
    const big = opts.short ? 2 : 5;
    const cases: Case[] = [
      // Load
      { server: 'floor', name: 'bare Node.js http server, 200 concurrent POST', expected: ['200'], requests: concurrent, rounds, send: () => timed(async () => String((await httpRequest(floor.url, { method: 'POST', body: '{}' })).status)) },
      { server: 'endpoint', name: '200 concurrent ListFunctions', expected: ['ok'], requests: concurrent, rounds, send: () => api.code({ action: 'ListFunctions' }) },
      {
        server: 'endpoint',
        name: '200 concurrent Invoke (sync)',
        // Past the function's instance cap (10) SCF answers 432 ResourceLimitReached; sync calls are not retried.
        expected: ['InvokeResult 0', 'InvokeResult 432'],
        requests: concurrent,
        rounds,
        send: (i) => timed(async () => `InvokeResult ${((await api.call({ action: 'Invoke', params: { FunctionName: 'soak-api', ClientContext: JSON.stringify({ i }) } })).response.Result as { InvokeResult: number }).InvokeResult}`),
      },
      { server: 'gateway', name: '200 concurrent GET /echo', expected: ['200', '429'], requests: concurrent, rounds, send: (i) => status(`/echo?i=${i}`) },
      // Malformed
      { server: 'endpoint', name: 'body not JSON (signed)', expected: ['InvalidParameter.Payload'], requests: few, send: () => api.code({ action: 'ListFunctions', rawBody: '{"Limit": 1,,' }) },
      { server: 'endpoint', name: 'body a JSON array (signed)', expected: ['InvalidParameter.Payload'], requests: few, send: () => api.code({ action: 'ListFunctions', rawBody: '[1,2]' }) },
      { server: 'endpoint', name: 'unknown action', expected: ['InvalidAction'], requests: few, send: () => api.code({ action: 'DropAllTables' }) },
      { server: 'endpoint', name: 'wrong X-TC-Version', expected: ['NoSuchVersion'], requests: few, send: () => api.code({ action: 'ListFunctions', version: '2017-01-01' }) },
      { server: 'endpoint', name: 'no X-TC-Region', expected: ['MissingParameter'], requests: few, send: () => api.code({ action: 'ListFunctions', region: null }) },
      { server: 'endpoint', name: 'PUT instead of POST', expected: ['UnsupportedProtocol'], requests: few, send: () => api.code({ action: 'ListFunctions', method: 'PUT' }) },
      { server: 'endpoint', name: 'not HTTP (bytes)', expected: ['400'], requests: few, send: () => timed(() => raw(api.url, [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00]), '\r\n\r\n'])) },
      { server: 'endpoint', name: 'headers over 16 KB', expected: ['431'], requests: few, send: () => timed(() => raw(api.url, [`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`])) },
      { server: 'gateway', name: 'not HTTP (bytes)', expected: ['400'], requests: few, send: () => timed(() => raw(gw, [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00]), '\r\n\r\n'])) },
      { server: 'gateway', name: 'headers over 16 KB', expected: ['431'], requests: few, send: () => timed(() => raw(gw, [`GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`])) },
      { server: 'gateway', name: 'malformed path (%zz)', expected: ['400'], requests: few, send: () => status('/echo/%zz') },
      { server: 'gateway', name: 'no route', expected: ['404'], requests: few, send: () => status('/nowhere') },
      // Oversized
      { server: 'endpoint', name: 'body 100 MB (Content-Length)', expected: ['RequestSizeLimitExceeded'], requests: big, send: () => timed(() => bodyCall(api, 100 * 1024 * 1024, true)) },
      { server: 'endpoint', name: 'body 81 MB (chunked)', expected: ['RequestSizeLimitExceeded'], requests: big, send: () => timed(() => bodyCall(api, 81 * 1024 * 1024, false)) },
      { server: 'gateway', name: 'body 7 MB (Content-Length)', expected: ['413'], requests: big, send: () => status('/echo', { method: 'POST', headers: { 'content-length': String(7 * 1024 * 1024) }, body: Buffer.alloc(7 * 1024 * 1024, 0x61) }) },
      { server: 'gateway', name: 'body 7 MB (chunked)', expected: ['413'], requests: big, send: () => status('/echo', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: streamBody(7 * 1024 * 1024) }) },
      // Unsigned, replayed, wrongly signed
      { server: 'endpoint', name: 'unsigned (no Authorization)', expected: ['AuthFailure.SignatureFailure'], requests: few, send: () => api.code({ action: 'ListFunctions', authorizationHeader: null }) },
      { server: 'endpoint', name: 'replayed: timestamp 6 min old', expected: ['AuthFailure.SignatureExpire'], requests: few, send: () => api.code({ action: 'ListFunctions', timestamp: now() - 360 }) },
      { server: 'endpoint', name: 'replayed: timestamp 6 min ahead', expected: ['AuthFailure.SignatureExpire'], requests: few, send: () => api.code({ action: 'ListFunctions', timestamp: now() + 360 }) },
      { server: 'endpoint', name: 'replayed: one signed request sent 20 times', expected: ['ok'], requests: 1, send: () => replayed(api, 20) },
      { server: 'endpoint', name: 'replayed: one CreateFunction sent twice', expected: ['ok, ResourceInUse.Function'], requests: 1, send: () => replayedCreate(api) },
      { server: 'endpoint', name: 'wrong SecretKey', expected: ['AuthFailure.SignatureFailure'], requests: few, send: () => api.code({ action: 'ListFunctions', credentials: { secretKey: 'not-the-key' } }) },
      { server: 'endpoint', name: 'unknown SecretId', expected: ['AuthFailure.SecretIdNotFound'], requests: few, send: () => api.code({ action: 'ListFunctions', credentials: { secretId: 'AKIDnobody' } }) },
      { server: 'endpoint', name: 'body changed after signing', expected: ['AuthFailure.SignatureFailure'], requests: few, send: () => api.code({ action: 'ListFunctions', params: { Limit: 1 }, tamper: true }) },
      { server: 'endpoint', name: 'Authorization not TC3', expected: ['AuthFailure.InvalidAuthorization'], requests: few, send: () => api.code({ action: 'ListFunctions', authorizationHeader: 'Bearer abc' }) },
      { server: 'endpoint', name: 'scope names another service (cvm)', expected: ['AuthFailure.InvalidAuthorization'], requests: few, send: () => api.code({ action: 'ListFunctions', service: 'cvm' }) },
      { server: 'endpoint', name: 'scope date not the timestamp\'s', expected: ['AuthFailure.SignatureFailure'], requests: few, send: () => api.code({ action: 'ListFunctions', scopeDate: '2001-01-01' }) },
      { server: 'endpoint', name: 'host not signed', expected: ['AuthFailure.SignatureFailure'], requests: few, send: () => api.code({ action: 'ListFunctions', signedHeaders: ['content-type'] }) },
    ];
    // Slow clients run beside everything else: the server must answer the others meanwhile.
    const slowCases: Case[] = [
      { server: 'endpoint', name: `${slow} slowloris (a header line every 2 s)`, expected: ['408', 'closed'], requests: slow, send: () => timed(() => raw(api.url, ['POST / HTTP/1.1\r\n', ...Array.from({ length: 60 }, (_, k) => `X-Slow-${k}: 1\r\n`)], 2000)) },
      { server: 'gateway', name: `${slow} slowloris (a header line every 2 s)`, expected: ['408', 'closed'], requests: slow, send: () => timed(() => raw(gw, ['GET /echo HTTP/1.1\r\n', ...Array.from({ length: 60 }, (_, k) => `X-Slow-${k}: 1\r\n`)], 2000)) },
      { server: 'gateway', name: `${slow} slow bodies (1 byte every 2 s)`, expected: ['408', 'closed'], requests: slow, send: () => timed(() => raw(gw, ['POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', ...Array.from({ length: 100 }, () => 'a')], 2000)) },
    ];
    const slowStarted = slowCases.map((c) => ({ c, rssBefore: rssMb(pid), answers: Promise.all(Array.from({ length: c.requests }, (_, i) => c.send(i))) }));

    const health = async (): Promise<string | undefined> => {
      const a = await api.code({ action: 'ListFunctions' });
      const b = await status('/echo?health=1');
      if (a.code !== 'ok') return `the endpoint answered ${a.code ?? a.error} to ListFunctions`;
      if (b.code !== '200') return `the gateway answered ${b.code ?? b.error} to GET /echo`;
      return undefined;
    };
    let floorP50 = 0;
    const record = async (c: Case, answers: Answer[], rssBefore: number) => {
      const byCode = new Map<string, number>();
      let errors = 0;
      let unexpected = 0;
      for (const a of answers) {
        if (a.error) {
          errors++;
          continue;
        }
        byCode.set(a.code!, (byCode.get(a.code!) ?? 0) + 1);
        if (!c.expected.includes(a.code!)) unexpected++;
      }
      const ms = answers.map((a) => a.ms).sort((x, y) => x - y);
      if (c.server === 'floor') floorP50 = percentile(ms, 50);
      const down = c.server === 'floor' ? undefined : serve.child.exitCode !== null ? `the serve process exited (${serve.child.exitCode}): ${serve.output().slice(-500)}` : await health();
      if (errors) failures.push(`${c.server} / ${c.name}: ${errors} request(s) got no answer: ${[...new Set(answers.filter((a) => a.error).map((a) => a.error))].join(', ')}`);
      if (unexpected) failures.push(`${c.server} / ${c.name}: ${unexpected} answer(s) not in ${c.expected.join(' | ')}: ${[...byCode].map(([k, n]) => `${k} x${n}`).join(', ')}`);
      if (down) failures.push(`${c.server} / ${c.name}: afterwards ${down}`);
      rows.push({
        server: c.server,
        case: c.name,
        requests: c.requests * (c.rounds ?? 1),
        'answered (code x n)': [...byCode].map(([k, n]) => `${k} x${n}`).join(', '),
        errors,
        'p50 ms': percentile(ms, 50).toFixed(0),
        'p99 ms': percentile(ms, 99).toFixed(0),
        'p50 vs floor': c.rounds !== undefined && floorP50 ? `${(percentile(ms, 50) / floorP50).toFixed(1)}x` : '',
        'RSS before/after (MB)': `${rssBefore}/${rssMb(c.server === 'floor' ? floor.child.pid : pid)}`,
        'up after': down ? 'NO' : 'yes',
      });
    };

    for (const c of cases) {
      const rssBefore = rssMb(c.server === 'floor' ? floor.child.pid : pid);
      const answers: Answer[] = [];
      for (let r = 0; r < (c.rounds ?? 1); r++) answers.push(...(await Promise.all(Array.from({ length: c.requests }, (_, i) => c.send(i)))));
      await record(c, answers, rssBefore);
    }
    for (const s of slowStarted) await record(s.c, await s.answers, s.rssBefore);
  } finally {
    floor.child.kill('SIGKILL');
    serve.child.kill('SIGTERM');
    await new Promise((r) => (serve.child.exitCode !== null ? r(undefined) : serve.child.once('exit', r)));
    if (serve.child.exitCode !== 0) failures.push(`serve did not stop cleanly: exit ${serve.child.exitCode} ${serve.child.signalCode ?? ''}`);
    rmSync(dir, { recursive: true, force: true });
  }
  return { section: 'Endpoint and gateway under load', rows, failures };
}

/** Writes `size` bytes in 1 MB chunks, honouring back-pressure. */
function streamBody(size: number): (write: (b: Buffer) => boolean) => Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  return async (write) => {
    for (let sent = 0; sent < size; sent += chunk.length) {
      if (!write(chunk)) await new Promise((r) => setTimeout(r, 1));
    }
  };
}

/** A signed ListFunctions whose body is `size` bytes of JSON padding, declared or chunked. */
async function bodyCall(api: Api, size: number, declared: boolean): Promise<string> {
  const r = api.build({ action: 'ListFunctions', rawBody: '{}' });
  const headers = { ...r.headers, ...(declared ? { 'content-length': String(size) } : { 'transfer-encoding': 'chunked' }) };
  const res = await httpRequest(api.url, { method: 'POST', headers, body: streamBody(size) });
  return (JSON.parse(res.body.toString('utf8')) as { Response: { Error?: { Code: string } } }).Response.Error?.Code ?? 'ok';
}

/** The same signed request sent `times` times at once: TC3 has no nonce, so each is answered (as by the cloud). */
async function replayed(api: Api, times: number): Promise<Answer> {
  const r = api.build({ action: 'ListFunctions', params: { Limit: 1 } });
  return timed(async () => {
    const codes = await Promise.all(Array.from({ length: times }, async () => (JSON.parse((await httpRequest(api.url, r)).body.toString('utf8')) as { Response: { Error?: { Code: string } } }).Response.Error?.Code ?? 'ok'));
    return [...new Set(codes)].join(', ');
  });
}

/** One signed CreateFunction sent twice: the second meets the function the first made. */
async function replayedCreate(api: Api): Promise<Answer> {
  const r = api.build({ action: 'CreateFunction', params: { FunctionName: 'soak-replayed', Handler: 'index.main_handler', Runtime: 'Nodejs18.15', Code: { ZipFile: zipOf({ 'index.js': 'exports.main_handler = async () => 1;\n' }) } } });
  return timed(async () => {
    const codes: string[] = [];
    for (let k = 0; k < 2; k++) codes.push((JSON.parse((await httpRequest(api.url, r)).body.toString('utf8')) as { Response: { Error?: { Code: string } } }).Response.Error?.Code ?? 'ok');
    return codes.join(', ');
  });
}
