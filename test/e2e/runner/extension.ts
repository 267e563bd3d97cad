/**
 * The test-runner extension installed beside SCF Toolkit in code-server: on start-up it runs the
 * integration suite inside the extension host and writes the results to $SCF_E2E_RESULTS, which
 * test/e2e/run.mjs waits for. It does nothing when that variable is not set.
 */
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';

export async function activate(): Promise<void> {
  const out = process.env.SCF_E2E_RESULTS;
  // Once per server: a reload of the page (the harness checks what a new session remembers) runs nothing.
  if (!out || existsSync(out)) return;
  const suite = process.env.SCF_E2E_SUITE === 'untrusted' ? await import('../suite/untrusted') : await import('../suite/index');
  const log: string[] = [];
  let results;
  try {
    // Each line also goes to <results>.log as it happens, so a suite that hangs shows where.
    results = await suite.runSuite((line) => {
      log.push(line);
      appendFileSync(`${out}.log`, `${line}\n`);
    });
  } catch (e) {
    results = [{ name: 'suite', ok: false, ms: 0, error: String((e as Error)?.stack ?? e) }];
  }
  writeFileSync(`${out}.tmp`, JSON.stringify({ results, log }, null, 2));
  renameSync(`${out}.tmp`, out);
}

export function deactivate(): void {}
