/**
 * Finding (or starting) the local endpoint for a deploy. `scf-toolkit serve` and the extension record
 * the endpoint they run in `<stateDir>/endpoint.json`; a deploy uses that one when it answers, and
 * otherwise starts an endpoint in its own process over the same state folder for as long as it needs.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FunctionRunner } from './endpoint/actions';
import { loadOrCreateLocalCredentials, type Credentials } from './endpoint/credentials';
import { startLocalEndpoint, type LocalEndpoint } from './endpoint/server';
import { isProcessAlive } from '../emulator/processTable';

export const ENDPOINT_INFO_FILE = 'endpoint.json';

/** The state folder under a workspace (or project) folder: `.scf/endpoint`. */
export function defaultStateDir(workspaceDir: string): string {
  return join(workspaceDir, '.scf', 'endpoint');
}

export interface EndpointInfo {
  url: string;
  pid: number;
}

export function writeEndpointInfo(stateDir: string, info: EndpointInfo): void {
  writeFileSync(join(stateDir, ENDPOINT_INFO_FILE), `${JSON.stringify(info)}\n`);
}

/** Removes endpoint.json if it still describes this process's endpoint. */
export function removeEndpointInfo(stateDir: string, url: string): void {
  const info = readEndpointInfo(stateDir);
  if (info && info.url === url && info.pid === process.pid) rmSync(join(stateDir, ENDPOINT_INFO_FILE), { force: true });
}

export function readEndpointInfo(stateDir: string): EndpointInfo | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(stateDir, ENDPOINT_INFO_FILE), 'utf8')) as Partial<EndpointInfo>;
    if (typeof raw.url === 'string' && typeof raw.pid === 'number') return { url: raw.url, pid: raw.pid };
  } catch {
    // none
  }
  return undefined;
}

function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The URL of a running endpoint over this state folder, if there is one. */
export async function findRunningEndpoint(stateDir: string): Promise<string | undefined> {
  const info = readEndpointInfo(stateDir);
  if (!info || !isProcessAlive(info.pid)) return undefined;
  return (await answers(info.url)) ? info.url : undefined;
}

export interface LocalConnection {
  url: string;
  credentials: Credentials;
  /** Whether we started the endpoint (and `release` stops it). */
  started: boolean;
  endpoint?: LocalEndpoint;
  release(): Promise<void>;
}

/**
 * An endpoint to talk to: `endpointUrl` if given, else the running one over `stateDir`, else a new one
 * in this process (advertised in endpoint.json while it runs when `advertise` is set).
 */
export async function connectLocal(opts: { stateDir: string; endpointUrl?: string; port?: number; runner?: FunctionRunner; advertise?: boolean; onRequest?: (line: string) => void }): Promise<LocalConnection> {
  const credentials = loadOrCreateLocalCredentials(opts.stateDir);
  const existing = opts.endpointUrl ?? (await findRunningEndpoint(opts.stateDir));
  if (existing) return { url: existing, credentials, started: false, release: async () => {} };
  const endpoint = await startLocalEndpoint({ stateDir: opts.stateDir, port: opts.port, runner: opts.runner, credentials, onRequest: opts.onRequest });
  if (opts.advertise) writeEndpointInfo(opts.stateDir, { url: endpoint.url, pid: process.pid });
  return {
    url: endpoint.url,
    credentials,
    started: true,
    endpoint,
    release: async () => {
      if (opts.advertise) removeEndpointInfo(opts.stateDir, endpoint.url);
      await endpoint.close();
    },
  };
}
