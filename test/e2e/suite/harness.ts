/**
 * A small test runner for the integration suite: the suite runs inside a VS Code extension host
 * (code-server here, @vscode/test-electron where VS Code can be downloaded), where mocha is not
 * needed for a sequential list of scenarios.
 */
export interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

type TestFn = () => Promise<void> | void;
const SCENARIO_LIMIT_MS = 90_000;
const tests: { name: string; fn: TestFn }[] = [];

export function test(name: string, fn: TestFn): void {
  tests.push({ name, fn });
}

export async function runAll(log: (line: string) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const t of tests) {
    const start = Date.now();
    log(`...  ${t.name}`);
    try {
      // A scenario that hangs fails with its name instead of holding up the rest.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no end after ${SCENARIO_LIMIT_MS / 1000} s`)), SCENARIO_LIMIT_MS)));
      await Promise.race([Promise.resolve().then(t.fn), limit]).finally(() => clearTimeout(timer));
      results.push({ name: t.name, ok: true, ms: Date.now() - start });
      log(`ok   ${t.name} (${Date.now() - start} ms)`);
    } catch (e) {
      const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      results.push({ name: t.name, ok: false, ms: Date.now() - start, error });
      log(`FAIL ${t.name}\n${error}`);
    }
  }
  return results;
}

/** Resolves once `check()` holds, re-checking on each `onChange` and every 100 ms; rejects after `timeoutMs`. */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  onChange?: (listener: () => void) => { dispose(): void },
  timeoutMs = 10000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      sub?.dispose();
      if (err) reject(err);
      else resolve(value as T);
    };
    const attempt = async () => {
      try {
        const v = await check();
        if (v !== undefined && v !== false) finish(undefined, v);
      } catch (e) {
        finish(e as Error);
      }
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    const poll = setInterval(() => void attempt(), 100);
    const sub = onChange?.(() => void attempt());
    void attempt();
  });
}
