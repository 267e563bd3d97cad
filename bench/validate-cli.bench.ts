/**
 * npm run bench:validate-cli — `scf-toolkit validate --json` on a 5,000-line serverless.yml as a whole
 * process (a CI step, a pre-commit hook), against `node -e 0` in the same run, interleaved, with the
 * environment as it is and without NODE_EXTRA_CA_CERTS. Target (issue 13): <= 3x `node -e 0`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, countWholeTrees, cpuAccounting, cpuMean, interleave, keep, machine, ms, ratio, ROOT, stats, table, timeProcess } from './lib';
import { generate } from './validate.files';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CLI = join(ROOT, 'dist', 'cli.js');

async function main(): Promise<void> {
  countWholeTrees();
  console.log(`bench:validate-cli — scf-toolkit validate --json on 5,000 lines, ${ROUNDS} interleaved rounds\n${machine()}\n${cpuAccounting()}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'scf-bench-validate-cli-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.js'), 'exports.main_handler = async () => 1;\n');
  const { text } = generate(5000);
  writeFileSync(join(dir, 'serverless.yml'), text);
  const figures: Record<string, unknown> = {};
  const envs: Array<[string, NodeJS.ProcessEnv]> = [['clean', cleanEnv()]];
  if (process.env.NODE_EXTRA_CA_CERTS) envs.unshift(['with CA', process.env]);
  for (const [label, env] of envs) {
    // exit code 1: the generated file has a deliberate schema error (so the check does real work)
    const t = await interleave(
      [
        { name: 'node -e 0', run: () => timeProcess(process.execPath, ['-e', '0'], { env, cpu: `${label} node` }) },
        { name: 'validate', run: () => timeProcess(process.execPath, [CLI, 'validate', '--json', dir], { env, cpu: `${label} validate`, exitCode: 1 }) },
      ],
      ROUNDS,
      2,
    );
    const node = stats(t.get('node -e 0')!);
    const ours = stats(t.get('validate')!);
    console.log(label);
    table([
      ['', 'wall: median (p25-p75)', 'CPU', 'ratio'],
      ['node -e 0', ms(node), cpuMean(`${label} node`, 2), 'floor'],
      ['scf-toolkit validate --json (5,000 lines)', ms(ours), cpuMean(`${label} validate`, 2), ratio(ours.median, node.median, { max: 3 })],
    ]);
    console.log('');
    figures[label] = { node, validate: ours };
  }
  keep('validate-cli', figures);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
