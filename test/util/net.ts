/** Socket helpers the tests share: a free port, a connection to a server still starting, a fast upload. */
import type { ClientRequest } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';

/** A port of 127.0.0.1 free right now (for a process that must be told its port before it listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Connects to 127.0.0.1:port, retrying while nothing listens there yet, for up to `withinMs`. */
export async function connectWhenListening(port: number, withinMs: number): Promise<Socket> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Writes `size` bytes of `fill` to the request as fast as the socket takes them (1 MB at a time), then ends it. */
export function sendAsFastAsTaken(req: ClientRequest, size: number, fill: number): void {
  const chunk = Buffer.alloc(1024 * 1024, fill);
  let sent = 0;
  const pump = (): void => {
    while (sent < size) {
      sent += chunk.length;
      if (!req.write(chunk)) return void req.once('drain', pump);
    }
    req.end();
  };
  pump();
}
