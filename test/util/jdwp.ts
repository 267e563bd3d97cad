/**
 * A small JDWP client for the Java debugging tests: the protocol the Debugger for Java extension
 * speaks to the JVM (https://docs.oracle.com/en/java/javase/17/docs/specs/jdwp/jdwp-protocol.html).
 * The handshake, command packets answered by reply packets of the same id, and the VM's composite
 * events (command set 64, command 100), queued by kind until a test waits for them.
 * Only what the tests use is here; IDs are taken as 8 bytes, what HotSpot on 64 bits uses (checked
 * against VirtualMachine.IDSizes at attach).
 */
import assert from 'node:assert/strict';
import { connectWhenListening } from './net';

export const EventKind = { BREAKPOINT: 2, CLASS_PREPARE: 8 } as const;
const SUSPEND_ALL = 2;

/** A JDWP event as the tests read it: its kind and request, its thread, and the rest of its bytes. */
export interface JdwpEvent {
  kind: number;
  requestId: number;
  thread: bigint;
  /** The event's bytes after the thread ID. */
  rest: Buffer;
}

/** A location in code: a class, a method and a bytecode index (JDWP's `location`). */
export interface Location {
  typeTag: number;
  classId: bigint;
  methodId: bigint;
  index: bigint;
}

/** Builds a command's data. */
export class Out {
  private parts: Buffer[] = [];
  byte(v: number): this {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  id(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }
  long(v: bigint): this {
    return this.id(v);
  }
  string(s: string): this {
    const text = Buffer.from(s, 'utf8');
    this.int(text.length);
    this.parts.push(text);
    return this;
  }
  location(l: Location): this {
    return this.byte(l.typeTag).id(l.classId).id(l.methodId).long(l.index);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads a reply's or an event's data in order. */
export class In {
  private at = 0;
  constructor(private readonly data: Buffer) {}
  byte(): number {
    return this.data[this.at++]!;
  }
  int(): number {
    const v = this.data.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  id(): bigint {
    const v = this.data.readBigUInt64BE(this.at);
    this.at += 8;
    return v;
  }
  long(): bigint {
    return this.id();
  }
  string(): string {
    const length = this.int();
    const s = this.data.subarray(this.at, this.at + length).toString('utf8');
    this.at += length;
    return s;
  }
  location(): Location {
    return { typeTag: this.byte(), classId: this.id(), methodId: this.id(), index: this.long() };
  }
  rest(): Buffer {
    return this.data.subarray(this.at);
  }
}

export interface Jdwp {
  /** Sends a command and resolves to its reply's data; rejects with the JDWP error code. */
  command(set: number, cmd: number, data?: Buffer): Promise<Buffer>;
  /** The next event of this kind (one already queued, or the next to come). */
  event(kind: number, withinMs?: number): Promise<JdwpEvent>;
  /** EventRequest.Set with suspend policy ALL; resolves to the request's id. */
  request(kind: number, modifiers: Buffer, count: number): Promise<number>;
  resume(): Promise<void>;
  close(): void;
}

export async function jdwpAttach(port: number, withinMs: number): Promise<Jdwp> {
  const socket = await connectWhenListening(port, withinMs);
  let buffer = Buffer.alloc(0);
  let handshaken: (() => void) | undefined;
  const handshake = new Promise<void>((r) => (handshaken = r));
  const replies = new Map<number, { resolve: (data: Buffer) => void; reject: (e: Error) => void }>();
  const events: JdwpEvent[] = [];
  const eventWaiters: Array<{ kind: number; resolve: (e: JdwpEvent) => void }> = [];

  const onEvent = (e: JdwpEvent): void => {
    const waiter = eventWaiters.findIndex((w) => w.kind === e.kind);
    if (waiter >= 0) eventWaiters.splice(waiter, 1)[0]!.resolve(e);
    else events.push(e);
  };
  const onComposite = (data: Buffer): void => {
    const r = new In(data);
    r.byte(); // suspend policy
    const count = r.int();
    for (let i = 0; i < count; i++) {
      const kind = r.byte();
      const requestId = r.int();
      // Every kind the tests ask for starts with its thread; other kinds (VM_START, sent unasked)
      // start with one too, and what follows is kept unread in `rest` (one event per composite here).
      const thread = r.id();
      onEvent({ kind, requestId, thread, rest: r.rest() });
      if (kind !== EventKind.BREAKPOINT && kind !== EventKind.CLASS_PREPARE) break;
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (handshaken) {
      if (buffer.length < 14) return;
      assert.equal(buffer.subarray(0, 14).toString(), 'JDWP-Handshake');
      buffer = buffer.subarray(14);
      handshaken();
      handshaken = undefined;
    }
    while (buffer.length >= 11 && buffer.length >= buffer.readUInt32BE(0)) {
      const length = buffer.readUInt32BE(0);
      const id = buffer.readUInt32BE(4);
      if ((buffer[8]! & 0x80) !== 0) {
        const error = buffer.readUInt16BE(9);
        const waiter = replies.get(id);
        replies.delete(id);
        if (error) waiter?.reject(new Error(`JDWP error ${error} for packet ${id}`));
        else waiter?.resolve(buffer.subarray(11, length));
      } else if (buffer[9] === 64 && buffer[10] === 100) {
        onComposite(buffer.subarray(11, length));
      }
      buffer = buffer.subarray(length);
    }
  });
  socket.write('JDWP-Handshake');
  await handshake;

  let nextId = 1;
  const command = (set: number, cmd: number, data = Buffer.alloc(0)): Promise<Buffer> => {
    const id = nextId++;
    const header = Buffer.alloc(11);
    header.writeUInt32BE(11 + data.length, 0);
    header.writeUInt32BE(id, 4);
    header[8] = 0;
    header[9] = set;
    header[10] = cmd;
    socket.write(Buffer.concat([header, data]));
    return new Promise((resolve, reject) => replies.set(id, { resolve, reject }));
  };

  const sizes = new In(await command(1, 7)); // VirtualMachine.IDSizes
  const idSizes = [sizes.int(), sizes.int(), sizes.int(), sizes.int(), sizes.int()];
  assert.deepEqual(idSizes, [8, 8, 8, 8, 8], 'this client reads 8-byte JDWP IDs');

  return {
    command,
    event: (kind, ms = 60_000) => {
      const queued = events.findIndex((e) => e.kind === kind);
      if (queued >= 0) return Promise.resolve(events.splice(queued, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no JDWP event of kind ${kind} within ${ms} ms`)), ms);
        eventWaiters.push({ kind, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    request: async (kind, modifiers, count) => {
      const data = new Out().byte(kind).byte(SUSPEND_ALL).int(count).done();
      return new In(await command(15, 1, Buffer.concat([data, modifiers]))).int(); // EventRequest.Set
    },
    resume: async () => {
      await command(1, 9); // VirtualMachine.Resume
    },
    close: () => socket.destroy(),
  };
}
