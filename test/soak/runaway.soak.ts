/**
 * Runaway handlers, for every runtime the emulator runs (Node.js, Python, Java, Custom Runtime, web,
 * PHP, Go; issue 16.2): an infinite loop, a memory bomb,
 * a fork bomb, a stdout flood (1 GB; --short: 16 MB), exit(3), self-SIGKILL and detached grandchildren,
 * each through one emulator host as the extension runs it. For each: the status code, the time from the
 * limit to the answer (goal: within 100 ms of timeout), the processes left once its instance ended
 * (goal: 0), and whether the same host answers the next request (goal: yes). Zero-goals missed are
 * failures; times are printed.
 *
 * npm run soak -- --only runaway [--short]; or standalone: node --import tsx test/soak/runaway.soak.ts [--short].
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmulatorClient } from '../../src/emulator/client';
import { resolveRuntime } from '../../src/emulator/runtimes';
import { sandboxPlan } from '../../src/emulator/sandbox';
import { procStatusKb } from '../../src/emulator/processTable';
import type { InvokeResult } from '../../src/emulator/types';
import { functionSpec, processesMarked, testMark } from '../emulator/helpers';
import { formatTable, type SoakReport } from './report';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(__dirname, 'fixtures/runaway');

type Scenario = 'loop' | 'memory' | 'forkBomb' | 'flood' | 'exit' | 'selfKill' | 'detached';
const SCENARIOS: Scenario[] = ['loop', 'memory', 'forkBomb', 'flood', 'exit', 'selfKill', 'detached'];

interface RuntimeCase {
  name: string;
  runtime: string;
  codeDir: string;
  handler: (fn: 'runaway' | 'hello') => string;
  web?: boolean;
}

function javaCodeDir(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v javac && command -v jar']).status !== 0) return undefined;
  const classes = mkdtempSync(join(tmpdir(), 'scf-soak-java-'));
  const code = mkdtempSync(join(tmpdir(), 'scf-soak-javacode-'));
  const src = join(FIXTURES, 'java/src');
  const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
  if (spawnSync('javac', ['-d', classes, ...files(src)]).status !== 0) return undefined;
  if (spawnSync('jar', ['cf', join(code, 'runaway.jar'), '-C', classes, '.']).status !== 0) return undefined;
  return code;
}

/** The Go program beside the test fixture's go.mod and vendored scf-go-lib (builds are offline). */
function goCodeDir(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v go']).status !== 0) return undefined;
  const code = mkdtempSync(join(tmpdir(), 'scf-soak-go-'));
  const lib = join(ROOT, 'test/fixtures/emulator/go');
  cpSync(join(lib, 'go.mod'), join(code, 'go.mod'));
  cpSync(join(lib, 'vendor'), join(code, 'vendor'), { recursive: true });
  cpSync(join(FIXTURES, 'go/main.go'), join(code, 'main.go'));
  return code;
}

function runtimeCases(): { cases: RuntimeCase[]; skipped: string[] } {
  const cases: RuntimeCase[] = [{ name: 'Node.js', runtime: 'Nodejs18.15', codeDir: join(FIXTURES, 'node'), handler: (fn) => `index.${fn}` }];
  const skipped: string[] = [];
  if (resolveRuntime('Python3.9').ok) cases.push({ name: 'Python', runtime: 'Python3.9', codeDir: join(FIXTURES, 'python'), handler: (fn) => `index.${fn}` });
  else skipped.push('Python: no python3 here');
  const java = javaCodeDir();
  if (java) cases.push({ name: 'Java', runtime: 'Java11', codeDir: java, handler: (fn) => `soak.Runaway::${fn}` });
  else skipped.push('Java: no JDK here');
  if (spawnSync('sh', ['-c', 'command -v curl']).status === 0) cases.push({ name: 'Custom Runtime', runtime: 'CustomRuntime', codeDir: join(FIXTURES, 'custom'), handler: () => 'index.main' });
  else skipped.push('Custom Runtime: no curl here');
  cases.push({ name: 'web', runtime: 'Nodejs18.15', codeDir: join(FIXTURES, 'web'), handler: () => 'x', web: true });
  if (resolveRuntime('Php8.0').ok) cases.push({ name: 'PHP', runtime: 'Php8.0', codeDir: join(FIXTURES, 'php'), handler: (fn) => `index.${fn}` });
  else skipped.push('PHP: no php here');
  const go = goCodeDir();
  if (go) cases.push({ name: 'Go', runtime: 'Go1', codeDir: go, handler: () => 'main' });
  else skipped.push('Go: no go here');
  return { cases, skipped };
}

function limitsFor(scenario: Scenario, short: boolean): { timeout: number; memorySize: number } {
  if (scenario === 'flood') return { timeout: 900, memorySize: 128 };
  if (scenario === 'memory') return { timeout: 60, memorySize: 128 };
  if (scenario === 'exit' || scenario === 'selfKill') return { timeout: 30, memorySize: 128 };
  return { timeout: short ? 1 : 2, memorySize: 256 };
}

function payload(c: RuntimeCase, scenario: Scenario | 'hello', mb: number): string {
  if (c.web) return JSON.stringify({ httpMethod: 'GET', path: scenario === 'flood' ? `/flood?mb=${mb}` : `/${scenario}` });
  return JSON.stringify(scenario === 'hello' ? {} : { scenario, mb });
}

async function invokeOnce(client: EmulatorClient, target: string, body: string, deadlineMs: number): Promise<InvokeResult | string> {
  const run = client.invoke({ target, payload: body }, () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), deadlineMs)));
  const first = await Promise.race([run.outcome, late]);
  clearTimeout(timer);
  if (first === 'late') {
    run.cancel();
    return `no answer within ${Math.round(deadlineMs / 1000)} s`;
  }
  return first.ok ? first.value : `error: ${first.error.message}`;
}

async function settle(mark: string, ms: number): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const left = processesMarked(mark).length;
    if (left === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `--scenario NAME[,NAME]` and `--runtime NAME[,NAME]` (e.g. `--runtime Python,Java --scenario forkBomb`) run a part only. */
function pick(flag: string): string[] | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1]?.split(',').map((s) => s.trim().toLowerCase()) : undefined;
}

export async function run(opts: { short: boolean }): Promise<SoakReport> {
  const rows: SoakReport['rows'] = [];
  const failures: string[] = [];
  const plan = sandboxPlan();
  const hostScript = join(ROOT, 'dist/host.js');
  if (!existsSync(hostScript)) return { section: 'Runaway handlers', rows, failures: [`${hostScript} is missing: npm run build first`] };
  const floodMb = opts.short ? 16 : 1024;
  const { cases: all, skipped } = runtimeCases();
  const onlyRuntimes = pick('--runtime');
  const onlyScenarios = pick('--scenario');
  const cases = all.filter((c) => !onlyRuntimes || onlyRuntimes.includes(c.name.toLowerCase()));
  const scenarios = SCENARIOS.filter((s) => !onlyScenarios || onlyScenarios.includes(s.toLowerCase()));
  for (const c of cases) {
    const client = new EmulatorClient({ hostScript, execPath: process.env.SOAK_HOST_EXEC });
    const dir = mkdtempSync(join(tmpdir(), 'scf-soak-'));
    const spec = (fn: 'runaway' | 'hello', mark: string, limits: { timeout: number; memorySize: number }, name: string) =>
      functionSpec({
        codeDir: c.codeDir,
        handler: c.handler(fn),
        runtime: c.runtime,
        name,
        dir: mkdtempSync(join(dir, `${name}-`)),
        ...limits,
        variables: { TEST_MARK: mark },
        extraInputs: c.web ? ['  type: web'] : undefined,
      });
    const hello = spec('hello', testMark(), { timeout: 30, memorySize: 128 }, 'hello');
    const warmup = await invokeOnce(client, hello.file, payload(c, 'hello', 0), 120_000);
    const hostPid = client.hostPid();
    const warmRows: Array<{ row: Record<string, string | number>; mark: string }> = [];
    for (const scenario of scenarios) {
      const label = `${c.name} ${scenario}`;
      if (scenario === 'forkBomb' && plan.tasksLimit === 'none') {
        rows.push({ runtime: c.name, scenario, status: 'skipped', 'duration ms': '-', 'over limit ms': '-', 'max MB': '-', left: '-', next: '-', host: `no per-instance process limit here (${plan.containment})` });
        continue;
      }
      const mark = testMark();
      const limits = limitsFor(scenario, opts.short);
      const s = spec('runaway', mark, limits, scenario);
      const result = await invokeOnce(client, s.file, payload(c, scenario, floodMb), limits.timeout * 1000 + 120_000);
      const answered = typeof result !== 'string';
      const status = answered ? result.statusCode : result;
      const recycled = answered && result.statusCode !== 200;
      const left = recycled ? await settle(mark, 3000) : '(warm)';
      const next = await invokeOnce(client, hello.file, payload(c, 'hello', 0), 60_000);
      const nextStatus = typeof next === 'string' ? next : next.statusCode;
      const samePid = client.hostPid() === hostPid;
      const row: Record<string, string | number> = {
        runtime: c.name,
        scenario,
        status,
        'duration ms': answered ? Math.round(result.durationMs) : '-',
        'over limit ms': answered && result.statusCode === 433 ? Math.round(result.durationMs - limits.timeout * 1000) : '-',
        'max MB': answered ? result.maxMemoryUsedMB : '-',
        left,
        next: nextStatus,
        host: samePid ? 'same' : 'restarted',
      };
      if (scenario === 'flood' && hostPid !== undefined) row.host = `${row.host}, peak ${Math.round(procStatusKb(hostPid, 'VmHWM') / 1024)} MB`;
      rows.push(row);
      if (!answered) failures.push(`${label}: ${result}`);
      if (typeof left === 'number' && left > 0) failures.push(`${label}: ${left} process(es) left after the instance ended`);
      if (nextStatus !== 200) failures.push(`${label}: the next request got ${nextStatus}`);
      if (!samePid) failures.push(`${label}: the emulator host did not survive`);
      if (!recycled) warmRows.push({ row, mark });
    }
    await client.dispose();
    for (const { row, mark } of warmRows) {
      const left = await settle(mark, 3000);
      row.left = `${left} after the host ended`;
      if (left > 0) failures.push(`${c.name} ${row.scenario}: ${left} process(es) left after the host ended`);
    }
    if (typeof warmup === 'string' || warmup.statusCode !== 200) failures.push(`${c.name}: the first request failed: ${typeof warmup === 'string' ? warmup : warmup.errorMessage}`);
  }
  for (const s of skipped) rows.push({ runtime: s.split(':')[0]!, scenario: '(all)', status: 'skipped', 'duration ms': '-', 'over limit ms': '-', 'max MB': '-', left: '-', next: '-', host: s });
  return { section: `Runaway handlers (${plan.summary})`, rows, failures };
}

if (require.main === module) {
  const short = process.argv.includes('--short');
  void run({ short }).then((report) => {
    console.log(formatTable(report));
    process.exitCode = report.failures.length ? 1 : 0;
  });
}
