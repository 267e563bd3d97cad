/**
 * Debugging a Python function for real: the emulator starts the runtime under debugpy, and this test
 * is the debugger, speaking the Debug Adapter Protocol over TCP as VS Code's Python Debugger does when
 * it attaches. Needs an interpreter with debugpy (Debian: python3-debugpy for /usr/bin/python3;
 * SCF_TEST_PYTHON_WITH_DEBUGPY picks another); skipped where there is none.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec } from './helpers';
import { connectWhenListening, freePort } from '../util/net';

const PYTHON = process.env.SCF_TEST_PYTHON_WITH_DEBUGPY ?? '/usr/bin/python3';
const hasDebugpy = spawnSync(PYTHON, ['-c', 'import debugpy'], { timeout: 15_000 }).status === 0;

interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

/** A minimal Debug Adapter Protocol client: Content-Length framed JSON over a socket. */
class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<{ match: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }> = [];
  private readonly seen: DapMessage[] = [];
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const headerEnd = this.buffer.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1]);
        if (this.buffer.length < headerEnd + 4 + length) return;
        const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as DapMessage;
        this.buffer = this.buffer.subarray(headerEnd + 4 + length);
        const i = this.waiting.findIndex((w) => w.match(message));
        if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(message);
        else this.seen.push(message);
      }
    });
  }

  /** Connects once debugpy listens (it starts listening a moment after the runtime process starts). */
  static async connect(port: number, withinMs: number): Promise<DapClient> {
    return new DapClient(await connectWhenListening(port, withinMs));
  }

  next(match: (m: DapMessage) => boolean): Promise<DapMessage> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiting.push({ match, resolve }));
  }

  event(name: string): Promise<DapMessage> {
    return this.next((m) => m.type === 'event' && m.event === name);
  }

  /** Sends a request; the promise is its response (rejected when debugpy refuses it). */
  async request(command: string, args: object = {}): Promise<DapMessage> {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.socket.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    const response = await this.next((m) => m.type === 'response' && m.request_seq === seq);
    if (!response.success) throw new Error(`${command}: ${response.message}`);
    return response;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('debugging a Python function through debugpy', { skip: !hasDebugpy && `no debugpy in ${PYTHON} (apt-get install python3-debugpy)` }, () => {
  test('a breakpoint in the handler is hit with the real event and context; continuing ends 200 with the result', async () => {
    const emulator = new Emulator({ pythonPath: PYTHON });
    const codeDir = join(FIXTURES, 'debug-python');
    const spec = functionSpec({ codeDir, handler: 'index.main_handler', runtime: 'Python3.10', timeout: 1 });
    const port = await freePort();
    const logs: string[] = [];
    const invoking = emulator.invoke({ spec, payload: JSON.stringify({ name: 'debugger' }), debug: { port } }, { onLog: (line) => logs.push(line.text) });
    const dap = await DapClient.connect(port, 30_000);
    try {
      await dap.request('initialize', { clientID: 'scf-toolkit-test', adapterID: 'debugpy', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      const attached = dap.request('attach', { justMyCode: false });
      await dap.event('initialized');
      const set = await dap.request('setBreakpoints', { source: { path: join(codeDir, 'index.py') }, breakpoints: [{ line: 2 }] });
      assert.equal((set.body!.breakpoints as Array<{ verified: boolean }>)[0]!.verified, true);
      await dap.request('configurationDone');
      await attached;
      const stopped = await dap.event('stopped');
      assert.equal(stopped.body!.reason, 'breakpoint');
      const threadId = stopped.body!.threadId as number;
      const trace = await dap.request('stackTrace', { threadId, levels: 1 });
      const frame = (trace.body!.stackFrames as Array<{ id: number; name: string; line: number; source?: { path?: string } }>)[0]!;
      assert.equal(frame.name, 'main_handler');
      assert.equal(frame.line, 2);
      const name = await dap.request('evaluate', { expression: 'event["name"]', frameId: frame.id, context: 'watch' });
      assert.equal(name.body!.result, "'debugger'");
      const requestId = await dap.request('evaluate', { expression: 'context["request_id"]', frameId: frame.id, context: 'watch' });
      assert.match(String(requestId.body!.result), /^'[0-9a-f-]{36}'$/);
      await new Promise((r) => setTimeout(r, 1500)); // paused longer than the 1 s timeout: reported, not ended
      // Not awaited: the request then ends and its debug instance with it, which can close the socket
      // before debugpy's answer to 'continue' is written; the invocation's outcome is the answer.
      void dap.request('continue', { threadId });
      const outcome = await invoking;
      if (!outcome.ok) assert.fail(outcome.error.message);
      assert.equal(outcome.value.statusCode, 200, logs.join('\n'));
      assert.deepEqual((outcome.value.result as { greeting: string }).greeting, 'hello debugger');
      assert.ok(logs.some((l) => /hello debugger/.test(l)), logs.join('\n'));
      assert.ok(logs.some((l) => /past its timeout of 1 s .*433 TimeLimitReached/.test(l)), logs.join('\n'));
    } finally {
      dap.close();
      await emulator.dispose();
    }
  });
});
