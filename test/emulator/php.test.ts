import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import { assertLoadedLaterIsWatched, copyFixture, eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

const hasPhp = spawnSync('sh', ['-c', 'command -v php']).status === 0;
const php = join(FIXTURES, 'php');
const emulator = new Emulator();
after(() => emulator.dispose());

const specs = new Map<string, ReturnType<typeof functionSpec>>();
/** One serverless.yml per handler and options, so warm instances are reused between tests. */
const spec = (handler: string, extra: Partial<Parameters<typeof functionSpec>[0]> = {}) => {
  const key = JSON.stringify([handler, extra]);
  if (!specs.has(key)) specs.set(key, functionSpec({ codeDir: php, handler, runtime: 'Php7', name: 'php-fn', ...extra }));
  return specs.get(key)!;
};

describe('PHP functions run on the local php', { skip: !hasPhp && 'php is not installed (apt-get install php-cli)' }, () => {
  test('$event and $context are objects (stdClass) with exactly SCF\'s context keys; env, cwd and php_extension', async () => {
    const { result, text } = await invoke(emulator, spec('index.echo_handler', { variables: { GREETING: 'hi' } }), { a: 1, nested: { b: [1, 2] } });
    assert.equal(result.statusCode, 200, result.errorMessage);
    const r = result.result as Record<string, unknown> & { env: Record<string, string> };
    assert.deepEqual(r.event, { a: 1, nested: { b: [1, 2] } });
    assert.equal(r.eventType, 'object');
    assert.equal(r.contextType, 'stdClass');
    assert.deepEqual(r.contextKeys, ['memory_limit_in_mb', 'time_limit_in_ms', 'request_id', 'environment', 'environ', 'function_version', 'function_name', 'namespace', 'tencentcloud_region', 'tencentcloud_appid', 'tencentcloud_uin']);
    assert.equal(r.requestId, result.requestId);
    assert.equal(r.functionName, 'php-fn');
    assert.equal(r.memory, 256);
    assert.equal(r.cwd, php);
    assert.equal(r.env.GREETING, 'hi');
    assert.equal(r.env.SCF_RUNTIME, 'Php7');
    assert.match(r.env.PHP_INI_SCAN_DIR!, new RegExp(`${php}/php_extension$`));
    assert.equal(r.precision, '7', 'php_extension/local.ini was read through PHP_INI_SCAN_DIR');
    assert.equal(r.ctype, true, "the local php's own extensions stay loaded");
    assert.equal(r.memoryLimit, '-1', 'memorySize is the limit, not php.ini\'s memory_limit');
    const version = spawnSync('php', ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8' }).stdout;
    const majorMinor = version.split('.').slice(0, 2).join('\\.');
    assert.match(text, new RegExp(`Runtime Php7 runs on the local PHP ${majorMinor}`));
    if (!version.startsWith('7.2')) assert.match(text, /SCF runs PHP 7\.2, which is not installed here/, 'the log says the local version differs');
  });

  test("a layer's php_extension ini applies too (SCF's /opt/php_extension)", async () => {
    const s = functionSpec({
      codeDir: php,
      handler: 'index.echo_handler',
      runtime: 'Php7.4',
      extraInputs: ['  layers:', '    - name: php-ini', '      version: 1'],
      dotenv: `SCF_TOOLKIT_LAYER_php_ini=${join(FIXTURES, 'php-layer')}\n`,
    });
    const { result } = await invoke(emulator, s);
    assert.equal(result.statusCode, 200, result.errorMessage);
    const r = result.result as { userAgent: string; precision: string };
    assert.equal(r.userAgent, 'from-the-layer');
    assert.equal(r.precision, '7', "and the code folder's own");
  });

  test('a file included by a warm request is watched from its answer on: editing it retires the instance; answers in between are as before', async () => {
    // (the bootstrap lists the included files only when their count has changed since its last answer)
    const dir = mkdtempSync(join(tmpdir(), 'scf-php-lazy-'));
    writeFileSync(join(dir, 'index.php'), "<?php\n$calls = 0;\nfunction main_handler($event, $context) {\n    global $calls;\n    $calls++;\n    if ($calls >= 2) {\n        require_once __DIR__ . '/helper.php';\n        return array('calls' => $calls, 'helper' => helper_value());\n    }\n    return array('calls' => $calls);\n}\n");
    writeFileSync(join(dir, 'helper.php'), '<?php function helper_value() { return 1; }\n');
    const s = functionSpec({ codeDir: dir, handler: 'index.main_handler', runtime: 'Php7', name: 'php-lazy' });
    await assertLoadedLaterIsWatched(emulator, s, () => writeFileSync(join(dir, 'helper.php'), '<?php function helper_value() { return 22; }\n'));
  });

  test('a warm instance keeps its globals: the count goes up, the process stays', async () => {
    const s = spec('index.echo_handler');
    const first = await invoke(emulator, s);
    const second = await invoke(emulator, s);
    const a = first.result.result as { calls: number; pid: number };
    const b = second.result.result as { calls: number; pid: number };
    assert.equal(b.pid, a.pid);
    assert.equal(b.calls, a.calls + 1);
    assert.equal(second.result.coldStart, false);
  });

  test('print, echo, var_dump go to stdout and error_log to stderr, as log lines', async () => {
    const { result, logs } = await invoke(emulator, spec('index.prints'), { n: 5 });
    assert.equal(result.result, 'done');
    const out = logs.filter((l) => l.stream === 'stdout').map((l) => l.text);
    const err = logs.filter((l) => l.stream === 'stderr').map((l) => l.text);
    assert.deepEqual(out, ['printed in parts', 'echoed', 'int(5)', 'no newline at the end']);
    assert.deepEqual(err, ['to the error log', 'to stderr']);
  });

  test('output streams while the handler runs, not at the end', async () => {
    let settled = false;
    const seen: string[] = [];
    const done = emulator
      .invoke({ spec: spec('index.slow_lines'), payload: '{"lines":3,"gapMs":400}' }, { onLog: (l) => !settled && l.stream === 'stdout' && seen.push(l.text) })
      .then((o) => {
        settled = true;
        return o;
      });
    await eventually(() => seen.length >= 1, 'the first line', 5000);
    assert.equal(settled, false, 'the first line arrived before the handler returned');
    const o = await done;
    assert.ok(o.ok && o.value.statusCode === 200);
    assert.deepEqual(seen, ['line 0', 'line 1', 'line 2']);
  });

  test('return values are JSON-encoded as SCF does: strings, lists, empty arrays, objects, nothing', async () => {
    for (const [handler, expected] of [
      ['index.returns_string', 'hello world'],
      ['index.returns_list', [1, 2, 3]],
      ['index.returns_empty', []],
      ['index.returns_object', { name: 'scf', nested: { a: 1.5, b: null, c: true } }],
      ['index.returns_nothing', null],
    ] as const) {
      const { result } = await invoke(emulator, spec(handler));
      assert.equal(result.statusCode, 200, `${handler}: ${result.errorMessage}`);
      assert.deepEqual(result.result, expected, handler);
    }
  });

  test('430: an uncaught exception, a TypeError, a call to an undefined function; the instance stays warm', async () => {
    const thrown = await invoke(emulator, spec('index.throws'));
    assert.equal(thrown.result.statusCode, 430);
    assert.equal(thrown.result.errorMessage, 'Exception: xxx');
    assert.match(thrown.result.errorStack!, /^Exception: xxx in .*index\.php:\d+\nStack trace:/);
    const typed = await invoke(emulator, spec('index.type_error'));
    assert.equal(typed.result.statusCode, 430);
    assert.match(typed.result.errorMessage!, /^TypeError: strlen\(\)/);
    const undefinedFn = await invoke(emulator, spec('index.undefined_function'));
    assert.equal(undefinedFn.result.statusCode, 430);
    assert.match(undefinedFn.result.errorMessage!, /^Error: Call to undefined function no_such_function\(\)/);
    const again = await invoke(emulator, spec('index.throws'));
    assert.equal(again.result.coldStart, false);
  });

  test('430: a result with no JSON form (bad UTF-8)', async () => {
    const { result } = await invoke(emulator, spec('index.returns_bad_utf8'));
    assert.equal(result.statusCode, 430);
    assert.match(result.errorMessage!, /no JSON form: Malformed UTF-8/);
  });

  test('430: a fatal error during a request ends the instance; the next request starts a new one', async () => {
    const s = spec('index.fatal');
    const { result, text } = await invoke(emulator, s);
    assert.equal(result.statusCode, 430);
    assert.match(result.errorMessage!, /^PHP Fatal error: Allowed memory size of \d+ bytes exhausted/);
    assert.match(text, /PHP Fatal error: {2}Allowed memory size/, "PHP's own line is in the log");
    const next = await invoke(emulator, s);
    assert.equal(next.result.coldStart, true);
  });

  test('439: die() during a request; what it printed is in the log', async () => {
    const { result, text } = await invoke(emulator, spec('index.dies'));
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /called exit\(\) or die\(\)/);
    assert.match(text, /bye from die/);
  });

  test('437: a missing entry file or function names the file and the code folder', async () => {
    const noFile = await invoke(emulator, spec('nope.main_handler'));
    assert.equal(noFile.result.statusCode, 437);
    assert.match(noFile.result.errorMessage!, new RegExp(`entry file nope\\.php not found in the code folder ${php}`));
    const noFunction = await invoke(emulator, spec('index.nope'));
    assert.equal(noFunction.result.statusCode, 437);
    assert.match(noFunction.result.errorMessage!, new RegExp(`index\\.php defines no function nope \\(in the code folder ${php}\\)`));
    const other = await invoke(emulator, spec('other.in_other'));
    assert.equal(other.result.result, 'from other.php', 'another entry file in the same folder');
  });

  test('443: a parse error or a fatal error while loading', async () => {
    const parse = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'php-badsyntax'), handler: 'index.main_handler', runtime: 'Php8.0' }));
    assert.equal(parse.result.statusCode, 443);
    assert.match(parse.result.errorMessage!, /loading index\.php failed: ParseError: syntax error/);
    assert.match(parse.result.errorStack!, /index\.php:4/);
    const fatal = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'php-fatal'), handler: 'index.main_handler', runtime: 'Php8.0' }));
    assert.equal(fatal.result.statusCode, 443);
    assert.match(fatal.result.errorMessage!, /loading index\.php failed: PHP Fatal error: Cannot redeclare strlen_twice\(\)/);
  });

  test('433: a request past its timeout is ended and its php process is gone', async () => {
    const mark = testMark();
    const { result, text } = await invoke(emulator, spec('index.sleeps', { timeout: 1, variables: { TEST_MARK: mark } }));
    assert.equal(result.statusCode, 433);
    assert.match(text, /sleeping in \d+/);
    await eventually(() => processesMarked(mark).length === 0, 'the timed-out php process is gone');
  });

  test('434: memory above memorySize', async () => {
    const { result } = await invoke(emulator, spec('index.memory_hog', { memorySize: 64 }), { mb: 120 });
    assert.equal(result.statusCode, 434);
  });

  test('an edited entry file retires the warm instance', async () => {
    const dir = copyFixture('php-hello');
    const s = functionSpec({ codeDir: dir, handler: 'index.main_handler', runtime: 'Php7' });
    const first = await invoke(emulator, s);
    assert.equal(first.result.result, 'hello from php');
    writeFileSync(join(dir, 'index.php'), '<?php function main_handler($event, $context) { return "edited"; }\n');
    const second = await invoke(emulator, s);
    assert.equal(second.result.result, 'edited');
    assert.equal(second.result.coldStart, true);
  });

  test('debugging says how to debug PHP instead (Xdebug)', async () => {
    const outcome = await emulator.invoke({ spec: spec('index.returns_string'), payload: '{}', debug: { port: 0 } });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.error.message, /for PHP, invoke the function normally with Xdebug/);
  });

  test('a php that does not exist is a clear usage error', async () => {
    const own = new Emulator({ phpPath: '/no/such/php' });
    const outcome = await own.invoke({ spec: spec('index.returns_string'), payload: '{}' });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.error.message, /--php is "\/no\/such\/php", which is not an executable here/);
    await own.dispose();
  });
});

describe('the shapes of SCF\'s PHP demos', { skip: !hasPhp && 'php is not installed (apt-get install php-cli)' }, () => {
  test('hello world: a global counts up across warm invokes; print, error_log and var_dump are in the log', async () => {
    const s = functionSpec({ codeDir: join(FIXTURES, 'php-hello'), handler: 'index.main_handler', runtime: 'Php5' });
    const first = await invoke(emulator, s, { key1: 'value1' });
    const second = await invoke(emulator, s, { key1: 'value1' });
    assert.equal(first.result.result, 'hello from php');
    assert.match(first.text, /call 1\n/);
    assert.match(second.text, /call 2\n/);
    assert.match(first.text, /a line for the error log\n/);
    // error_log writes to stderr, var_dump to stdout: the two streams interleave by line, in no fixed order.
    const stdout = first.text.replace('a line for the error log\n', '');
    assert.match(stdout, /object\(stdClass\)#\d+ \(1\) \{\n {2}\["key1"\]=>\n {2}string\(6\) "value1"/);
    assert.match(stdout, /object\(stdClass\)#\d+ \(11\) \{\n {2}\["memory_limit_in_mb"\]=>/);
  });

  test('API Gateway: an integrated response built as an array', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'php-apigw'), handler: 'index.main_handler', runtime: 'Php7' }), { path: '/', httpMethod: 'GET' });
    assert.deepEqual(result.result, { isBase64Encoded: false, statusCode: 200, headers: { 'Content-Type': 'text/html' }, body: '<p>served by php for GET</p>' });
  });
});
