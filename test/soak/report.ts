/**
 * What each soak section returns, and how the driver prints it. Figures go in rows (one table per
 * section); `failures` lists each zero-goal missed (a crash, a hang, a lost event, a server down): any
 * failure makes `npm run soak` exit non-zero. Timing goals are printed, never asserted.
 */
export interface SoakReport {
  section: string;
  rows: Array<Record<string, string | number>>;
  failures: string[];
}

export type SoakSection = (opts: { short: boolean }) => Promise<SoakReport>;

/** A report as a plain-text table (columns in the order the first row names them). */
export function formatTable(report: SoakReport): string {
  const columns: string[] = [];
  for (const row of report.rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const cells = report.rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [`## ${report.section}`, '', line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
  out.push('', report.failures.length ? `FAILED (${report.failures.length}):\n${report.failures.map((f) => `  - ${f}`).join('\n')}` : 'zero-goals met');
  return out.join('\n');
}

/** Peak resident memory (VmHWM, MB) of a live process on Linux; undefined elsewhere or once it is gone. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
