import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec } from './helpers';

const ROOT = resolve(__dirname, '../..');

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (r: { result?: any; error?: { message: string } }) => void>();
  private readonly listeners: Array<(method: string, params: any) => void> = [];
  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg);
      else if (msg.method) for (const l of this.listeners) l(msg.method, msg.params);
    });
  }
  static connect(url: string): Promise<Inspector> {
    return new Promise((res, rej) => {
      const ws = new WebSocket(url);
      ws.once('open', () => res(new Inspector(ws)));
      ws.once('error', rej);
    });
  }
  send(method: string, params: object = {}): Promise<any> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((res, rej) => this.pending.set(id, (r) => (r.error ? rej(new Error(r.error.message)) : res(r.result))));
  }
  once(method: string): Promise<any> {
    return new Promise((res) => this.listeners.push((m, p) => m === method && res(p)));
  }
  /** The next pause at this breakpoint, resuming any other. */
  pausedAt(breakpointId: string): Promise<any> {
    return new Promise((res) => {
      this.listeners.push((m, p) => {
        if (m !== 'Debugger.paused') return;
        if ((p.hitBreakpoints ?? []).includes(breakpointId)) res(p);
        else void this.send('Debugger.resume');
      });
    });
  }
  close(): void {
    this.ws.close();
  }
}

describe('debugging a local invoke', () => {
  test('invoke --inspect: a breakpoint in the handler is hit with the real event; a pause longer than the timeout still ends 200', async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'debug'), handler: 'index.main_handler', timeout: 1 });
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'invoke', spec.file, '--inspect=0', '--json', '--event-json', '{"name":"debugger"}'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    let inspector: Inspector | undefined;
    try {
      const url = await new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no debugger address in:\n${out}`)), 20_000);
        const check = () => {
          const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            res(m[1]!);
          } else setTimeout(check, 20);
        };
        check();
      });
      inspector = await Inspector.connect(url);
      await inspector.send('Runtime.enable');
      await inspector.send('Debugger.enable');
      const bp = await inspector.send('Debugger.setBreakpointByUrl', { lineNumber: 1, urlRegex: 'debug/index\\.js$' });
      assert.ok(bp.breakpointId);
      const paused = inspector.pausedAt(bp.breakpointId);
      await inspector.send('Runtime.runIfWaitingForDebugger');
      const p = await paused;
      const frame = p.callFrames[0];
      assert.equal(frame.functionName, 'exports.main_handler');
      assert.equal(frame.location.lineNumber, 1);
      const name = await inspector.send('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'event.name' });
      assert.equal(name.result.value, 'debugger');
      const rid = await inspector.send('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'context.request_id' });
      assert.match(rid.result.value, /^[0-9a-f-]{36}$/);
      await new Promise((r) => setTimeout(r, 1500)); // paused longer than the 1 s timeout
      await inspector.send('Debugger.resume');
      const code = await closed;
      assert.equal(code, 0, out);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string; statusCode?: number; result?: { greeting: string } });
      const last = lines.at(-1)!;
      assert.equal(last.statusCode, 200);
      assert.equal(last.result!.greeting, 'hello debugger');
      assert.ok(lines.some((l) => /Time limits are not enforced while debugging/.test(l.text ?? '')));
      assert.ok(lines.some((l) => /past its timeout of 1 s .*433 TimeLimitReached/.test(l.text ?? '')));
    } finally {
      inspector?.close();
      child.kill('SIGTERM'); // the CLI ends its runtime process on SIGTERM
      await closed;
    }
  });

  test('Python without debugpy gets the exact install command; a custom runtime cannot be debugged here', async () => {
    const emulator = new Emulator({ pythonPath: process.env.SCF_TEST_PYTHON_WITHOUT_DEBUGPY ?? 'python3' });
    const py = functionSpec({ codeDir: join(FIXTURES, 'python'), handler: 'index.echo', runtime: 'Python3.9' });
    const outcome = await emulator.invoke({ spec: py, payload: '{}', debug: { port: 0 } });
    // This machine has no debugpy; where it is installed the invoke would wait for a debugger instead.
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.error.message, /needs debugpy in .*python.*; install it with: .*python\S* -m pip install debugpy/);
    const custom = functionSpec({ codeDir: join(FIXTURES, 'custom'), handler: 'index.main_handler', runtime: 'CustomRuntime' });
    const refused = await emulator.invoke({ spec: custom, payload: '{}', debug: { port: 0 } });
    assert.equal(refused.ok, false);
    await emulator.dispose();
  });
});
