/**
 * The emulator host: a separate Node process (never the extension host) that owns the runtime
 * instances. A client forks it and talks over Node's IPC channel (see protocol.ts). Whatever a handler
 * does, this process survives it: handlers run in their own processes, and every message handler here
 * turns failures into replies.
 */
import { loadServerlessFile, pickFunction } from '../model';
import { Emulator } from './emulator';
import type { HostReply, HostRequest } from './protocol';

const emulator = new Emulator({ pythonPath: process.env.SCF_TOOLKIT_PYTHON || undefined });
const running = new Map<string, AbortController>();

function reply(message: HostReply): void {
  if (process.connected) process.send!(message);
}

async function invoke(req: Extract<HostRequest, { type: 'invoke' }>): Promise<void> {
  const loaded = loadServerlessFile(req.target, { env: req.interpolationEnv ?? {} });
  if (!loaded.ok) return reply({ type: 'error', id: req.id, error: { code: loaded.error.code, message: loaded.error.message } });
  const picked = pickFunction(loaded.functions, req.functionName);
  if (!picked.ok) return reply({ type: 'error', id: req.id, error: { code: 'host.functionNotFound', message: `${loaded.functions[0]?.file}: ${picked.message}` } });
  const abort = new AbortController();
  running.set(req.id, abort);
  try {
    const outcome = await emulator.invoke(
      { spec: picked.spec, payload: req.payload, invocationType: req.invocationType },
      {
        signal: abort.signal,
        onLog: (line) => reply({ type: 'log', id: req.id, line }),
        onAccepted: (requestId) => reply({ type: 'accepted', id: req.id, requestId }),
      },
    );
    if (outcome.ok) reply({ type: 'result', id: req.id, result: outcome.result });
    else reply({ type: 'error', id: req.id, error: outcome.error });
  } finally {
    running.delete(req.id);
  }
}

process.on('message', (message: HostRequest) => {
  switch (message.type) {
    case 'invoke':
      invoke(message).catch((e: unknown) =>
        reply({ type: 'error', id: message.id, error: { code: 'host.internal', message: `emulator host error: ${(e as Error)?.message ?? String(e)}` } }),
      );
      break;
    case 'cancel':
      running.get(message.id)?.abort();
      break;
    case 'shutdown':
      void emulator.dispose().then(() => process.exit(0));
      break;
  }
});

// The client went away (editor closed or crashed): end every instance with us.
process.on('disconnect', () => {
  void emulator.dispose().then(() => process.exit(0));
});

reply({ type: 'ready', pid: process.pid });
