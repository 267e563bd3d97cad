/**
 * The channel between a client and the emulator host (protocol.ts), our own instead of Node's IPC
 * channel: one socket (a 'pipe' stdio entry, which libuv makes a socketpair: the host's fd 3), each
 * message one line of JSON text (JSON.stringify never writes a raw newline).
 *
 * Why not fork()'s channel: per warm invoke its bookkeeping (the send request objects and
 * callbacks, the internal-message checks, the 'message' event per line, on both sides) cost more
 * than the JSON itself (CPU profiles of the host and the client, docs/performance.md). Here a line
 * goes out in one write(2) straight to the descriptor when nothing is queued (the stream takes only
 * what the socket did not), and comes in as 'data' split on newlines.
 */
import type { Socket } from 'node:net';
import { writeDirect } from './directWrite';

/** Bytes queued in our process (the socket full) past which a log flood waits (LineChannel.behind). */
const BEHIND_BYTES = 256 * 1024;

export class LineChannel {
  private tail = '';
  private closed = false;
  private readonly drainWaiters: Array<() => void> = [];

  constructor(
    readonly socket: Socket,
    onLine: (line: string) => void,
    onClose: () => void,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      let nl = text.indexOf('\n');
      if (nl < 0) {
        this.tail += text;
        return;
      }
      let start = 0;
      if (this.tail) {
        const first = this.tail + text.slice(0, nl);
        this.tail = '';
        start = nl + 1;
        nl = text.indexOf('\n', start);
        onLine(first);
      }
      while (nl >= 0) {
        onLine(text.slice(start, nl));
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      if (start < text.length) this.tail = text.slice(start);
    });
    socket.on('drain', () => {
      for (const w of this.drainWaiters.splice(0)) w();
    });
    socket.on('error', () => undefined); // (the other side has gone: 'close' follows)
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      for (const w of this.drainWaiters.splice(0)) w();
      onClose();
    });
  }

  get open(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /**
   * Sends one message (a JSON text, without its newline). `onSent` runs once all of it is in the
   * socket's kernel buffer, where the other side reads it even if this process is killed the next
   * moment (at once when one write took it all); never if it cannot be sent.
   */
  send(json: string, onSent?: () => void): void {
    if (this.open) writeDirect(this.socket, `${json}\n`, onSent);
  }

  /** While the socket is full and this much or more waits in our memory: a promise that settles once it has drained. */
  behind(): Promise<void> | undefined {
    if (this.socket.writableLength < BEHIND_BYTES || !this.open) return undefined;
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(): void {
    this.socket.end();
  }
}
