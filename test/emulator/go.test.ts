import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import { goCacheDir } from '../../src/emulator/runtimes/goBuild';
import { copyFixture, eventually, FIXTURES, functionSpec, invoke, processesMarked, testMark } from './helpers';

// The test handler is built from test/fixtures/emulator/go: Go's standard library and a stand-in for
// tencentyun/scf-go-lib that speaks the same net/rpc + gob protocol (these machines reach no module proxy).
const hasGo = spawnSync('sh', ['-c', 'command -v go']).status === 0;
const noGo = !hasGo && 'go is not installed (apt-get install golang-go)';
const goFixture = join(FIXTURES, 'go');
const emulator = new Emulator();
const cacheDirs = new Set<string>();
after(async () => {
  await emulator.dispose();
  for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a Go fixture; its build cache is removed after the tests. */
function goCopy(name: string, handler = 'main'): string {
  const dir = copyFixture(name);
  cacheDirs.add(goCacheDir(dir, handler));
  return dir;
}

const specs = new Map<string, ReturnType<typeof functionSpec>>();
const spec = (extra: Partial<Parameters<typeof functionSpec>[0]> = {}) => {
  const key = JSON.stringify(extra);
  if (!specs.has(key)) specs.set(key, functionSpec({ codeDir: goFixture, handler: 'main', runtime: 'Go1', name: 'go-fn', ...extra }));
  return specs.get(key)!;
};

/** A copy of the fixture, built by the first test and used by later ones (tests in a file run in order). */
let workDir = '';

describe('Go functions: the program named by handler, spoken to over net/rpc with gob', { skip: noGo }, () => {
  test('built from the Go source where the folder has no binary, once (a new instance reuses it), again when the source changes', async () => {
    const dir = (workDir = goCopy('go'));
    const s = functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1' });
    const first = await invoke(emulator, s, { action: 'error' });
    assert.equal(first.result.statusCode, 430, first.result.errorMessage);
    assert.equal(first.result.errorMessage, 'something is wrong');
    assert.match(first.text, /there is no main in the code folder: built it with Go 1\.\d+/);
    assert.match(first.text, /build main for SCF before you deploy \(GOOS=linux GOARCH=amd64 go build -o main \.\)/);
    assert.match(first.text, /Runtime Go1 runs on your Go program, spoken to over net\/rpc with gob/);
    const own = new Emulator();
    const again = await invoke(own, s, { action: 'echo' });
    await own.dispose();
    assert.equal(again.result.coldStart, true);
    assert.match(again.text, /using the binary built from it earlier/);

    const main = join(dir, 'main.go');
    writeFileSync(main, readFileSync(main, 'utf8').replace('something is wrong', 'something else is wrong'));
    const edited = await invoke(emulator, s, { action: 'error' });
    assert.equal(edited.result.errorMessage, 'something else is wrong');
    assert.equal(edited.result.coldStart, true);
    assert.match(edited.text, /built it with Go/);
  });

  test('payload, request id, deadline, function name, version, memory, time limit and environment reach the handler', async () => {
    const before = Date.now();
    const { result } = await invoke(emulator, spec({ variables: { GREETING: 'hi' }, timeout: 7, memorySize: 512 }), { action: 'echo', n: 1, s: 'é' });
    assert.equal(result.statusCode, 200, result.errorMessage);
    const r = result.result as { event: unknown; cwd: string; env: Record<string, string>; deadlineUnixMs: number; context: Record<string, unknown> };
    assert.deepEqual(r.event, { action: 'echo', n: 1, s: 'é' });
    assert.equal(r.cwd, goFixture);
    assert.deepEqual(r.context, {
      RequestID: result.requestId,
      InvokedFunctionUnique: 'qcs::scf:ap-guangzhou:uin/100000000001:namespace/default/function/go-fn',
      Namespace: 'default',
      FunctionName: 'go-fn',
      FunctionVersion: '$LATEST',
      MemoryLimitInMb: 512,
      TimeLimitInMs: 7000,
      Environment: { GREETING: 'hi', SCF_NAMESPACE: 'default' },
      TencentcloudRegion: 'ap-guangzhou',
      TencentcloudAppID: '1250000000',
      TencentcloudUin: '100000000001',
      FunctionTrace: '',
    });
    assert.ok(r.deadlineUnixMs >= before + 7000 && r.deadlineUnixMs <= Date.now() + 7000, 'the deadline is the time limit from now');
    assert.equal(r.env.GREETING, 'hi');
    assert.equal(r.env.SCF_RUNTIME, 'Go1');
    assert.match(r.env._SCF_SERVER_PORT!, /^\d+$/);
    assert.equal(r.env._LAMBDA_SERVER_PORT, r.env._SCF_SERVER_PORT, 'older scf-go-lib versions read _LAMBDA_SERVER_PORT');
  });

  test('a warm instance is reused: same process, state kept', async () => {
    const first = await invoke(emulator, spec(), { action: 'echo' });
    const second = await invoke(emulator, spec(), { action: 'echo' });
    const a = first.result.result as { calls: number; pid: number };
    const b = second.result.result as { calls: number; pid: number };
    assert.equal(b.pid, a.pid);
    assert.equal(b.calls, a.calls + 1);
    assert.equal(second.result.coldStart, false);
  });

  test('two requests at once get two instances, each on its own port', async () => {
    const [a, b] = await Promise.all([invoke(emulator, spec({ name: 'go-two' }), { action: 'echo' }), invoke(emulator, spec({ name: 'go-two' }), { action: 'echo' })]);
    const ra = a.result.result as { pid: number; env: Record<string, string> };
    const rb = b.result.result as { pid: number; env: Record<string, string> };
    // Pids repeat across instances (each has its own PID namespace where it can): the ports tell them apart.
    assert.notEqual(ra.env._SCF_SERVER_PORT, rb.env._SCF_SERVER_PORT);
  });

  test("what the program prints is in the request's log, the last line without its newline too", async () => {
    const { result, logs } = await invoke(emulator, spec(), { action: 'log' });
    assert.equal(result.result, 'logged');
    assert.deepEqual(logs.filter((l) => l.stream === 'stdout').map((l) => l.text), ['first line to stdout', 'last line, no newline']);
    assert.match(logs.filter((l) => l.stream === 'stderr').map((l) => l.text).join('\n'), /a line to stderr$/);
  });

  test('a handler returning nothing gives null', async () => {
    const { result } = await invoke(emulator, spec(), { action: 'nothing' });
    assert.equal(result.statusCode, 200);
    assert.equal(result.result, null);
  });

  test('430: a returned error, with its message; the instance stays warm', async () => {
    const { result } = await invoke(emulator, spec(), { action: 'error' });
    assert.equal(result.statusCode, 430);
    assert.equal(result.errorMessage, 'something is wrong');
    const next = await invoke(emulator, spec(), { action: 'echo' });
    assert.equal(next.result.coldStart, false);
  });

  test('430: a panic, with its stack; the instance is recycled', async () => {
    const mark = testMark();
    const s = spec({ name: 'go-panic', variables: { TEST_MARK: mark } });
    await invoke(emulator, s, { action: 'echo' });
    const { result } = await invoke(emulator, s, { action: 'panic' });
    assert.equal(result.statusCode, 430);
    assert.equal(result.errorMessage, 'assignment to entry in nil map');
    assert.match(result.errorStack!, /^runtime\.plainError: assignment to entry in nil map\n[\s\S]* {4}at main\.handle \(.*main\.go:\d+\)/);
    await eventually(() => processesMarked(mark).length === 0, 'the panicked instance is gone');
    const next = await invoke(emulator, s, { action: 'echo' });
    assert.equal(next.result.coldStart, true);
  });

  test('439: os.Exit during a request', async () => {
    const { result } = await invoke(emulator, spec(), { action: 'exit' });
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /exited with code 3/);
  });

  test('433: a request past its timeout ends the program', async () => {
    const mark = testMark();
    const { result, text } = await invoke(emulator, spec({ timeout: 1, variables: { TEST_MARK: mark } }), { action: 'sleep' });
    assert.equal(result.statusCode, 433);
    assert.match(text, /sleeping in \d+/);
    await eventually(() => processesMarked(mark).length === 0, 'the timed-out program is gone');
  });

  test('434: memory above memorySize', async () => {
    const { result } = await invoke(emulator, spec({ memorySize: 64 }), { action: 'memory', mb: 120 });
    assert.equal(result.statusCode, 434);
  });

  test('450: a program that does not listen within initTimeout', async () => {
    const { result } = await invoke(emulator, spec({ initTimeout: 1, variables: { SLOW_START: '5s' } }), { action: 'echo' });
    assert.equal(result.statusCode, 450);
  });

  test('443: a build error, with the compiler\'s output', async () => {
    const dir = goCopy('go');
    writeFileSync(join(dir, 'main.go'), 'package main\n\nfunc main() {\n\tundefinedThing()\n}\n');
    const { result } = await invoke(emulator, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1' }));
    assert.equal(result.statusCode, 443);
    assert.match(result.errorMessage!, /^go build failed in .*: \.\/main\.go:4:2: undefined: undefinedThing/);
    assert.match(result.errorStack!, /main\.go:4:2: undefined: undefinedThing/);
  });

  test('443: a module that is not on this machine says how to get it (builds are offline)', async () => {
    const dir = goCopy('go-missing-module');
    const { result } = await invoke(emulator, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1' }));
    assert.equal(result.statusCode, 443);
    assert.match(result.errorMessage!, /example\.com\/not\/on\/this\/machine/);
    assert.match(result.errorMessage!, /offline \(GOPROXY=off\).*go mod download/);
  });

  test('439: a program that never calls cloudfunction.Start (no go.mod: built GOPATH-style)', async () => {
    const dir = goCopy('go-noserve');
    const { result, text } = await invoke(emulator, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1' }));
    assert.equal(result.statusCode, 439);
    assert.match(result.errorMessage!, /exited with code 0 before it listened on the port in _SCF_SERVER_PORT \(does main call cloudfunction\.Start/);
    assert.match(text, /hello, and goodbye/);
  });

  test('437: no binary and no source; the zip-root mistake is found one folder down', async () => {
    const empty = goCopy('php-apigw');
    const missing = await invoke(emulator, functionSpec({ codeDir: empty, handler: 'main', runtime: 'Go1' }));
    assert.equal(missing.result.statusCode, 437);
    assert.match(missing.result.errorMessage!, /no binary main in the code folder .*GOOS=linux GOARCH=amd64 go build -o main \./);
    const outer = goCopy('php-apigw');
    mkdirSync(join(outer, 'code'));
    writeFileSync(join(outer, 'code', 'main'), '');
    const nested = await invoke(emulator, functionSpec({ codeDir: outer, handler: 'main', runtime: 'Go1' }));
    assert.equal(nested.result.statusCode, 437);
    assert.match(nested.result.errorMessage!, /Found code\/main one folder down/);
  });
});

describe('Go functions from a prebuilt binary (the folder built by the test above)', { skip: noGo }, () => {
  test('runs where no go is installed; without the executable bit from an executable copy; a newer source runs the old binary without go, is rebuilt with go', async () => {
    const dir = workDir;
    assert.ok(dir, 'the folder of the first test');
    copyFileSync(join(goCacheDir(dir, 'main'), 'main'), join(dir, 'main')); // the binary a user built
    const noGoOnPath = new Emulator({ callerEnv: { PATH: '/nonexistent', HOME: process.env.HOME } });
    try {
      const run = await invoke(noGoOnPath, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1' }), { action: 'error' });
      assert.equal(run.result.errorMessage, 'something else is wrong');
      assert.doesNotMatch(run.text, /built/);

      chmodSync(join(dir, 'main'), 0o644); // as the SCF demo repository stores its binaries
      const copy = await invoke(noGoOnPath, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1', name: 'go-noexec' }), { action: 'echo' });
      assert.equal(copy.result.statusCode, 200, copy.result.errorMessage);
      assert.match(copy.text, /main is not executable: running an executable copy of it\. Set the bit before you deploy \(chmod \+x main\)/);
      chmodSync(join(dir, 'main'), 0o755);

      const main = join(dir, 'main.go');
      writeFileSync(main, readFileSync(main, 'utf8').replace('something else is wrong', 'fixed in the source'));
      const future = new Date(Date.now() + 60_000);
      utimesSync(main, future, future);
      const stale = await invoke(noGoOnPath, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1', name: 'go-stale' }), { action: 'error' });
      assert.equal(stale.result.errorMessage, 'something else is wrong');
      assert.match(stale.text, /newer than main, and go is not installed to rebuild it: running the old main/);
    } finally {
      await noGoOnPath.dispose();
    }

    const before = readFileSync(join(dir, 'main'));
    const rebuilt = await invoke(emulator, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1', name: 'go-rebuilt' }), { action: 'error' });
    assert.equal(rebuilt.result.errorMessage, 'fixed in the source');
    assert.match(rebuilt.text, /the Go source is newer than main: built it with Go/);
    assert.deepEqual(readFileSync(join(dir, 'main')), before, 'the binary deploy uploads is untouched');
  });

  test('no binary, Go source, and no go installed: 437 that says to install Go or build the binary', async () => {
    const dir = goCopy('go-noserve');
    const noGoOnPath = new Emulator({ callerEnv: { PATH: '/nonexistent', HOME: process.env.HOME } });
    try {
      const { result } = await invoke(noGoOnPath, functionSpec({ codeDir: dir, handler: 'main', runtime: 'Go1' }));
      assert.equal(result.statusCode, 437);
      assert.match(result.errorMessage!, /there is no main in the code folder, and go is not installed to build it from the Go source there; install Go/);
    } finally {
      await noGoOnPath.dispose();
    }
  });
});

describe("the shape of SCF's Go hello world", { skip: noGo }, () => {
  test('a typed event and a string result; the keys are printed', async () => {
    const hello = join(goFixture, 'hello');
    const { result, text } = await invoke(emulator, functionSpec({ codeDir: hello, handler: 'main', runtime: 'Go1' }), { key1: 'value1', key2: 'value2' });
    assert.equal(result.statusCode, 200, result.errorMessage);
    assert.equal(result.result, 'Hello value1!');
    assert.match(text, /key1: value1\nkey2: value2/);
  });
});
