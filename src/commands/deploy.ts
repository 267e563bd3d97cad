/**
 * Deploy, Deploy To..., and the "Deployed" view's commands (Invoke Deployed, Show Recent Logs,
 * Delete, Refresh, Stop Local Endpoint), plus Set/Clear Credentials. The work is src/deploy's; this
 * file asks, shows progress (a cancellable notification) and writes every step to the SCF output.
 *
 * Wiring (src/extension.ts): `const deploy = registerDeploy(context, { tree, output });`
 */
import * as vscode from 'vscode';
import { ApiCallError, call, DEPLOY_TARGETS, type DeployTarget } from '../deploy/client';
import { redact } from '../deploy/credentials';
import { deployFunction, type DeployResult } from '../deploy/deployer';
import { bindLayers } from '../deploy/layerDeploy';
import { invokeDeployed, recentLogs, remoteInvokeResult } from '../deploy/remote';
import type { InvokeResult } from '../emulator/types';
import { statusLabel } from '../emulator/statusCodes';
import { listEvents, readEvent } from '../events/store';
import { templateFor } from '../events/fromTrigger';
import type { FunctionSpec } from '../model';
import { DeployedTree } from '../views/deployedTree';
import type { DeployedNode } from '../views/deployedModel';
import type { FunctionsTree } from '../views/functionsTree';
import type { OutputView } from '../views/output';
import type { ServicesStatus } from '../views/servicesStatus';
import type { InvocationStatus } from '../views/statusBar';
import { registerCredentialsCommands } from './deployCredentials';
import { DeployTargets, targetLabel, type Connection } from './deployTargets';
import { pickEvent, resolveFunction } from './pick';

export interface DeployApi {
  targets: DeployTargets;
  deployed: DeployedTree;
  deploy(arg?: unknown, options?: { target?: DeployTarget }): Promise<DeployResult | undefined>;
}

type DeployedFunctionNode = Extract<DeployedNode, { kind: 'deployedFunction' }>;

export function registerDeploy(context: vscode.ExtensionContext, deps: { tree: FunctionsTree; output: OutputView; status: InvocationStatus; services: ServicesStatus }): DeployApi {
  const { tree, output } = deps;
  const targets = new DeployTargets(context, (line) => output.info(`[local endpoint] ${line}`), (url) => deps.services.endpoint(url));
  const deployed = new DeployedTree(targets, tree);
  const view = vscode.window.createTreeView('scf.deployed', { treeDataProvider: deployed, showCollapseAll: true });
  const templatesDir = context.asAbsolutePath('dist/templates');

  const showConnectionProblem = async (conn: Extract<Connection, { ok: false }>) => {
    const actions = conn.error.action === 'setCredentials' ? ['Set Credentials'] : conn.error.action === 'trust' ? ['Manage Workspace Trust'] : [];
    const picked = await vscode.window.showErrorMessage(`SCF: ${conn.error.message}`, ...actions);
    if (picked === 'Set Credentials') await vscode.commands.executeCommand('scf.setCredentials');
    if (picked === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
  };

  async function deploy(arg?: unknown, options: { target?: DeployTarget } = {}): Promise<DeployResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      await showConnectionProblem({ ok: false, error: { code: 'deploy.untrusted', message: 'Deploying packages and runs this workspace\'s code; trust the workspace to deploy.', action: 'trust' } });
      return undefined;
    }
    const spec = await resolveFunction(tree, arg, 'Deploy');
    if (!spec) return undefined;
    const target = options.target ?? targets.configuredTarget();
    const conn = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'SCF: connecting' }, () => targets.connect(target, spec.region, spec.file));
    if (!conn.ok) {
      await showConnectionProblem(conn);
      return undefined;
    }
    const say = (line: string) => output.info(redact(line, conn.value.secrets));
    say(`▶ Deploy ${spec.name} (${spec.namespace}, ${spec.region}) to ${conn.value.label} from ${vscode.workspace.asRelativePath(spec.file)}`);
    output.show();
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `SCF: Deploying ${spec.name} to ${conn.value.label}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const onProgress = (p: { message: string }) => {
          say(`  ${p.message}`);
          progress.report({ message: redact(p.message, conn.value.secrets) });
        };
        const pollIntervalMs = target === 'local' ? 200 : 1000;
        // The app's layers this function binds by output are published first.
        const layers = await bindLayers(spec, { client: conn.value.client, targetLabel: conn.value.label, signal: abort.signal, pollIntervalMs, onProgress, published: new Map() });
        if (!layers.ok) return layers;
        return deployFunction({
          spec,
          client: conn.value.client,
          targetLabel: conn.value.label,
          signal: abort.signal,
          pollIntervalMs,
          layers: layers.value,
          secrets: [conn.value.secrets.secretId, conn.value.secrets.secretKey],
          onProgress,
        });
      },
    );
    deployed.refresh();
    if (!outcome.ok) {
      say(`◀ ${outcome.error.message}`);
      say('');
      if (outcome.error.code === 'deploy.canceled') {
        void vscode.window.showWarningMessage(`SCF: deploy of ${spec.name} canceled.`);
        return undefined;
      }
      const auth = /^api\.AuthFailure/.test(outcome.error.code) && target === 'tencent';
      const picked = await vscode.window.showErrorMessage(`SCF: deploy of ${spec.name} failed: ${redact(outcome.error.message, conn.value.secrets)}`, ...(auth ? ['Set Credentials'] : []), 'Show Output');
      if (picked === 'Set Credentials') await vscode.commands.executeCommand('scf.setCredentials');
      if (picked === 'Show Output') output.show();
      return undefined;
    }
    const r = outcome.value;
    say(`◀ Deployed ${spec.name}: ${r.created ? 'created' : `${r.codeUploaded ? 'code updated' : 'code unchanged'}, ${r.configurationUpdated ? 'configuration updated' : 'configuration unchanged'}`}, ${r.status}`);
    say('');
    void vscode.window.showInformationMessage(`SCF: ${spec.name} deployed to ${conn.value.label} (${r.fileCount} files, ${(r.zipBytes / 1024).toFixed(1)} KB).`, 'Invoke Deployed').then((a) => {
      if (a) void invokeDeployedCommand({ target, spec });
    });
    return r;
  }

  async function deployTo(arg?: unknown): Promise<DeployResult | undefined> {
    const configured = targets.configuredTarget();
    const picked = await vscode.window.showQuickPick(
      DEPLOY_TARGETS.map((t) => ({
        label: t === 'local' ? '$(vm) Local endpoint' : '$(cloud) Tencent Cloud',
        description: t === configured ? 'default (scf.deploy.target)' : undefined,
        detail: t === 'local' ? 'The SCF API on 127.0.0.1; deploy and invoke without a cloud account' : 'The real platform, in the region serverless.yml names',
        target: t,
      })),
      { title: 'SCF: Deploy To', placeHolder: 'Where to deploy' },
    );
    return picked ? deploy(arg, { target: picked.target }) : undefined;
  }

  /** The function a Deployed-view command is about. */
  function deployedTarget(arg: unknown): { target: DeployTarget; name: string; region: string; namespace: string; spec?: FunctionSpec } | undefined {
    const node = arg as Partial<DeployedFunctionNode> | undefined;
    if (node?.kind === 'deployedFunction' && node.fn && node.scope && node.target) {
      const spec = tree.functions().find((s) => s.name === node.fn!.name && s.namespace === node.scope!.namespace);
      return { target: node.target, name: node.fn.name, region: node.scope.region, namespace: node.scope.namespace, spec };
    }
    const direct = arg as { target?: DeployTarget; spec?: FunctionSpec } | undefined;
    if (direct?.spec && direct.target) return { target: direct.target, name: direct.spec.name, region: direct.spec.region, namespace: direct.spec.namespace, spec: direct.spec };
    return undefined;
  }

  async function eventFor(spec: FunctionSpec | undefined, name: string, named?: string): Promise<{ payload: string; label: string } | undefined> {
    if (spec && named) {
      // Named by the caller (tests, "Invoke Deployed" after a deploy with the last event): no pick.
      const event = (await listEvents(spec.file, spec.name)).find((e) => e.name === named);
      const read = event ? await readEvent(event) : undefined;
      if (read?.ok) return { payload: read.value, label: `test event "${named}"` };
      void vscode.window.showErrorMessage(`SCF: ${name} has no readable test event named "${named}"${read && !read.ok ? `: ${read.error.message}` : ''}`);
      return undefined;
    }
    if (spec) {
      const choice = (await pickEvent(spec, undefined, `Invoke deployed ${name}`))?.choice;
      if (choice && choice !== 'new') {
        if (choice.kind === 'template') return { payload: templateFor(choice.template, spec, templatesDir), label: `template "${choice.template.label}"` };
        const read = await readEvent(choice.event);
        if (!read.ok) {
          void vscode.window.showErrorMessage(`SCF: ${read.error.message}`);
          return undefined;
        }
        return { payload: read.value, label: `test event "${choice.event.name}"` };
      }
      if (!choice) return undefined;
    }
    const typed = await vscode.window.showInputBox({
      title: `Invoke deployed ${name}`,
      prompt: 'The event (a JSON object)',
      value: '{}',
      validateInput: (v) => {
        try {
          const parsed: unknown = JSON.parse(v);
          return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? undefined : 'The event must be a JSON object';
        } catch (e) {
          return `Not JSON: ${(e as Error).message}`;
        }
      },
    });
    return typed === undefined ? undefined : { payload: typed, label: 'typed event' };
  }

  /** Invokes a deployed function and shows it as a local invoke is shown: the same output and status bar. */
  async function invokeDeployedCommand(arg?: unknown, options: { event?: string } = {}): Promise<InvokeResult | undefined> {
    const t = deployedTarget(arg);
    if (!t) {
      void vscode.window.showInformationMessage('SCF: pick a function in the Deployed view to invoke it.');
      return undefined;
    }
    const event = await eventFor(t.spec, t.name, options.event);
    if (!event) return undefined;
    const conn = await targets.connect(t.target, t.region, t.spec?.file);
    if (!conn.ok) {
      await showConnectionProblem(conn);
      return undefined;
    }
    const where = `deployed on ${conn.value.label}`;
    output.begin(t.name, event.label, where, 'RequestResponse');
    deps.status.running(t.name, `on ${conn.value.label}`);
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `SCF: Invoking ${t.name} ${where}` }, () =>
        invokeDeployed(conn.value.client, { name: t.name, namespace: t.namespace, event: event.payload }),
      );
      const now = Date.now();
      for (const text of redact(r.log, conn.value.secrets).replace(/\n$/, '').split('\n')) {
        if (text) output.log({ requestId: r.requestId, stream: /^(START|END|REPORT) RequestId/.test(text) ? 'platform' : 'stdout', text, time: now });
      }
      // Our credentials never reach the output, whatever the function prints or returns.
      const result = remoteInvokeResult({ ...r, retMsg: redact(r.retMsg, conn.value.secrets), errMsg: redact(r.errMsg, conn.value.secrets) }, { memorySize: t.spec?.memorySize });
      output.end(result, t.spec?.file);
      deps.status.finished(t.name, event.label, result);
      if (result.statusCode !== 200) {
        void vscode.window.showErrorMessage(`SCF: deployed ${t.name} failed with ${statusLabel(result.statusCode)}${result.errorMessage ? `: ${result.errorMessage}` : ''}`, 'Show Output').then((a) => a && output.show());
      }
      return result;
    } catch (e) {
      deps.status.failed(t.name, e instanceof Error ? e.message : String(e));
      reportApiError(e, (l) => output.info(redact(l, conn.value.secrets)));
      return undefined;
    }
  }

  async function showLogs(arg?: unknown): Promise<void> {
    const t = deployedTarget(arg);
    if (!t) return void vscode.window.showInformationMessage('SCF: pick a function in the Deployed view to see its recent logs.');
    const conn = await targets.connect(t.target, t.region, t.spec?.file);
    if (!conn.ok) return showConnectionProblem(conn);
    const say = (line: string) => output.info(redact(line, conn.value.secrets));
    try {
      const logs = await recentLogs(conn.value.client, { name: t.name, namespace: t.namespace, limit: 20 });
      say(`▶ Recent logs of ${t.name} on ${conn.value.label} (${logs.length}, newest first)`);
      for (const l of logs) {
        say(`── ${l.startTime} · ${l.retCode === 0 ? '200 Success' : statusLabel(l.retCode)} · ${l.durationMs.toFixed(1)} ms · RequestId ${l.requestId}`);
        for (const line of l.log.replace(/\n$/, '').split('\n')) if (line) say(line);
      }
      if (logs.length === 0) say('(no invocations yet)');
      say('');
      output.show();
    } catch (e) {
      reportApiError(e, say);
    }
  }

  async function deleteDeployed(arg?: unknown): Promise<void> {
    const t = deployedTarget(arg);
    if (!t) return void vscode.window.showInformationMessage('SCF: pick a function in the Deployed view to delete it.');
    const where = targetLabel(t.target, t.region);
    const ok = await vscode.window.showWarningMessage(`Delete ${t.name} from ${where}? Its code, configuration${t.target === 'local' ? ' and logs' : ''} go with it.`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    const conn = await targets.connect(t.target, t.region, t.spec?.file);
    if (!conn.ok) return showConnectionProblem(conn);
    try {
      await call('DeleteFunction', () => conn.value.client.DeleteFunction({ FunctionName: t.name, Namespace: t.namespace }));
      output.info(`Deleted ${t.name} from ${where}`);
    } catch (e) {
      reportApiError(e, (l) => output.info(redact(l, conn.value.secrets)));
    }
    deployed.refresh();
  }

  function reportApiError(e: unknown, say: (l: string) => void): void {
    const message = e instanceof ApiCallError ? e.message : (e as Error)?.message ?? String(e);
    say(`◀ ${message}`);
    say('');
    void vscode.window.showErrorMessage(`SCF: ${message.split('\n')[0]}`, 'Show Output').then((a) => a && output.show());
  }

  context.subscriptions.push(
    targets,
    deployed,
    view,
    vscode.commands.registerCommand('scf.deploy', (arg?: unknown, options?: { target?: DeployTarget }) => deploy(arg, options)),
    vscode.commands.registerCommand('scf.deployTo', (arg?: unknown) => deployTo(arg)),
    vscode.commands.registerCommand('scf.deployed.invoke', (arg?: unknown, options?: { event?: string }) => invokeDeployedCommand(arg, options)),
    vscode.commands.registerCommand('scf.deployed.showLogs', (arg?: unknown) => showLogs(arg)),
    vscode.commands.registerCommand('scf.deployed.delete', (arg?: unknown) => deleteDeployed(arg)),
    vscode.commands.registerCommand('scf.deployed.refresh', () => deployed.refresh()),
    vscode.commands.registerCommand('scf.deployed.stopLocalEndpoint', async () => {
      await targets.stopLocal();
      deployed.refresh();
    }),
    ...registerCredentialsCommands(context, () => deployed.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('scf.deploy')) deployed.refresh();
    }),
  );
  return { targets, deployed, deploy };
}
