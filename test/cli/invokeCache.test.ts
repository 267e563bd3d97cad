/**
 * The resolved invoke kept between cold invokes (src/cli/invokeCache.ts), through the real CLI: the
 * first `scf-toolkit invoke` of a target records the function it computed from serverless.yml with
 * every input it read; the next one reuses it only when each of those inputs is the same, so its
 * answer is the one a run that reads serverless.yml gives. SCF_TOOLKIT_INVOKE_CACHE=verbose makes the
 * CLI say on stderr whether it reused the record, and if not, which input changed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { recordingInputs } from '../../src/cli/invokeCache';
import { project, rewriteKeepingStamp } from './projects';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const skip = existsSync(CLI) ? false : 'dist/ is not built (npm run build)';

interface Run {
  status: number | null;
  result: unknown;
  resolved: string;
  warnings: string[];
  stderr: string;
}

function invoke(dir: string, cache: string, extraEnv: Record<string, string> = {}, args: string[] = []): Run {
  const r = spawnSync(process.execPath, [CLI, 'invoke', dir, '--event-json', '{"n":1}', '--json', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, SCF_TOOLKIT_INVOKE_CACHE: 'verbose', ...extraEnv },
    timeout: 60_000,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return {
    status: r.status,
    result: last.startsWith('{') ? (JSON.parse(last) as { result: unknown }).result : undefined,
    resolved: /resolved invoke: (.*)/.exec(r.stderr)?.[1] ?? '',
    warnings: r.stderr.split('\n').filter((l) => l.startsWith('warning: ')),
    stderr: r.stderr,
  };
}


const HANDLER = `exports.main = async (event, context) => ({ n: event.n, a: process.env.A, b: process.env.B, secret: process.env.SECRET || null, memory: context.memory_limit_in_mb, fn: context.function_name });\n`;
const yml = (memory: number, a: string) =>
  `component: scf\nname: resolved\ninputs:\n  src: ./src\n  handler: index.main\n  runtime: Nodejs18.15\n  memorySize: ${memory}\n  environment:\n    variables:\n      A: ${a}\n      B: \${env:RESOLVED_B}\n      C: \${output:other.x}\n`;


test('a reused resolved invoke answers as reading serverless.yml does, warnings included; the record is the user\'s only (0600 in a 0700 folder)', { skip }, () => {
  const { dir, cache } = project({ 'serverless.yml': yml(128, 'one'), 'src/index.js': HANDLER, '.env': 'SECRET=s3cret\n' }, 'scf-resolved-');
  const env = { RESOLVED_B: 'bee' };
  const first = invoke(dir, cache, env);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.resolved, /^computed \(no record/);
  const records = join(cache, 'scf-toolkit', 'invoke');
  const [record] = readdirSync(records);
  assert.ok(record, 'the first cold invoke wrote a record');
  assert.equal(statSync(records).mode & 0o777, 0o700);
  assert.equal(statSync(join(records, record)).mode & 0o777, 0o600);

  const second = invoke(dir, cache, env);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.resolved, 'reused (the same inputs)');
  const normal = invoke(dir, cache, { ...env, SCF_TOOLKIT_INVOKE_CACHE: '0' });
  assert.equal(normal.status, 0, normal.stderr);
  assert.equal(normal.resolved, '', 'SCF_TOOLKIT_INVOKE_CACHE=0: nothing read');
  assert.deepEqual(second.result, normal.result);
  assert.deepEqual(second.result, { n: 1, a: 'one', b: 'bee', secret: 's3cret', memory: 128, fn: 'resolved-dev-resolved' });
  // the model's warning (an output reference it cannot resolve locally) is printed on every run
  assert.equal(first.warnings.length, 1, first.stderr);
  assert.match(first.warnings[0]!, /serverless\.yml:12: \$\{output:other\.x\} cannot be resolved locally/);
  assert.deepEqual(second.warnings, first.warnings);
  assert.deepEqual(normal.warnings, first.warnings);
  // other events and output forms use the same record
  const other = spawnSync(process.execPath, [CLI, 'invoke', dir, '--event-json', '{"n":2}'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, SCF_TOOLKIT_INVOKE_CACHE: 'verbose', ...env } });
  assert.equal(other.status, 0, other.stderr);
  assert.match(other.stderr, /resolved invoke: reused/);
  assert.match(other.stdout, /"n": 2/);
});

test('each input is compared as it was read: serverless.yml edited keeping its stamp, a .env added or changed, a variable, another --stage', { skip }, () => {
  const { dir, cache } = project({ 'serverless.yml': yml(128, 'one'), 'src/index.js': HANDLER }, 'scf-resolved-');
  const env = { RESOLVED_B: 'bee' };
  assert.equal(invoke(dir, cache, env).status, 0);

  // the same size and times, other text: a stamp would not tell
  rewriteKeepingStamp(join(dir, 'serverless.yml'), yml(256, 'two'));
  const edited = invoke(dir, cache, env);
  assert.match(edited.resolved, /^computed \(.*serverless\.yml changed \(readFileSync\)\)$/);
  assert.deepEqual([(edited.result as { memory: number }).memory, (edited.result as { a: string }).a], [256, 'two']);
  assert.equal(invoke(dir, cache, env).resolved, 'reused (the same inputs)');

  writeFileSync(join(dir, '.env'), 'SECRET=one\n');
  const dotEnv = invoke(dir, cache, env);
  assert.match(dotEnv.resolved, /^computed \(.*\.env changed/);
  assert.equal((dotEnv.result as { secret: string }).secret, 'one');
  rewriteKeepingStamp(join(dir, '.env'), 'SECRET=two\n');
  const dotEnvEdited = invoke(dir, cache, env);
  assert.match(dotEnvEdited.resolved, /^computed \(.*\.env changed \(readFileSync\)\)$/);
  assert.equal((dotEnvEdited.result as { secret: string }).secret, 'two');

  const variable = invoke(dir, cache, { RESOLVED_B: 'zq9-value' });
  assert.equal(variable.resolved, 'computed (the variable RESOLVED_B changed)');
  assert.ok(!variable.stderr.includes('zq9-value'), 'a changed variable is named, never its value');
  assert.equal((variable.result as { b: string }).b, 'zq9-value');

  const staged = invoke(dir, cache, { RESOLVED_B: 'zq9-value' }, ['--stage', 'prod']);
  assert.match(staged.resolved, /^computed \(no record/);
  assert.equal((staged.result as { fn: string }).fn, 'resolved-prod-resolved');
});

test('a load that fails is not kept: its error is printed on every run', { skip }, () => {
  const { dir, cache } = project({ 'serverless.yml': yml(128, 'one'), 'src/index.js': HANDLER }, 'scf-resolved-');
  for (let i = 0; i < 2; i++) {
    const r = invoke(dir, cache, { RESOLVED_B: 'bee' }, ['--function', 'nope']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no function named "nope"/);
    assert.match(r.resolved, /^computed \(no record/);
  }
  assert.ok(!existsSync(join(cache, 'scf-toolkit', 'invoke')) || readdirSync(join(cache, 'scf-toolkit', 'invoke')).length === 0);
});

test('recording: reads are kept with what they gave; an fs call it cannot replay, or listing the environment, means no record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-recording-'));
  const file = join(dir, 'a.txt');
  writeFileSync(file, 'text');
  const kept = recordingInputs({ X: '1' }, (env) => [readFileSync(file, 'utf8'), existsSync(join(dir, 'none')), env.X, env.Y]);
  assert.deepEqual(kept.value, ['text', false, '1', undefined]);
  assert.deepEqual(kept.inputs, [
    { fs: 'readFileSync', args: [file, 'utf8'], gave: '"text"' },
    { fs: 'existsSync', args: [join(dir, 'none')], gave: 'false' },
    { env: 'X', value: '1' },
    { env: 'Y', value: null },
  ]);
  // an error is an input too (by its code), and still thrown to the model
  const missing = recordingInputs({}, () => {
    try {
      return readFileSync(join(dir, 'none'), 'utf8');
    } catch (e) {
      return (e as NodeJS.ErrnoException).code;
    }
  });
  assert.deepEqual(missing, { value: 'ENOENT', inputs: [{ fs: 'readFileSync', args: [join(dir, 'none'), 'utf8'], gave: 'error:ENOENT' }] });
  // of a stat, the fields read: a folder checked for being one stays the same input when a file is added to it
  const folder = recordingInputs({}, () => statSync(dir).isDirectory());
  assert.equal(folder.value, true);
  assert.deepEqual(folder.inputs, [{ fs: 'statSync', args: [dir], gave: `stats:${JSON.stringify({ mode: statSync(dir).mode })}` }]);
  assert.equal(recordingInputs({}, () => fs.closeSync(fs.openSync(file, 'r'))).inputs, undefined);
  assert.equal(recordingInputs({}, () => fs.realpathSync.native(file)).inputs, undefined);
  assert.equal(recordingInputs({ X: '1' }, (env) => Object.keys(env)).inputs, undefined);
  // a file required meanwhile that is not the toolkit's own code is an input it cannot replay
  writeFileSync(join(dir, 'config.js'), 'module.exports = 1;');
  assert.equal(recordingInputs({}, () => require(join(dir, 'config.js')) as number).inputs, undefined);
  assert.deepEqual(recordingInputs({}, () => (require('node:os') as typeof import('node:os')).EOL).inputs, []);
  // fs is itself again afterwards
  assert.equal(fs.readFileSync, readFileSync);
});
