/**
 * A text written to a stream's descriptor in one write(2) when nothing is queued in the stream: none
 * of the stream's bookkeeping and callbacks per message (the host's channel to its client,
 * lineChannel.ts, and its frames to a runtime, instance.ts). What the descriptor did not take goes
 * through the stream, which keeps the order. The text is written as it is: Node encodes it on its side
 * of the call, no Buffer made here unless the descriptor took only part of it.
 */
import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * Writes `text` to `stream`, straight to its descriptor where it can (and the text is at most
 * `directMax` characters). `onSent` runs once all of it is in the kernel's buffer (at once when one
 * write took it all); never if it cannot be sent. A failed write other than EAGAIN destroys the
 * stream, as the stream itself would (the other side has gone): the stream's owner listens for its
 * 'error'.
 */
export function writeDirect(stream: Writable, text: string, onSent?: () => void, directMax = Infinity): void {
  const fd = (stream as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0 || stream.writableLength > 0 || text.length > directMax) return queue(stream, text, onSent);
  let written = 0;
  try {
    written = writeSync(fd, text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
      stream.destroy(e as Error);
      return;
    }
  }
  if (written === 0) queue(stream, text, onSent);
  // (written counts bytes: a text with characters of more than one byte is longer in bytes)
  else if (written < text.length || written < Buffer.byteLength(text)) queue(stream, Buffer.from(text, 'utf8').subarray(written), onSent);
  else onSent?.();
}

function queue(stream: Writable, rest: string | Buffer, onSent: (() => void) | undefined): void {
  if (onSent) stream.write(rest, (error) => !error && onSent());
  else stream.write(rest);
}
