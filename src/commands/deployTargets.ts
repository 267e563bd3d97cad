/**
 * Where a deploy goes, for the editor: the `scf.deploy.target` setting, the local endpoint (started
 * on demand as its own process, `scf-toolkit serve`, over `<first workspace folder>/.scf/endpoint`),
 * and Tencent Cloud credentials (.env, environment, then SecretStorage).
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { createScfClient, DEPLOY_TARGETS, type DeployTarget } from '../deploy/client';
import { resolveTencentCredentials } from '../deploy/credentials';
import { readLocalCredentials, loadOrCreateLocalCredentials } from '../deploy/endpoint/credentials';
import { hostEnvironment } from '../emulator/environment';
import { ensureEndpoint, type EndpointProcess } from '../deploy/endpointProcess';
import { defaultStateDir, findRunningEndpoint } from '../deploy/localTarget';
import type { Connection, ConnectionProblem, TargetConnector } from '../views/deployedModel';
import { ok } from '../model/outcome';
import { readStoredCredentials } from './deployCredentials';

export type { Connection };

export function targetLabel(target: DeployTarget, region: string): string {
  return target === 'local' ? 'the local endpoint' : `Tencent Cloud (${region})`;
}

export class DeployTargets implements TargetConnector, vscode.Disposable {
  private endpoint: EndpointProcess | undefined;
  private starting: Promise<string> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    /** Lines from the local endpoint (one per API request). */
    private readonly log: (line: string) => void,
    /** The address of the endpoint this window started, while it runs (undefined once it stopped). */
    private readonly onLocalRunning: (url: string | undefined) => void = () => undefined,
  ) {}

  configuredTarget(): DeployTarget {
    const t = vscode.workspace.getConfiguration('scf.deploy').get<string>('target', 'local');
    return (DEPLOY_TARGETS as readonly string[]).includes(t) ? (t as DeployTarget) : 'local';
  }

  /** `.scf/endpoint` of the first workspace folder (else beside the given file). */
  stateDir(anchorFile?: string): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? (anchorFile ? dirname(anchorFile) : undefined);
    return folder ? defaultStateDir(folder) : undefined;
  }

  /** The running local endpoint's URL; with `start`, starts one when none runs (trusted workspaces only). */
  async localUrl(start: boolean, anchorFile?: string): Promise<string | undefined> {
    const stateDir = this.stateDir(anchorFile);
    if (!stateDir) return undefined;
    if (this.endpoint?.running) return this.endpoint.url;
    if (!start) return findRunningEndpoint(stateDir);
    if (!vscode.workspace.isTrusted) return undefined;
    this.starting ??= (async () => {
      const config = vscode.workspace.getConfiguration('scf');
      // Nothing of the editor's environment (credentials, tokens) reaches the endpoint and its handlers.
      const nodePath = config.get<string>('nodePath', '').trim();
      const env = hostEnvironment(process.env, { electron: !nodePath && process.versions.electron !== undefined });
      const got = await ensureEndpoint(this.endpoint, {
        cliScript: this.context.asAbsolutePath('dist/cli.js'),
        stateDir,
        execPath: config.get<string>('nodePath', '').trim() || undefined,
        pythonPath: config.get<string>('pythonPath', '').trim() || undefined,
        env,
        onLine: this.log,
      });
      if (got.process && got.process !== this.endpoint) {
        const started = got.process;
        this.endpoint = started;
        this.onLocalRunning(started.url);
        void started.whenExited().then(() => {
          if (this.endpoint === started || !this.endpoint?.running) this.onLocalRunning(undefined);
        });
      }
      return got.url;
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** An SDK client for the target, or why there is none. */
  async connect(target: DeployTarget, region: string, anchorFile?: string, start = true): Promise<Connection> {
    if (target === 'local') {
      if (!vscode.workspace.isTrusted) return noConnection('deploy.untrusted', 'The local endpoint runs deployed code on this machine; trust the workspace to use it.', 'trust');
      const stateDir = this.stateDir(anchorFile);
      if (!stateDir) return noConnection('deploy.noFolder', 'Open a folder: the local endpoint keeps its state in the workspace (.scf/endpoint).', 'openFolder');
      let url: string | undefined;
      try {
        url = await this.localUrl(start, anchorFile);
      } catch (e) {
        return noConnection('deploy.endpointNotStarted', `The local endpoint did not start: ${(e as Error).message}. See the SCF output, then run "SCF: Deploy" again.`);
      }
      if (!url) return noConnection('deploy.endpointNotRunning', 'The local endpoint is not running; start it from the Deployed view or deploy to start it.');
      const credentials = readLocalCredentials(stateDir) ?? loadOrCreateLocalCredentials(stateDir);
      return ok({ client: createScfClient({ target, region, credentials, endpointUrl: url }), label: targetLabel(target, region), secrets: credentials });
    }
    const projectDir = anchorFile ? dirname(anchorFile) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
    const credentials = resolveTencentCredentials({ projectDir, env: process.env, stored: await readStoredCredentials(this.context.secrets) });
    if (!credentials) {
      return noConnection('deploy.credentials', 'No Tencent Cloud credentials: run "SCF: Set Credentials", or put TENCENT_SECRET_ID and TENCENT_SECRET_KEY in a .env beside serverless.yml or in the environment.', 'setCredentials');
    }
    return ok({ client: createScfClient({ target, region, credentials }), label: targetLabel(target, region), secrets: credentials });
  }

  async stopLocal(): Promise<void> {
    const ep = this.endpoint;
    this.endpoint = undefined;
    await ep?.stop();
  }

  dispose(): void {
    void this.stopLocal();
  }
}

function noConnection(code: string, message: string, action?: ConnectionProblem['action']): Connection {
  return { ok: false, error: { code, message, ...(action ? { action } : {}) } };
}
