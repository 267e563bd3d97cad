/**
 * The one emulator host of the window, shared by Invoke Locally, the Test Explorer and async events
 * restored at start: a client configured from the `scf.*` settings (the python3 for Python
 * functions, the Node.js that runs the host and Node.js handlers; default the editor's own, or `node`
 * on PATH under desktop VS Code's Electron), replaced when those settings change (the old host ends
 * once its running invocations have).
 */
import * as vscode from 'vscode';
import { resolveLayerFolders } from './layerSetting';
import { EmulatorClient, type EmulatorClientOptions, type InvokeParams, type RunningInvocation } from '../emulator/client';
import { hostEnvironment } from '../emulator/environment';
import type { InvocationType, LogLine } from '../emulator/types';
import type { FunctionSpec } from '../model';

export class EmulatorHost implements vscode.Disposable {
  private client: EmulatorClient | undefined;
  private readonly running = new Map<EmulatorClient, number>();
  private readonly retired = new Set<EmulatorClient>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly options: Pick<EmulatorClientOptions, 'onAsyncLog' | 'onAsyncFinished'> = {},
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        // A new interpreter path takes effect with a new host.
        if (e.affectsConfiguration('scf.pythonPath') || e.affectsConfiguration('scf.nodePath') || e.affectsConfiguration('scf.runtimePaths')) this.reset();
      }),
    );
  }

  /** The client, started on first use. */
  get(): EmulatorClient {
    if (!this.client) {
      const config = vscode.workspace.getConfiguration('scf');
      const nodePath = config.get<string>('nodePath', '').trim();
      this.client = new EmulatorClient({
        hostScript: this.context.asAbsolutePath('dist/host.js'),
        pythonPath: config.get<string>('pythonPath', '').trim() || undefined,
        runtimePaths: runtimePathsSetting(config),
        execPath: nodePath || undefined,
        ...this.options,
      });
    }
    return this.client;
  }

  /** Invokes, keeping the host alive until the invocation has ended even if the settings change meanwhile. */
  invoke(params: InvokeParams, onLog: (line: LogLine) => void): RunningInvocation {
    const client = this.get();
    const running = client.invoke(params, onLog);
    this.running.set(client, (this.running.get(client) ?? 0) + 1);
    void running.outcome.finally(() => {
      const left = (this.running.get(client) ?? 1) - 1;
      this.running.set(client, left);
      if (left === 0 && this.retired.has(client)) void this.end(client);
    });
    return running;
  }

  /** The request for a function, with the window's settings (timeout override) and environment for `${env:X}`. */
  params(spec: FunctionSpec, payload: string, invocationType: InvocationType): InvokeParams {
    const params: InvokeParams = { target: spec.file, functionName: spec.name, payload, invocationType, interpolationEnv: stringEnv(process.env) };
    const timeoutOverride = vscode.workspace.getConfiguration('scf.invoke').get<number | null>('timeoutOverride', null);
    if (typeof timeoutOverride === 'number' && timeoutOverride > 0) params.timeoutOverride = timeoutOverride;
    const layers = resolveLayerFolders();
    if (Object.keys(layers).length) params.layerFolders = layers;
    return params;
  }

  private reset(): void {
    const old = this.client;
    this.client = undefined;
    if (!old) return;
    this.retired.add(old);
    if (!this.running.get(old)) void this.end(old);
  }

  private async end(client: EmulatorClient): Promise<void> {
    this.retired.delete(client);
    this.running.delete(client);
    await client.dispose();
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables) d.dispose();
    const all = [this.client, ...this.retired].filter((c): c is EmulatorClient => c !== undefined);
    this.client = undefined;
    await Promise.all(all.map((c) => this.end(c)));
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** PATH, HOME and where version managers keep interpreters: all of the editor's environment a child process gets. */
export function discoveryEnv(): NodeJS.ProcessEnv {
  return hostEnvironment(process.env, { electron: process.versions.electron !== undefined });
}

/** The scf.runtimePaths setting, its empty entries left out. */
export function runtimePathsSetting(config: vscode.WorkspaceConfiguration): Record<string, string> | undefined {
  const raw = config.get<Record<string, unknown>>('runtimePaths', {});
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) if (typeof v === 'string' && v.trim()) out[k] = v.trim();
  return Object.keys(out).length ? out : undefined;
}
