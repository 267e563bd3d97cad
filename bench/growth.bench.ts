/**
 * npm run bench:growth — how the cost of the API/host path grows with what a project holds (issue 13):
 *   - a handler folder with a large node_modules (5,000 files): cold start and warm p50, against the
 *     same handler in an empty folder;
 *   - a handler that loaded 400 modules of its own (the files its instance watches): the host's CPU
 *     per warm invoke at 4 callers (/proc utime+stime), against the same handler loading none;
 *   - events of 1 KB, 1 MB and 5 MB: warm p50, against JSON.stringify + JSON.parse of the same event
 *     in this process (the least any path that sends it must do), so the ratio says whether the
 *     per-byte cost stays proportional;
 *   - 50 functions in one workspace (50 serverless.yml folders): warm p50 of invoking each in turn
 *     with 50 warm instances, against one function invoked again and again; the host's memory;
 *   - 1, 4 and 16 concurrent callers on this machine's cores, in rounds taking turns: invokes per
 *     second and p50, and the time per invoke at 16 against 4 (BENCH_ONLY=concurrency runs that alone).
 * Each comparison's two sides run in alternating blocks in the same run.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeFolder } from './package.bench';
import { keep, machine, percentile, ROOT, table } from './lib';
import type { CreateEmulator, Emulator } from '../src/api/types';

const N = Number(process.env.BENCH_BLOCK ?? 100);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 4);
/** BENCH_ONLY=concurrency (or nodeModules, loaded, events, fifty; comma-separated): run those sections only. */
const ONLY = process.env.BENCH_ONLY?.split(',');
const runs = (section: string) => !ONLY || ONLY.includes(section);
const HANDLER = 'exports.main_handler = async (event) => ({ ok: true, size: JSON.stringify(event).length });\n';

function project(dir: string, name = 'growth', memorySize = 128): string {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'index.js'), HANDLER);
  writeFileSync(join(dir, 'serverless.yml'), `component: scf\nname: ${name}\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: ${memorySize}\n  timeout: 10\n`);
  return dir;
}

async function one(scf: Emulator, target: string, event: unknown): Promise<number> {
  const t0 = performance.now();
  const r = await scf.invoke(target, event);
  if (!r.ok || r.value.statusCode !== 200) throw new Error(`invoke failed: ${JSON.stringify(r.ok ? r.value.errorMessage : r.error)}`);
  return performance.now() - t0;
}

async function p50s(blocks: Array<() => Promise<number>>, rounds = BLOCKS, n = N): Promise<number[]> {
  const times = blocks.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) for (const [i, b] of blocks.entries()) for (let k = 0; k < n; k++) times[i]!.push(await b());
  return times.map((t) => percentile(t, 50));
}

const f = (x: number, d = 2) => `${x.toFixed(d)} ms`;
const rss = (pid: number | undefined) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return NaN;
  }
};
/** utime + stime of the process, in clock ticks (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;
const cpuTicks = (pid: number | undefined): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
};
const hostPid = (): number | undefined => {
  try {
    const kids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    return kids.find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('host'));
  } catch {
    return undefined;
  }
};

async function main(): Promise<void> {
  console.log(`bench:growth — the API/host path as the project grows; blocks of ${N}, ${BLOCKS} rounds\n${machine()}\n`);
  const { createEmulator } = require(join(ROOT, 'dist', 'api.js')) as { createEmulator: CreateEmulator };
  const figures: Record<string, unknown> = {};

  // 1. a large node_modules
  if (runs('nodeModules')) {
    const big = project(codeFolder(5000, 0));
    const small = project(mkdtempSync(join(tmpdir(), 'scf-bench-growth-')));
    const cold: Record<string, number[]> = { big: [], small: [] };
    for (let r = 0; r < 3; r++) {
      for (const [k, dir] of [['big', big], ['small', small]] as const) {
        const scf = await createEmulator();
        cold[k]!.push(await one(scf, dir, { n: 1 }));
        await scf.close();
      }
    }
    const scf = await createEmulator();
    const [wb, ws] = await p50s([() => one(scf, big, { n: 1 }), () => one(scf, small, { n: 1 })]);
    await scf.close();
    const cb = percentile(cold.big!, 50);
    const cs = percentile(cold.small!, 50);
    console.log('A handler folder with 5,000 files of node_modules');
    table([
      ['', '5,000 files', 'empty folder', 'ratio'],
      ['cold start (new host), median of 3', f(cb, 1), f(cs, 1), `${(cb / cs).toFixed(2)}x`],
      ['warm p50', f(wb!, 3), f(ws!, 3), `${(wb! / ws!).toFixed(2)}x`],
    ]);
    figures.nodeModules = { coldBig: cb, coldSmall: cs, warmBig: wb, warmSmall: ws };
  }

  // 1b. a handler that loaded 400 modules: what the host spends per warm invoke (its check of the
  // instance's files), by /proc, in alternating blocks of 4 callers against the handler loading none
  if (runs('loaded')) {
    const withModules = (count: number): string => {
      const dir = project(mkdtempSync(join(tmpdir(), 'scf-bench-growth-')), `growth-loaded-${count}`);
      mkdirSync(join(dir, 'src', 'lib'));
      for (let i = 0; i < count; i++) writeFileSync(join(dir, 'src', 'lib', `m${i}.js`), `module.exports = ${i};\n`);
      writeFileSync(join(dir, 'src', 'index.js'), `for (let i = 0; i < ${count}; i++) require('./lib/m' + i + '.js');\n${HANDLER}`);
      return dir;
    };
    const dirs = { many: withModules(400), none: withModules(0) };
    const scf = await createEmulator();
    const block = async (dir: string, n: number) => {
      await Promise.all(Array.from({ length: 4 }, async () => { for (let k = 0; k < n / 4; k++) await one(scf, dir, { n: k }); }));
    };
    for (const dir of Object.values(dirs)) await block(dir, 40); // 4 warm instances each
    const host = hostPid();
    const per = Math.max(N * 10, 400);
    const ticks = { many: 0, none: 0 };
    for (let r = 0; r < BLOCKS; r++) {
      // (in turn first: the first block after a switch paid more here, whichever it was)
      for (const k of r % 2 === 0 ? (['many', 'none'] as const) : (['none', 'many'] as const)) {
        const t0 = cpuTicks(host);
        await block(dirs[k], per);
        ticks[k] += cpuTicks(host) - t0;
      }
    }
    await scf.close();
    const us = (t: number) => (t * 1e6) / CLOCK_TICKS / (per * BLOCKS);
    console.log('\nA handler that loaded 400 modules of its own (4 callers, the host\'s CPU by /proc)');
    table([
      ['', '400 modules', 'none', 'ratio'],
      [`host CPU per warm invoke, ${BLOCKS} blocks of ${per}`, `${us(ticks.many).toFixed(1)} µs`, `${us(ticks.none).toFixed(1)} µs`, `${(ticks.many / ticks.none).toFixed(2)}x`],
    ]);
    figures.loaded = { manyUs: us(ticks.many), noneUs: us(ticks.none) };
  }

  // 2. large events
  if (runs('events')) {
    // a 5 MB string event is ~30 MB in the handler's process (parsed, and the handler's own JSON)
    const dir = project(mkdtempSync(join(tmpdir(), 'scf-bench-growth-')), 'growth', 512);
    const event = (bytes: number) => ({ data: 'x'.repeat(bytes) });
    const scf = await createEmulator();
    const rows = [['event', 'warm p50 through the host', 'JSON round trip in-process', 'ratio']];
    const out: Record<string, unknown> = {};
    for (const [label, bytes, n] of [['1 KB', 1024, N], ['1 MB', 1 << 20, 20], ['5 MB', 5 << 20, 6]] as const) {
      const e = event(bytes);
      const floor = () => {
        const t0 = performance.now();
        JSON.parse(JSON.stringify(e));
        return Promise.resolve(performance.now() - t0);
      };
      const [ours, json] = await p50s([() => one(scf, dir, e), floor], BLOCKS, n);
      rows.push([label, f(ours!), f(json!, 3), `${(ours! / json!).toFixed(1)}x`]);
      out[label] = { ours, json };
    }
    await scf.close();
    console.log('\nLarge events (SCF takes up to 6 MB synchronously)');
    table(rows);
    figures.events = out;
  }

  // 3. 50 functions in one workspace
  if (runs('fifty')) {
    const ws = mkdtempSync(join(tmpdir(), 'scf-bench-growth-ws-'));
    const dirs = Array.from({ length: 50 }, (_, i) => project(join(ws, `fn-${i}`), `fn-${i}`));
    const scf = await createEmulator();
    for (const d of dirs) await one(scf, d, { n: 1 }); // 50 warm instances
    const host = hostPid();
    const hostMb = rss(host);
    let i = 0;
    const [each, same] = await p50s([() => one(scf, dirs[i++ % 50]!, { n: 1 }), () => one(scf, dirs[0]!, { n: 1 })]);
    await scf.close();
    console.log('\n50 functions in one workspace (50 serverless.yml, 50 warm instances in one host)');
    table([
      ['', 'the 50 in turn', 'one function', 'ratio'],
      ['warm p50', f(each!, 3), f(same!, 3), `${(each! / same!).toFixed(2)}x`],
      ['host RSS with 50 warm instances', `${hostMb.toFixed(0)} MB`, '', ''],
    ]);
    figures.fifty = { each, same, hostMb };
  }

  // 4. concurrency: rounds of 1, 4 and 16 callers, taking turns (the machine's noise hits each alike)
  if (runs('concurrency')) {
    // Past 10 callers, two functions share them: the host runs at most 10 instances of a function
    // (maxInstancesPerFunction; SCF answers 432 past its concurrency quota, and so do we).
    const dirs = [project(mkdtempSync(join(tmpdir(), 'scf-bench-growth-')), 'growth-a'), project(mkdtempSync(join(tmpdir(), 'scf-bench-growth-')), 'growth-b')];
    const target = (callers: number, c: number) => dirs[callers > 10 ? c % 2 : 0]!;
    const scf = await createEmulator();
    const counts = [1, 4, 16];
    const rates: Record<number, number[]> = { 1: [], 4: [], 16: [] };
    const lats: Record<number, number[]> = { 1: [], 4: [], 16: [] };
    await Promise.all(Array.from({ length: 16 }, (_, c) => one(scf, target(16, c), {}))); // 16 warm instances
    await Promise.all(Array.from({ length: 4 }, (_, c) => one(scf, target(4, c), {})));
    for (let r = 0; r < BLOCKS; r++) {
      for (const callers of counts) {
        const total = Math.max(N * 2, callers * 20);
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: callers }, async (_, c) => {
            for (let k = 0; k < total / callers; k++) lats[callers]!.push(await one(scf, target(callers, c), { n: k }));
          }),
        );
        rates[callers]!.push(total / ((performance.now() - t0) / 1000));
      }
    }
    await scf.close();
    const rows = [['callers', 'invokes/s (median of rounds)', 'p50', 'per caller', 'time per invoke vs 4 callers']];
    const out: Record<string, unknown> = {};
    const at4 = percentile(rates[4]!, 50);
    for (const callers of counts) {
      const perSecond = percentile(rates[callers]!, 50);
      // On a saturated machine the time per invoke is what each costs: growing "no faster than the work" means this stays near 1.
      rows.push([String(callers), perSecond.toFixed(0), f(percentile(lats[callers]!, 50)), `${(perSecond / callers).toFixed(0)}/s`, callers === 1 ? '' : `${(at4 / perSecond).toFixed(2)}x`]);
      out[callers] = { perSecond, p50: percentile(lats[callers]!, 50), rounds: rates[callers] };
    }
    console.log(`\nConcurrent callers on ${cpus().length} cores (one instance per caller), ${BLOCKS} rounds taking turns`);
    table(rows);
    figures.concurrency = out;
  }
  keep('growth', figures);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
