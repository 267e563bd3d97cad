/**
 * SCF: Start Local HTTP Gateway / Stop Local HTTP Gateway. The gateway runs as its own process
 * (`scf-toolkit gateway`, the bundled CLI) with every serverless.yml of the workspace; each request and
 * the functions' logs stream into the SCF output. Only in a trusted workspace: it runs the functions.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import type { FunctionsTree } from '../views/functionsTree';
import type { OutputView } from '../views/output';
import { discoveryEnv, runtimePathsSetting } from '../views/emulatorClient';
import type { ServicesStatus } from '../views/servicesStatus';
import { untrustedMessage } from './trust';
import type { GatewayListening } from '../cli/commands/gateway';


export interface GatewayApi {
  /** The gateway's address while it runs. */
  url(): string | undefined;
  /** The route conflicts the gateway reported when it last started (the tests read them). */
  conflicts(): string[];
}

export function registerGateway(context: vscode.ExtensionContext, deps: { tree: FunctionsTree; output: OutputView; services: ServicesStatus }): GatewayApi {
  let child: ChildProcess | undefined;
  let url: string | undefined;
  let lastConflicts: string[] = [];

  const stop = () => {
    if (!child) return;
    child.kill('SIGTERM');
    child = undefined;
    url = undefined;
    deps.services.gateway(undefined);
    void vscode.commands.executeCommand('setContext', 'scf.gatewayRunning', false);
  };

  const start = async () => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(untrustedMessage('the local HTTP gateway'), 'Manage Workspace Trust').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return undefined;
    }
    if (child && url) {
      void vscode.window.showInformationMessage(`SCF: the local HTTP gateway is already running at ${url}`, 'Open').then((a) => a && void vscode.env.openExternal(vscode.Uri.parse(url!)));
      return url;
    }
    await deps.tree.whenReady();
    const files = [...new Set(deps.tree.functions().map((f) => f.file))];
    if (files.length === 0) {
      void vscode.window.showErrorMessage('SCF: no serverless.yml with functions in this workspace for the gateway to serve.');
      return undefined;
    }
    const port = vscode.workspace.getConfiguration('scf.gateway').get<number>('port', 0);
    const python = vscode.workspace.getConfiguration('scf').get<string>('pythonPath', '').trim();
    const maxInstances = vscode.workspace.getConfiguration('scf.gateway').get<number>('maxInstancesPerFunction', 10);
    const runtimePaths = Object.entries(runtimePathsSetting(vscode.workspace.getConfiguration('scf')) ?? {}).flatMap(([k, v]) => ['--runtime-path', `${k}=${v}`]);
    const args = ['gateway', ...files, '--port', String(port), '--max-instances', String(maxInstances), ...(python ? ['--python', python] : []), ...runtimePaths];
    // Nothing of the editor's environment (and any credentials in it) goes to the gateway.
    const proc = fork(context.asAbsolutePath('dist/cli.js'), args, { env: discoveryEnv(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child = proc;
    deps.output.info(`Starting the local HTTP gateway for ${files.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}...`);
    let routes = 0;
    let conflicts: string[] = [];
    const started = new Promise<string | undefined>((resolve) => {
      proc.on('message', (m: Partial<GatewayListening>) => {
        if (m?.type !== 'gateway.listening' || typeof m.url !== 'string') return;
        routes = m.routes?.length ?? 0;
        conflicts = Array.isArray(m.conflicts) ? m.conflicts : [];
        resolve(m.url);
      });
      createInterface({ input: proc.stdout! }).on('line', (line) => deps.output.info(line));
      createInterface({ input: proc.stderr! }).on('line', (line) => deps.output.info(line));
      proc.on('exit', (code) => {
        if (child === proc) {
          child = undefined;
          url = undefined;
          deps.services.gateway(undefined);
          void vscode.commands.executeCommand('setContext', 'scf.gatewayRunning', false);
        }
        deps.output.info(`The local HTTP gateway stopped${code ? ` (exit code ${code})` : ''}.`);
        resolve(undefined);
      });
    });
    url = await started;
    if (!url) {
      void vscode.window.showErrorMessage('SCF: the local HTTP gateway did not start; see the SCF output.', 'Show Output').then((a) => a && deps.output.show());
      return undefined;
    }
    void vscode.commands.executeCommand('setContext', 'scf.gatewayRunning', true);
    deps.services.gateway(url, routes);
    lastConflicts = conflicts;
    // Two functions on one route: only the first gets its requests, which nobody would guess.
    const notify = conflicts.length
      ? vscode.window.showWarningMessage(
          `SCF: local HTTP gateway at ${url}, but ${conflicts.length === 1 ? `a route is declared twice: ${conflicts[0]}` : `${conflicts.length} routes are declared more than once (see the SCF output)`}`,
          'Show Output',
          'Open',
        )
      : vscode.window.showInformationMessage(`SCF: local HTTP gateway at ${url}`, 'Open', 'Show Output');
    void notify.then((a) => {
      if (a === 'Open') void vscode.env.openExternal(vscode.Uri.parse(url!));
      else if (a === 'Show Output') deps.output.show();
    });
    return url;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('scf.startGateway', start),
    vscode.commands.registerCommand('scf.stopGateway', stop),
    { dispose: stop },
  );
  return { url: () => url, conflicts: () => lastConflicts };
}
