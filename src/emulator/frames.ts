/**
 * The framing of the channel between the host and a runtime bootstrap: the body's byte length in
 * ASCII digits, "\n", then the body. Raw event JSON can be spliced into a body as it is, newlines and all.
 */
export function encodeFrame(body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length}\n`, 'ascii'), bytes]);
}

/** Collects chunks and yields complete frame bodies. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const bodies: string[] = [];
    for (;;) {
      const nl = this.buffer.indexOf(10);
      if (nl < 0) break;
      const length = Number(this.buffer.subarray(0, nl).toString('ascii'));
      if (!Number.isInteger(length) || length < 0) throw new Error(`corrupt frame header "${this.buffer.subarray(0, Math.min(nl, 32)).toString()}"`);
      const end = nl + 1 + length;
      if (this.buffer.length < end) break;
      bodies.push(this.buffer.subarray(nl + 1, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end);
    }
    return bodies;
  }
}

/** Splits a byte stream into lines; a marker anywhere in the stream ends the current request's output. */
export class LineSplitter {
  private partial = '';

  constructor(
    private readonly marker: string,
    private readonly onLine: (line: string) => void,
    private readonly onMarker: () => void,
  ) {}

  push(chunk: string): void {
    let text = this.partial + chunk;
    this.partial = '';
    for (;;) {
      const m = text.indexOf(this.marker);
      const nl = text.indexOf('\n');
      if (m !== -1 && (nl === -1 || m <= nl)) {
        if (m > 0) this.onLine(text.slice(0, m));
        text = text.slice(m + this.marker.length);
        this.onMarker();
        continue;
      }
      if (nl === -1) break;
      this.onLine(text.slice(0, nl).replace(/\r$/, ''));
      text = text.slice(nl + 1);
    }
    this.partial = text;
  }

  /** Emits a last unterminated line (when the process ends). */
  flush(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}
