/**
 * The framing of the channel between the host and a runtime bootstrap: the body's byte length in
 * ASCII digits, "\n", then the body. Raw event JSON can be spliced into a body as it is, newlines and all.
 */
export function encodeFrame(body: string): string {
  // A string, written as it is: the stream encodes it once (no Buffer of the body, no concatenation:
  // a 5 MB event is not copied twice more on its way to the runtime).
  return `${Buffer.byteLength(body, 'utf8')}\n${body}`;
}

/**
 * Collects chunks and yields complete frame bodies. A frame's chunks are kept apart until all of it
 * has come, then joined once (joining at every chunk copied a 5 MB result ~80 times).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  /** Where the current frame's body starts and ends in the joined chunks, once its length line has come. */
  private start = -1;
  private end = -1;

  push(chunk: Buffer): string[] {
    this.chunks.push(chunk);
    this.have += chunk.length;
    const bodies: string[] = [];
    for (;;) {
      if (this.start < 0) {
        if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.have)];
        const head = this.chunks[0];
        if (!head) break;
        const nl = head.indexOf(10);
        if (nl < 0) break;
        const length = Number(head.toString('latin1', 0, nl));
        if (!Number.isInteger(length) || length < 0) throw new Error(`corrupt frame header "${head.subarray(0, Math.min(nl, 32)).toString()}"`);
        this.start = nl + 1;
        this.end = this.start + length;
      }
      if (this.have < this.end) break;
      const buffer = this.chunks.length > 1 ? Buffer.concat(this.chunks, this.have) : this.chunks[0]!;
      bodies.push(buffer.toString('utf8', this.start, this.end));
      const rest = buffer.subarray(this.end);
      this.chunks = rest.length ? [rest] : [];
      this.have = rest.length;
      this.start = this.end = -1;
      if (!this.have) break;
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
