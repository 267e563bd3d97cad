/**
 * Go's encoding/gob, as much as SCF's Go protocol needs: the host encodes net/rpc request headers and
 * scf-go-lib's InvokeRequest, and decodes whatever the Go side sends back (any struct, slice, array, map
 * or basic type it defines on the stream). Format: https://pkg.go.dev/encoding/gob (the "Encoding
 * details" section); checked end to end against Go's own encoder and decoder in the tests.
 *
 * A stream is a sequence of messages, each `uint(byteCount) int(typeId) value`. A negative type id
 * defines type -id (a wireType value follows); a positive one carries a value of that type. Structs are
 * sent as (field-number delta, value) pairs ending with a 0 delta; zero values are left out.
 */

export type GobBasic = 'bool' | 'int' | 'uint' | 'float' | 'bytes' | 'string';
export interface GobStruct {
  kind: 'struct';
  name: string;
  fields: ReadonlyArray<readonly [name: string, type: GobType]>;
}
export interface GobSlice {
  kind: 'slice';
  elem: GobType;
}
export type GobType = GobBasic | GobStruct | GobSlice;

const BASIC_IDS: Record<GobBasic, number> = { bool: 1, int: 2, uint: 3, float: 4, bytes: 5, string: 6 };
const FIRST_USER_ID = 65;

/** Bytes of one gob stream being written. */
class Writer {
  private readonly parts: Buffer[] = [];

  uint(n: bigint | number): void {
    const v = BigInt(n);
    if (v < 0n) throw new RangeError(`gob: negative uint ${v}`);
    if (v < 128n) {
      this.parts.push(Buffer.from([Number(v)]));
      return;
    }
    const bytes: number[] = [];
    for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
    this.parts.push(Buffer.from([256 - bytes.length, ...bytes]));
  }

  int(n: bigint | number): void {
    const v = BigInt(n);
    this.uint(v < 0n ? ((~v) << 1n) | 1n : v << 1n);
  }

  bytes(b: Buffer): void {
    this.uint(b.length);
    this.parts.push(b);
  }

  string(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }

  float(f: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(f);
    this.uint(b.readBigUInt64LE()); // gob sends a float's bytes reversed, as a uint
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function isZero(type: GobType, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof type !== 'string') return type.kind === 'slice' && (value as unknown[]).length === 0;
  switch (type) {
    case 'bool':
      return value === false;
    case 'int':
    case 'uint':
    case 'float':
      return value === 0 || value === 0n;
    case 'bytes':
    case 'string':
      return (value as { length: number }).length === 0;
  }
}

/** The encoding side of one stream: type definitions go out once, before the first value that needs them. */
export class GobEncoder {
  private nextId = FIRST_USER_ID;
  private readonly ids = new Map<GobStruct | GobSlice, number>();

  /** The messages for one value of a struct type: its type definitions (the first time) and the value. */
  encode(type: GobStruct, value: Record<string, unknown>): Buffer {
    const definitions: Buffer[] = [];
    this.define(type, definitions);
    const w = new Writer();
    w.int(this.idOf(type));
    this.writeStruct(w, type, value);
    return Buffer.concat([...definitions, message(w.done())]);
  }

  private idOf(type: GobType): number {
    return typeof type === 'string' ? BASIC_IDS[type] : this.ids.get(type)!;
  }

  /** Like Go's encoder: ids for the type and every type it refers to, then a definition for each new one. */
  private define(type: GobType, out: Buffer[]): void {
    const fresh: Array<GobStruct | GobSlice> = [];
    const assign = (t: GobType) => {
      if (typeof t === 'string' || this.ids.has(t)) return;
      this.ids.set(t, this.nextId++);
      fresh.push(t);
      for (const inner of t.kind === 'struct' ? t.fields.map(([, x]) => x) : [t.elem]) assign(inner);
    };
    assign(type);
    for (const t of fresh) out.push(message(this.definition(t)));
  }

  /** `int(-id) wireType{SliceT (field 1) | StructT (field 2)}`, each holding {CommonType{Name, Id}, ...}. */
  private definition(type: GobStruct | GobSlice): Buffer {
    const id = this.idOf(type);
    const w = new Writer();
    w.int(-id);
    if (type.kind === 'slice') {
      w.uint(2);
      w.uint(1);
      writeCommon(w, typeName(type), id);
      w.uint(1);
      w.int(this.idOf(type.elem));
      w.uint(0);
    } else {
      w.uint(3);
      w.uint(1);
      writeCommon(w, type.name, id);
      if (type.fields.length > 0) {
        w.uint(1);
        w.uint(type.fields.length);
        for (const [name, t] of type.fields) {
          w.uint(1);
          w.string(name);
          w.uint(1);
          w.int(this.idOf(t));
          w.uint(0);
        }
      }
      w.uint(0);
    }
    w.uint(0);
    return w.done();
  }

  private writeStruct(w: Writer, type: GobStruct, value: Record<string, unknown>): void {
    let last = -1;
    type.fields.forEach(([name, t], i) => {
      const v = value[name];
      if (typeof t === 'string' ? isZero(t, v) : v === undefined || v === null || (t.kind === 'slice' && isZero(t, v))) return;
      w.uint(i - last);
      last = i;
      this.writeValue(w, t, v);
    });
    w.uint(0);
  }

  private writeValue(w: Writer, type: GobType, v: unknown): void {
    if (typeof type !== 'string') {
      if (type.kind === 'struct') return this.writeStruct(w, type, v as Record<string, unknown>);
      const items = v as unknown[];
      w.uint(items.length);
      for (const item of items) this.writeValue(w, type.elem, item);
      return;
    }
    switch (type) {
      case 'bool':
        return w.uint(v ? 1 : 0);
      case 'int':
        return w.int(v as number | bigint);
      case 'uint':
        return w.uint(v as number | bigint);
      case 'float':
        return w.float(v as number);
      case 'bytes':
        return w.bytes(v as Buffer);
      case 'string':
        return w.string(v as string);
    }
  }
}

function typeName(t: GobType): string {
  if (typeof t === 'string') return t;
  return t.kind === 'struct' ? t.name : `[]${typeName(t.elem)}`;
}

function writeCommon(w: Writer, name: string, id: number): void {
  w.uint(1);
  w.string(name);
  w.uint(1);
  w.int(id);
  w.uint(0);
}

function message(body: Buffer): Buffer {
  const w = new Writer();
  w.uint(body.length);
  return Buffer.concat([w.done(), body]);
}

/** A type as the other side defined it on the stream. */
type WireType =
  | { kind: 'struct'; name: string; fields: Array<{ name: string; id: number }> }
  | { kind: 'slice'; elem: number }
  | { kind: 'array'; elem: number; len: number }
  | { kind: 'map'; key: number; elem: number }
  | { kind: 'opaque' }; // GobEncoder / BinaryMarshaler / TextMarshaler: their bytes

const f = (name: string, id: number) => ({ name, id });
/** gob's own definitions (ids 16-23, with 24 ours for gobEncoderType), needed to read wireType values. */
const BOOTSTRAP: Array<[number, WireType]> = [
  [16, { kind: 'struct', name: 'wireType', fields: [f('ArrayT', 17), f('SliceT', 19), f('StructT', 20), f('MapT', 23), f('GobEncoderT', 24), f('BinaryMarshalerT', 24), f('TextMarshalerT', 24)] }],
  [17, { kind: 'struct', name: 'arrayType', fields: [f('CommonType', 18), f('Elem', 2), f('Len', 2)] }],
  [18, { kind: 'struct', name: 'CommonType', fields: [f('Name', 6), f('Id', 2)] }],
  [19, { kind: 'struct', name: 'sliceType', fields: [f('CommonType', 18), f('Elem', 2)] }],
  [20, { kind: 'struct', name: 'structType', fields: [f('CommonType', 18), f('Field', 22)] }],
  [21, { kind: 'struct', name: 'fieldType', fields: [f('Name', 6), f('Id', 2)] }],
  [22, { kind: 'slice', elem: 21 }],
  [23, { kind: 'struct', name: 'mapType', fields: [f('CommonType', 18), f('Key', 2), f('Elem', 2)] }],
  [24, { kind: 'struct', name: 'gobEncoderType', fields: [f('CommonType', 18)] }],
];

export class GobError extends Error {}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new GobError('gob: unexpected end of message');
    return this.buf[this.pos++]!;
  }

  bigUint(): bigint {
    const first = this.byte();
    if (first < 128) return BigInt(first);
    const n = 256 - first;
    if (n > 8) throw new GobError(`gob: bad uint length ${n}`);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.byte());
    return v;
  }

  uint(): number {
    return Number(this.bigUint());
  }

  int(): number {
    const u = this.bigUint();
    return Number(u & 1n ? ~(u >> 1n) : u >> 1n);
  }

  float(): number {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(this.bigUint());
    return b.readDoubleBE();
  }

  take(n: number): Buffer {
    if (n > this.left) throw new GobError('gob: a length runs past the end of the message');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** The decoding side of one stream: feed it bytes as they arrive; it returns each complete value. */
export class GobDecoder {
  private readonly types = new Map<number, WireType>(BOOTSTRAP);
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const values: unknown[] = [];
    for (;;) {
      const header = new Reader(this.pending);
      let length: number;
      try {
        length = header.uint();
      } catch (e) {
        if (e instanceof GobError && this.pending.length < 9) break; // the count itself is still arriving
        throw e;
      }
      if (header.left < length) break;
      const body = new Reader(header.take(length));
      this.pending = this.pending.subarray(header.pos);
      const value = this.readMessage(body);
      if (value !== undefined) values.push(value.v);
    }
    return values;
  }

  /** A type definition (remembered; undefined) or a value. */
  private readMessage(r: Reader): { v: unknown } | undefined {
    const id = r.int();
    if (id < 0) {
      const wire = this.readStruct(r, this.struct(16)) as Record<string, Record<string, unknown> | undefined>;
      this.types.set(-id, toWireType(wire, -id));
      return undefined;
    }
    const type = this.types.get(id);
    if (type?.kind === 'struct') return { v: this.readStruct(r, type) };
    if (r.uint() !== 0) throw new GobError('gob: a top-level value that is not a struct must start with a 0 delta');
    return { v: this.readValue(r, id) };
  }

  private struct(id: number): Extract<WireType, { kind: 'struct' }> {
    const t = this.types.get(id);
    if (t?.kind !== 'struct') throw new GobError(`gob: type ${id} is not a struct`);
    return t;
  }

  private readStruct(r: Reader, type: Extract<WireType, { kind: 'struct' }>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let field = -1; ; ) {
      const delta = r.uint();
      if (delta === 0) return out;
      field += delta;
      const def = type.fields[field];
      if (!def) throw new GobError(`gob: field ${field} of ${type.name} is not defined`);
      out[def.name] = this.readValue(r, def.id);
    }
  }

  private readValue(r: Reader, id: number): unknown {
    switch (id) {
      case 1:
        return r.uint() !== 0;
      case 2:
        return r.int();
      case 3:
        return r.uint();
      case 4:
        return r.float();
      case 5:
        return Buffer.from(r.take(r.uint()));
      case 6:
        return r.take(r.uint()).toString('utf8');
      case 7:
        return [r.float(), r.float()];
      case 8:
        return this.readInterface(r);
    }
    const type = this.types.get(id);
    if (!type) throw new GobError(`gob: type ${id} was never defined on this stream`);
    switch (type.kind) {
      case 'struct':
        return this.readStruct(r, type);
      case 'slice':
      case 'array': {
        const n = r.uint();
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.push(this.readValue(r, type.elem));
        return items;
      }
      case 'map': {
        const n = r.uint();
        const entries: Array<[unknown, unknown]> = [];
        for (let i = 0; i < n; i++) entries.push([this.readValue(r, type.key), this.readValue(r, type.elem)]);
        return new Map(entries);
      }
      case 'opaque':
        return Buffer.from(r.take(r.uint()));
    }
  }

  /** An interface value: the concrete type's registered name, its id and the value, delimited. */
  private readInterface(r: Reader): unknown {
    const name = r.take(r.uint()).toString('utf8');
    if (name === '') return null;
    const id = r.int();
    const inner = new Reader(r.take(r.uint()));
    const type = this.types.get(id);
    if (type?.kind === 'struct') return { type: name, value: this.readStruct(inner, type) };
    inner.uint(); // the 0 delta of a non-struct value
    return { type: name, value: this.readValue(inner, id) };
  }
}

function toWireType(wire: Record<string, Record<string, unknown> | undefined>, id: number): WireType {
  const common = (t: Record<string, unknown>) => (t.CommonType ?? {}) as { Name?: string };
  if (wire.StructT) {
    const fields = ((wire.StructT.Field ?? []) as Array<{ Name?: string; Id?: number }>).map((x) => ({ name: x.Name ?? '', id: x.Id ?? 0 }));
    return { kind: 'struct', name: common(wire.StructT).Name ?? `type${id}`, fields };
  }
  if (wire.SliceT) return { kind: 'slice', elem: (wire.SliceT.Elem as number) ?? 0 };
  if (wire.ArrayT) return { kind: 'array', elem: (wire.ArrayT.Elem as number) ?? 0, len: (wire.ArrayT.Len as number) ?? 0 };
  if (wire.MapT) return { kind: 'map', key: (wire.MapT.Key as number) ?? 0, elem: (wire.MapT.Elem as number) ?? 0 };
  if (wire.GobEncoderT || wire.BinaryMarshalerT || wire.TextMarshalerT) return { kind: 'opaque' };
  throw new GobError(`gob: type ${id} is defined as nothing gob knows`);
}
