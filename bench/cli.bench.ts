/**
 * npm run bench:cli — `scf-toolkit invoke` cold, as a whole process (what a user runs in a terminal or
 * a CI step: the CLI starts, reads serverless.yml, starts the runtime, runs one request, exits), for a
 * trivial Node.js handler and a trivial Python one. Peers in the same run, interleaved:
 *   - `node -e 0`, the floor of any Node.js program;
 *   - the lambda-local CLI (a devDependency of the bench) on the same handler: a tool that runs the
 *     handler inside its own process, with no isolation at all;
 *   - `python3 -c 0` on the interpreter the emulator runs Python3.9 on.
 * Twice: with the environment as it is (NODE_EXTRA_CA_CERTS, when set, makes every Node start load
 * the CA bundle) and clean (without it), so like is compared with like. The handler's runtime always
 * starts with SCF's clean environment, never with the CA bundle.
 * Targets (issue 13): Node.js <= 0.7x lambda-local and <= 2.5x `node -e 0`; Python <= 1.5x
 * (`python3 -c 0` + `node -e 0`).
 * Each case invokes the same project every round, as a user invoking their function again does: after
 * the warm-up rounds the CLI starts the runtime ahead of time from the record of the last round
 * (src/emulator/speculation.ts). One row turns that off (SCF_TOOLKIT_SPECULATE=0) to show what it gains.
 * It measures what ships: the production build (minified, no source maps: what the VSIX's
 * vscode:prepublish builds), made for this run into a folder of its own, not the dev build that
 * `npm run build` leaves in dist/ (unminified: 347 KB of JavaScript loaded per invoke instead of 192).
 * BENCH_CLI_ROOT=<folder with dist/ and schemas/> measures that build instead (a pair against another).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveRuntime } from '../src/emulator/runtimes';
import { cleanEnv, countWholeTrees, cpuAccounting, cpuMean, interleave, keep, machine, ms, ratio, ROOT, stats, table, timeProcess, type Case } from './lib';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

/** The build measured: the production one, made now beside a copy of schemas/ (as in the package), or BENCH_CLI_ROOT's. */
function measuredBuild(): { root: string; what: string } {
  if (process.env.BENCH_CLI_ROOT) return { root: resolve(process.env.BENCH_CLI_ROOT), what: `the build in ${resolve(process.env.BENCH_CLI_ROOT)} (BENCH_CLI_ROOT)` };
  // one folder per checkout, the same every run (the code cache and the spawn records are kept per dist folder)
  const root = join(tmpdir(), `scf-bench-cli-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 8)}`);
  rmSync(root, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--production'], { cwd: ROOT, env: { ...process.env, SCF_BUILD_OUT: join(root, 'dist') }, stdio: ['ignore', 'ignore', 'inherit'] });
  cpSync(join(ROOT, 'schemas'), join(root, 'schemas'), { recursive: true });
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  return { root, what: 'the production build (what the VSIX ships: minified), built for this run' };
}
const BUILD = measuredBuild();
const CLI = join(BUILD.root, 'dist', 'cli.js');
const LAMBDA_LOCAL = require.resolve('lambda-local/build/cli.js');

function project(runtime: string, file: string, code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-bench-cli-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', file), code);
  writeFileSync(join(dir, 'serverless.yml'), `component: scf\nname: bench\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: ${runtime}\n  memorySize: 128\n  timeout: 3\n`);
  writeFileSync(join(dir, 'event.json'), '{"n":1}');
  return dir;
}

async function main(): Promise<void> {
  countWholeTrees();
  console.log(`bench:cli — scf-toolkit invoke as a whole process, ${ROUNDS} interleaved rounds\n${machine()}\n${cpuAccounting()}\nMeasured: ${BUILD.what}\n`);
  const node = project('Nodejs18.15', 'index.js', 'exports.main_handler = async (event) => ({ ok: true, n: event.n });\n');
  const python = project('Python3.9', 'index.py', 'def main_handler(event, context):\n    return {"ok": True, "n": event.get("n")}\n');
  const py = resolveRuntime('Python3.9');
  const pythonExe = py.ok ? py.value.command : undefined;

  const envs: Array<[string, NodeJS.ProcessEnv]> = [['clean', cleanEnv()]];
  if (process.env.NODE_EXTRA_CA_CERTS) envs.unshift(['with CA', process.env]);
  const figures: Record<string, unknown> = {};
  for (const [label, env] of envs) {
    const cases: Case[] = [
      { name: 'node -e 0', run: () => timeProcess(process.execPath, ['-e', '0'], { env, cpu: `${label} node -e 0` }) },
      { name: 'lambda-local', run: () => timeProcess(process.execPath, [LAMBDA_LOCAL, '-l', join(node, 'src', 'index.js'), '-h', 'main_handler', '-e', join(node, 'event.json'), '-t', '3'], { env, cpu: `${label} lambda-local` }) },
      { name: 'scf-toolkit invoke (Node.js)', run: () => timeProcess(process.execPath, [CLI, 'invoke', node, '--event', join(node, 'event.json')], { env, cpu: `${label} scf-toolkit invoke (Node.js)` }) },
      // the same without the runtime started ahead (speculation.ts)
      { name: 'no start ahead', run: () => timeProcess(process.execPath, [CLI, 'invoke', node, '--event', join(node, 'event.json')], { env: { ...env, SCF_TOOLKIT_SPECULATE: '0' }, cpu: `${label} no start ahead` }) },
      // the same without the sandbox (sandbox.ts): no start ahead either (a start made ahead is only
      // ever one in the sandbox), so what containment costs is this row against the one above
      { name: 'no sandbox', run: () => timeProcess(process.execPath, [CLI, 'invoke', node, '--event', join(node, 'event.json')], { env: { ...env, SCF_TOOLKIT_CONTAINMENT: 'tree' }, cpu: `${label} no sandbox` }) },
    ];
    if (pythonExe) {
      cases.push(
        { name: `python -c 0`, run: () => timeProcess(pythonExe, ['-c', '0'], { env: cleanEnv(), cpu: `${label} python -c 0` }) },
        { name: 'scf-toolkit invoke (Python)', run: () => timeProcess(process.execPath, [CLI, 'invoke', python, '--event', join(python, 'event.json')], { env, cpu: `${label} scf-toolkit invoke (Python)` }) },
      );
    }
    const t = await interleave(cases, ROUNDS, 2);
    const s = Object.fromEntries([...t].map(([k, v]) => [k, stats(v)]));
    const nodeFloor = s['node -e 0']!.median;
    const ours = s['scf-toolkit invoke (Node.js)']!;
    const cpu = (name: string) => cpuMean(`${label} ${name}`, 2);
    const rows = [
      ['', 'wall: median (p25-p75)', 'CPU, all processes', 'ratio (of the wall medians)'],
      ['node -e 0', ms(s['node -e 0']!), cpu('node -e 0'), 'floor'],
      ['lambda-local CLI', ms(s['lambda-local']!), cpu('lambda-local'), 'peer'],
      ['scf-toolkit invoke, Node.js', ms(ours), cpu('scf-toolkit invoke (Node.js)'), `${ratio(ours.median, s['lambda-local']!.median, { max: 0.7 })} lambda-local; ${ratio(ours.median, nodeFloor, { max: 2.5 })} node -e 0`],
      ['  the same, SCF_TOOLKIT_SPECULATE=0 (no start ahead)', ms(s['no start ahead']!), cpu('no start ahead'), `${ratio(s['no start ahead']!.median, s['lambda-local']!.median)} lambda-local; ${ratio(s['no start ahead']!.median, nodeFloor)} node -e 0 (the start ahead gains ${(s['no start ahead']!.median - ours.median).toFixed(1)} ms)`],
      ['  the same, SCF_TOOLKIT_CONTAINMENT=tree', ms(s['no sandbox']!), cpu('no sandbox'), `${ratio(s['no sandbox']!.median, s['lambda-local']!.median)} lambda-local; ${ratio(s['no sandbox']!.median, nodeFloor)} node -e 0 (no start ahead either: the sandbox costs ${(s['no start ahead']!.median - s['no sandbox']!.median).toFixed(1)} ms against the row above)`],
    ];
    if (pythonExe) {
      const pyFloor = s['python -c 0']!.median;
      const oursPy = s['scf-toolkit invoke (Python)']!;
      rows.push(['python -c 0 (the one Python3.9 runs on)', ms(s['python -c 0']!), cpu('python -c 0'), 'floor']);
      rows.push(['scf-toolkit invoke, Python', ms(oursPy), cpu('scf-toolkit invoke (Python)'), `${ratio(oursPy.median, pyFloor + nodeFloor, { max: 1.5 })} (python -c 0 + node -e 0)`]);
    }
    console.log(`${label}${label === 'with CA' ? ' (the environment as it is)' : ' (NODE_EXTRA_CA_CERTS unset)'}`);
    table(rows);
    console.log('');
    figures[label] = s;
  }
  if (!pythonExe) console.log(`Python: skipped (${py.ok ? '' : py.error.message})`);
  keep('cli', figures);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
