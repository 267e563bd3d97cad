import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadServerlessFile, type FunctionSpec } from '../../src/model';
import type { Emulator } from '../../src/emulator/emulator';
import type { InvocationType, InvokeResult, LogLine } from '../../src/emulator/types';

export const FIXTURES = resolve(__dirname, '../fixtures/emulator');

export interface FunctionOptions {
  codeDir: string;
  handler: string;
  runtime?: string;
  name?: string;
  memorySize?: number;
  timeout?: number;
  initTimeout?: number;
  variables?: Record<string, string>;
  /** Contents of a .env beside serverless.yml. */
  dotenv?: string;
  /** Where serverless.yml goes (default: a new temporary folder). */
  dir?: string;
  /** More lines under `inputs:`, indented by two spaces already. */
  extraInputs?: string[];
}

/** Writes a real serverless.yml for the scenario and reads it through the model, as the CLI does. */
export function functionSpec(o: FunctionOptions): FunctionSpec {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'scf-fn-'));
  const lines = [
    'component: scf',
    `name: ${o.name ?? 'test-fn'}`,
    'inputs:',
    `  src: ${JSON.stringify(o.codeDir)}`,
    `  handler: ${o.handler}`,
    `  runtime: ${o.runtime ?? 'Nodejs18.15'}`,
    `  memorySize: ${o.memorySize ?? 256}`,
    `  timeout: ${o.timeout ?? 30}`,
  ];
  if (o.name) lines.push(`  name: ${o.name}`);
  if (o.initTimeout !== undefined) lines.push(`  initTimeout: ${o.initTimeout}`);
  if (o.extraInputs) lines.push(...o.extraInputs);
  if (o.variables) {
    lines.push('  environment:', '    variables:');
    for (const [k, v] of Object.entries(o.variables)) lines.push(`      ${k}: ${JSON.stringify(v)}`);
  }
  writeFileSync(join(dir, 'serverless.yml'), `${lines.join('\n')}\n`);
  if (o.dotenv !== undefined) writeFileSync(join(dir, '.env'), o.dotenv);
  const loaded = loadServerlessFile(dir, { env: {} });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value.functions[0]!;
}

/** A private copy of a fixture folder, for tests that edit code. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `scf-code-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export async function invoke(
  emulator: Emulator,
  spec: FunctionSpec,
  event: unknown = {},
  invocationType: InvocationType = 'RequestResponse',
): Promise<{ result: InvokeResult; logs: LogLine[]; text: string }> {
  const logs: LogLine[] = [];
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const outcome = await emulator.invoke({ spec, payload, invocationType }, { onLog: (l) => logs.push(l) });
  if (!outcome.ok) throw new Error(`usage error: ${outcome.error.message}`);
  return { result: outcome.value, logs, text: logs.map((l) => l.text).join('\n') };
}

/**
 * For a handler that loads `helper` (a file of its code folder) from its second request on and returns
 * `{ calls, helper: <its value> }` (`{ calls }` before): three warm answers as the code is, then, once
 * `edit` has changed the helper's value to 22, a new instance (cold, calls from 1) that sees it. The
 * file loaded by a warm request is watched from that request's answer on.
 */
export async function assertLoadedLaterIsWatched(emulator: Emulator, spec: FunctionSpec, edit: () => void): Promise<void> {
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push((await invoke(emulator, spec, {})).result);
  assert.deepEqual(answers.map((r) => [r.statusCode, r.coldStart, r.result]), [
    [200, true, { calls: 1 }],
    [200, false, { calls: 2, helper: 1 }],
    [200, false, { calls: 3, helper: 1 }],
  ]);
  edit();
  const edited = (await invoke(emulator, spec, {})).result;
  assert.deepEqual([edited.statusCode, edited.coldStart, edited.result], [200, true, { calls: 1 }], 'a new instance');
  const later = (await invoke(emulator, spec, {})).result;
  assert.deepEqual([later.statusCode, later.coldStart, later.result], [200, false, { calls: 2, helper: 22 }]);
}

/** A value for a function's TEST_MARK variable: every process its instances start inherits it. */
export function testMark(): string {
  return randomUUID();
}

/**
 * Host pids of the processes whose environment holds TEST_MARK=mark: what is left of an instance,
 * whatever namespace it ran in and however its processes detached (unless one cleared its environment).
 */
export function processesMarked(mark: string): number[] {
  const needle = Buffer.from(`TEST_MARK=${mark}\0`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    const at = env.indexOf(needle);
    if (at === 0 || (at > 0 && env[at - 1] === 0)) {
      // A zombie has an empty environ; a process being reaped may still be listed: only count the living.
      try {
        if (!/^State:\s+Z/m.test(readFileSync(`/proc/${name}/status`, 'utf8'))) found.push(Number(name));
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until a condition holds (processes take a moment to be reaped after SIGKILL). */
export async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
