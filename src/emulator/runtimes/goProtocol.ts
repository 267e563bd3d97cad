/**
 * SCF's Go protocol as the host speaks it: net/rpc over one TCP connection to the user's program, with
 * gob encoding (Go's rpc.NewClient: each call is a `Request{ServiceMethod, Seq}` header then the
 * argument; each reply a `Response{ServiceMethod, Seq, Error}` header then the result). The messages
 * are those of tencentyun/scf-go-lib's `cloudfunction/messages`: `Function.Ping` and
 * `Function.Invoke(InvokeRequest) InvokeResponse`.
 */
import type { Socket } from 'node:net';
import { GobDecoder, GobEncoder, type GobStruct } from './gob';

const REQUEST_HEADER: GobStruct = { kind: 'struct', name: 'Request', fields: [['ServiceMethod', 'string'], ['Seq', 'uint']] };
const PING_REQUEST: GobStruct = { kind: 'struct', name: 'PingRequest', fields: [] };
const TIMESTAMP: GobStruct = { kind: 'struct', name: 'InvokeRequest_Timestamp', fields: [['Seconds', 'int'], ['Nanos', 'int']] };
const INVOKE_REQUEST: GobStruct = {
  kind: 'struct',
  name: 'InvokeRequest',
  fields: [
    ['Payload', 'bytes'],
    ['RequestId', 'string'],
    ['TraceId', 'string'],
    ['Deadline', TIMESTAMP],
    ['InvokedFunctionUnique', 'string'],
    ['ClientContext', 'bytes'],
    ['Namespace', 'string'],
    ['FunctionName', 'string'],
    ['FunctionVersion', 'string'],
    ['MemoryLimitInMb', 'int'],
    ['TimeLimitInMs', 'int'],
    ['Environment', 'string'],
    ['TencentcloudRegion', 'string'],
    ['TencentcloudAppID', 'string'],
    ['TencentcloudUin', 'string'],
    ['FunctionTrace', 'string'],
  ],
};

/** scf-go-lib's messages.InvokeRequest. */
export interface InvokeRequest {
  Payload: Buffer;
  RequestId: string;
  TraceId?: string;
  Deadline: { Seconds: number; Nanos: number };
  InvokedFunctionUnique?: string;
  ClientContext?: Buffer;
  Namespace: string;
  FunctionName: string;
  FunctionVersion: string;
  MemoryLimitInMb: number;
  TimeLimitInMs: number;
  /** A JSON object of the function's variables; scf-go-lib sets each in the process (os.Setenv). */
  Environment: string;
  TencentcloudRegion: string;
  TencentcloudAppID: string;
  TencentcloudUin: string;
  FunctionTrace?: string;
}

export interface StackFrame {
  Path?: string;
  Line?: number;
  Label?: string;
}

/** scf-go-lib's messages.InvokeResponse (fields left out on the wire are zero values, i.e. absent). */
export interface InvokeResponse {
  Payload?: Buffer;
  Error?: { Message?: string; Type?: string; StackTrace?: StackFrame[]; ShouldExit?: boolean };
}

export type RpcReply = { ok: true; body: Record<string, unknown> } | { ok: false; error: string; closed?: boolean };

interface ResponseHeader {
  ServiceMethod?: string;
  Seq?: number;
  Error?: string;
}

export class GoRpcClient {
  private readonly encoder = new GobEncoder();
  private readonly decoder = new GobDecoder();
  private seq = 0;
  private readonly pending = new Map<number, (r: RpcReply) => void>();
  private header: ResponseHeader | undefined;
  private closedReason: string | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      let values: unknown[];
      try {
        values = this.decoder.push(chunk);
      } catch (e) {
        this.close(`the Go program sent something that is not net/rpc gob: ${(e as Error).message}`);
        return;
      }
      for (const v of values) this.take(v as Record<string, unknown>);
    });
    socket.on('error', (e) => this.close(e.message));
    socket.on('close', () => this.close('the Go program closed the connection'));
  }

  /** Whether the connection holds this Node process's event loop open (not while the instance is idle). */
  keepAlive(on: boolean): void {
    if (on) this.socket.ref();
    else this.socket.unref();
  }

  /** Headers and bodies alternate; a body answers the call its header named. */
  private take(value: Record<string, unknown>): void {
    if (!this.header) {
      this.header = value as ResponseHeader;
      return;
    }
    const header = this.header;
    this.header = undefined;
    const resolve = this.pending.get(header.Seq ?? 0);
    this.pending.delete(header.Seq ?? 0);
    resolve?.(header.Error ? { ok: false, error: header.Error } : { ok: true, body: value });
  }

  private close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const resolve of this.pending.values()) resolve({ ok: false, error: reason, closed: true });
    this.pending.clear();
    this.socket.destroy();
  }

  private call(method: string, type: GobStruct, body: Record<string, unknown>): Promise<RpcReply> {
    if (this.closedReason !== undefined) return Promise.resolve({ ok: false, error: this.closedReason, closed: true });
    const seq = this.seq++;
    const bytes = Buffer.concat([this.encoder.encode(REQUEST_HEADER, { ServiceMethod: method, Seq: seq }), this.encoder.encode(type, body)]);
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.socket.write(bytes);
    });
  }

  ping(): Promise<RpcReply> {
    return this.call('Function.Ping', PING_REQUEST, {});
  }

  invoke(request: InvokeRequest): Promise<RpcReply> {
    return this.call('Function.Invoke', INVOKE_REQUEST, request as unknown as Record<string, unknown>);
  }

  destroy(): void {
    this.close('closed by the emulator');
  }
}
