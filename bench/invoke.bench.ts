/**
 * npm run bench:invoke — what an invoke costs, against the cost of the bare runtime in the same run.
 *   bare spawn:  `node -e 0` / `python3 -c pass` / `php -r ''` / a Go program that only prints, spawned
 *                and waited for
 *   cold invoke: a new instance (spawn, load the handler, one request) through Emulator.invoke
 *   warm invoke: round trip on a warm instance, p50/p99 over many calls (the handler does nothing,
 *                so the time is the emulator's overhead)
 *   throughput:  warm invokes per second with 2 concurrent callers
 * Targets (issue 2): cold <= 1.2 x bare spawn, warm p50 <= 1 ms, >= 1,000 warm invokes/s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Emulator } from '../src/emulator/emulator';
import { loadServerlessFile, type FunctionSpec } from '../src/model';
import { resolveRuntime } from '../src/emulator/runtimes';

const WARM_CALLS = Number(process.env.BENCH_WARM_CALLS ?? 2000);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);

function spec(runtime: string, codeDir: string, handler = 'index.main_handler'): FunctionSpec {
  const dir = mkdtempSync(join(tmpdir(), 'scf-bench-'));
  writeFileSync(join(dir, 'serverless.yml'), `component: scf\nname: bench\ninputs:\n  src: ${JSON.stringify(codeDir)}\n  handler: ${handler}\n  runtime: ${runtime}\n  memorySize: 128\n  timeout: 3\n`);
  const loaded = loadServerlessFile(dir, { env: {} });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value.functions[0]!;
}

function spawnOnce(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const c = spawn(command, args, { stdio: 'ignore', env: { PATH: process.env.PATH } });
    c.on('error', rej);
    c.on('exit', () => res(performance.now() - t0));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function benchRuntime(label: string, runtime: string, codeDir: string, bare: [string, string[]], handler?: string): Promise<void> {
  const s = spec(runtime, codeDir, handler);
  if (runtime.startsWith('Go')) {
    const builder = new Emulator();
    const first = await builder.invoke({ spec: s, payload: '{}' }); // the build, once, outside the timings
    await builder.dispose();
    if (!first.ok || first.value.statusCode !== 200) throw new Error(`the Go build failed: ${JSON.stringify(first)}`);
  }
  // Bare spawn and cold invoke alternate, so machine noise hits both alike.
  const bareTimes: number[] = [];
  const coldTimes: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    bareTimes.push(await spawnOnce(...bare));
    const e = new Emulator();
    const t0 = performance.now();
    const o = await e.invoke({ spec: s, payload: '{"n":1}' });
    coldTimes.push(performance.now() - t0);
    if (!o.ok || o.value.statusCode !== 200) throw new Error(`cold invoke failed: ${JSON.stringify(o)}`);
    await e.dispose();
  }
  const bareMs = median(bareTimes);
  const coldMs = median(coldTimes);

  const e = new Emulator();
  await e.invoke({ spec: s, payload: '{"n":0}' });
  for (let i = 0; i < 200; i++) await e.invoke({ spec: s, payload: '{"n":0}' }); // warm-up
  const warm: number[] = [];
  for (let i = 0; i < WARM_CALLS; i++) {
    const t0 = performance.now();
    const o = await e.invoke({ spec: s, payload: `{"n":${i}}` });
    warm.push(performance.now() - t0);
    if (!o.ok || o.value.statusCode !== 200 || o.value.coldStart) throw new Error('warm invoke failed');
  }
  const p50 = percentile(warm, 50);
  const p99 = percentile(warm, 99);

  const callers = 2;
  const perCaller = Math.floor(WARM_CALLS / callers);
  await Promise.all(Array.from({ length: callers }, () => e.invoke({ spec: s, payload: '{}' }))); // two warm instances
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = 0; i < perCaller; i++) await e.invoke({ spec: s, payload: '{}' });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const throughput = (perCaller * callers) / seconds;
  await e.dispose();

  const row = (name: string, value: string, ratio: string) => console.log(`  ${name.padEnd(34)}${value.padStart(14)}   ${ratio}`);
  console.log(`\n${label} (${((r) => (r.ok ? r.value.describe : runtime))(resolveRuntime(runtime))})`);
  row(`bare spawn (${bare[0].split('/').pop()} ${bare[1].join(' ')})`, `${bareMs.toFixed(1)} ms`, 'baseline');
  row('cold invoke', `${coldMs.toFixed(1)} ms`, `${(coldMs / bareMs).toFixed(2)} x bare spawn (target <= 1.20)`);
  row(`warm invoke p50 (${WARM_CALLS} calls)`, `${p50.toFixed(3)} ms`, `${(p50 / bareMs * 100).toFixed(2)} % of bare spawn (target p50 <= 1 ms)`);
  row('warm invoke p99', `${p99.toFixed(3)} ms`, `${(p99 / bareMs * 100).toFixed(2)} % of bare spawn`);
  row(`warm throughput (${callers} callers)`, `${throughput.toFixed(0)} /s`, `${(throughput / 1000).toFixed(2)} x target of 1,000/s`);
}

async function main(): Promise<void> {
  const fixtures = resolve(__dirname, 'fixtures');
  console.log(`invoke benchmark: ${COLD_RUNS} cold runs, ${WARM_CALLS} warm calls, Node ${process.version}, ${new Date().toISOString()}`);
  await benchRuntime('Node.js', 'Nodejs18.15', join(fixtures, 'node'), [process.execPath, ['-e', '0']]);
  const py = resolveRuntime('Python3.9');
  if (py.ok) await benchRuntime('Python', 'Python3.9', join(fixtures, 'python'), [py.value.command, ['-c', 'pass']]);
  else console.log(`\nPython: skipped (${py.error.message})`);
  const php = resolveRuntime('Php8.0');
  if (php.ok) await benchRuntime('PHP', 'Php8.0', join(fixtures, 'php'), [php.value.command, ['-r', '']]);
  else console.log(`\nPHP: skipped (${php.error.message})`);
  // Go: the tests' handler (the host speaks net/rpc + gob to it); the floor is a Go program that only prints.
  const goFixtures = resolve(__dirname, '..', 'test', 'fixtures', 'emulator');
  const bareGo = join(mkdtempSync(join(tmpdir(), 'scf-bench-go-')), 'noserve');
  const built = spawnSync('go', ['build', '-o', bareGo, '.'], { cwd: join(goFixtures, 'go-noserve'), env: { ...process.env, GO111MODULE: 'off', CGO_ENABLED: '0' } });
  if (built.status === 0) await benchRuntime('Go', 'Go1', join(goFixtures, 'go'), [bareGo, []], 'main');
  else console.log(`\nGo: skipped (${built.error ? 'go is not installed' : String(built.stderr).trim()})`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
