/**
 * `npm run soak [-- --short] [-- --only NAME]`: the reliability suite (issue 16.2). Runs every
 * `test/soak/<name>.soak.ts` (each exports `run({ short })` returning a SoakReport) one after another,
 * prints each section's figures as a table, and exits 1 when any section missed a zero-goal.
 * `--short` (what .ci/run runs) takes a couple of minutes; the full run takes longer (see docs/reliability.md).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable, type SoakReport, type SoakSection } from './report';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const short = args.includes('--short');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const names = readdirSync(__dirname)
    .filter((f) => f.endsWith('.soak.ts'))
    .map((f) => f.replace(/\.soak\.ts$/, ''))
    .filter((n) => !only || n === only)
    .sort();
  let failed = 0;
  console.log(`SCF Toolkit soak suite (${short ? 'short' : 'full'}): ${names.join(', ')}\n`);
  for (const name of names) {
    const started = Date.now();
    let report: SoakReport;
    try {
      const mod = (await import(join(__dirname, `${name}.soak.ts`))) as { run: SoakSection };
      report = await mod.run({ short });
    } catch (e) {
      report = { section: name, rows: [], failures: [`the section itself crashed: ${(e as Error)?.stack ?? String(e)}`] };
    }
    console.log(formatTable(report));
    console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    if (report.failures.length) failed++;
  }
  console.log(failed ? `${failed} section${failed === 1 ? '' : 's'} missed a zero-goal` : 'every section met its zero-goals');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
