/**
 * npm run bench:package — packaging a function's code folder of 5,000 small files and one 20 MB file
 * (the shape of a node_modules with one large binary) as a whole process, against `zip -r` on the
 * same folder in the same run, interleaved. Each side runs under /usr/bin/time, which gives its peak
 * resident memory (the largest of its processes).
 *   - scf-toolkit: the deploy's packaging (src/deploy/package.ts: collect, .scfignore, entry check,
 *     the deterministic zip), bundled for the bench and run by `node` with the clean environment;
 *   - `node -e 0` under /usr/bin/time: a Node process's own peak memory, for reference;
 *   - `scf-toolkit deploy` of the same folder to a local endpoint started for it (package, upload,
 *     unpack, stored): its peak memory and time, against `unzip -q` of the package (its unpacking floor).
 * Targets (issue 13): time <= 1.5x `zip -r`; peak memory <= package size + 64 MB.
 * Options: BENCH_ROUNDS (5), BENCH_FILES (5000), BENCH_BIG_MB (20), BENCH_BIG_RANDOM (0.5: the share of
 * the large file that is random; 0 makes it all text, where no piece is stored), BENCH_DEPLOYS (3, at
 * most BENCH_ROUNDS; 0 skips the deploys).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cleanEnv, interleave, keep, machine, ms, ratio, ROOT, stats, table } from './lib';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SMALL = Number(process.env.BENCH_FILES ?? 5000);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 20);
/** The share of the large file that is random (incompressible, like compressed media or archives); the rest is text. */
const BIG_RANDOM = Number(process.env.BENCH_BIG_RANDOM ?? 0.5);
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 3);

/** A code folder: index.js, SMALL small modules in nested folders, one BIG_MB file: BIG_RANDOM of it random, the rest text. */
export function codeFolder(small = SMALL, bigMb = BIG_MB, bigRandom = BIG_RANDOM): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-bench-package-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'index.js'), 'exports.main_handler = async () => ({ ok: true });\n');
  for (let i = 0; i < small; i++) {
    const folder = join(src, 'node_modules', `pkg-${i % 250}`, 'lib');
    if (i < 250) mkdirSync(folder, { recursive: true });
    const body = `'use strict';\n// module ${i}\nmodule.exports = function f${i}(a, b) {\n  return { id: ${i}, sum: a + b, name: 'pkg-${i % 250}-${i}' };\n};\n`.repeat(1 + (i % 12));
    writeFileSync(join(folder, `m${i}.js`), body);
  }
  if (bigMb > 0) {
    const big = Buffer.alloc(bigMb * 1024 * 1024);
    let x = 2463534242;
    const random = Math.floor((big.length * bigRandom) / 4) * 4;
    for (let i = 0; i < random; i += 4) {
      // xorshift: incompressible like a binary's code
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      big.writeUInt32LE(x >>> 0, i);
    }
    big.fill('the text part of a large file compresses well; ', random);
    writeFileSync(join(src, 'node_modules', 'big.bin'), big);
  }
  writeFileSync(join(dir, 'serverless.yml'), 'component: scf\nname: pkg\ninputs:\n  name: pkg\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs18.15\n');
  return dir;
}

/** Wall time (ms, measured here) and peak RSS (KB, from /usr/bin/time) of a whole process. */
function timed(command: string, args: string[], cwd: string, peaks: number[], env = cleanEnv()): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'peak %M', command, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`));
      peaks.push(Number(/peak (\d+)/.exec(err)?.[1] ?? NaN));
      resolve(wall);
    });
  });
}

async function main(): Promise<void> {
  console.log(`bench:package — ${SMALL} small files and a ${BIG_MB} MB file (${Math.round(BIG_RANDOM * 100)}% of it random), ${ROUNDS} interleaved rounds\n${machine()}\n`);
  const dir = codeFolder();
  const work = mkdtempSync(join(tmpdir(), 'scf-bench-package-run-'));
  // The deploy's packaging as a program of its own: package the folder into a zip file (the same work
  // as zip -r), print nothing.
  const entry = join(work, 'package-entry.ts');
  writeFileSync(
    entry,
    `import { packageFunction } from ${JSON.stringify(join(ROOT, 'src', 'deploy', 'package'))};\n` +
      `packageFunction({ codeDir: process.argv[2], handler: 'index.main_handler', runtime: 'Nodejs18.15', file: process.argv[2] + '/../serverless.yml' }, { outFile: process.argv[3] })\n` +
      `  .then((r) => { if (!r.ok) { console.error(r.error.message); process.exit(1); } });\n`,
  );
  const bundle = join(work, 'package.js');
  await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  const peaks = { zip: [] as number[], ours: [] as number[], node: [] as number[], deploy: [] as number[] };
  const oursZip = join(work, 'ours.zip');
  const theirZip = join(work, 'zip-r.zip');
  const t = await interleave(
    [
      {
        name: 'zip -r',
        run: () => {
          rmSync(theirZip, { force: true });
          return timed('zip', ['-q', '-r', '-X', theirZip, '.'], join(dir, 'src'), peaks.zip);
        },
      },
      { name: 'scf-toolkit', run: () => timed(process.execPath, [bundle, join(dir, 'src'), oursZip], dir, peaks.ours) },
      { name: 'node -e 0', run: () => timed(process.execPath, ['-e', '0'], dir, peaks.node) },
    ],
    ROUNDS,
    1,
  );
  const size = statSync(oursZip).size;
  // A local deploy of the same folder (a fresh state folder each time: the package is new to it),
  // alternating with `unzip -q` of the package into a fresh folder: the floor of the endpoint's
  // unpacking (creating 5,000 files), which is most of a deploy's time.
  const d: number[] = [];
  const unzipT: number[] = [];
  const unzipPeaks: number[] = [];
  for (let i = 0; i < Math.min(ROUNDS, DEPLOYS); i++) {
    const state = join(work, `state-${i}`);
    d.push(await timed(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'deploy', dir, '--state', state], dir, peaks.deploy));
    rmSync(state, { recursive: true, force: true });
    const out = join(work, `unzip-${i}`);
    mkdirSync(out);
    unzipT.push(await timed('unzip', ['-q', oursZip, '-d', out], dir, unzipPeaks));
    rmSync(out, { recursive: true, force: true });
  }
  const zipR = stats(t.get('zip -r')!);
  const ours = stats(t.get('scf-toolkit')!);
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const peak = (xs: number[]) => stats(xs).median;
  const allowed = size / 1024 + 64 * 1024;
  table([
    ['', 'wall: median (p25-p75)', 'peak RSS (median)', 'ratio'],
    ['zip -r -X', ms(zipR, 0), mb(peak(peaks.zip)), 'peer'],
    ['scf-toolkit packaging', ms(ours, 0), mb(peak(peaks.ours)), `time ${ratio(ours.median, zipR.median, { max: 1.5 })}; memory ${ratio(peak(peaks.ours), allowed, { max: 1 })} of package + 64 MB (${mb(allowed)})`],
    ['node -e 0', ms(stats(t.get('node -e 0')!), 0), mb(peak(peaks.node)), 'a Node process alone'],
    ...(d.length
      ? [
          ['scf-toolkit deploy (local endpoint)', ms(stats(d), 0), mb(peak(peaks.deploy)), `time ${ratio(stats(d).median, stats(unzipT).median)} unzip -q; memory ${ratio(peak(peaks.deploy), allowed)} of package + 64 MB`],
          ['unzip -q of the package', ms(stats(unzipT), 0), mb(peak(unzipPeaks)), 'the unpacking floor'],
        ]
      : []),
  ]);
  console.log(`package ${(size / 1048576).toFixed(1)} MB (zip -r: ${(statSync(theirZip).size / 1048576).toFixed(1)} MB)`);
  keep('package', { zipR, ours, size, zipRSize: statSync(theirZip).size, peaks, deploy: d.length ? stats(d) : undefined, unzip: d.length ? stats(unzipT) : undefined });
  rmSync(work, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
