/**
 * The "Deployed" view: per target (local endpoint, Tencent Cloud), the functions deployed in the
 * regions and namespaces the workspace's serverless.yml files use, with their status.
 */
import * as vscode from 'vscode';
import type { DeployTarget } from '../deploy/client';
import { ApiCallError } from '../deploy/client';
import { redact } from '../deploy/credentials';
import { listDeployed } from '../deploy/remote';
import type { FunctionsTree } from './functionsTree';
import { functionNodes, messageNode, scopesOf, targetNodes, type DeployedNode, type TargetConnector } from './deployedModel';

export class DeployedTree implements vscode.TreeDataProvider<DeployedNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DeployedNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly targets: TargetConnector,
    private readonly functions: FunctionsTree,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  async getChildren(node?: DeployedNode): Promise<DeployedNode[]> {
    if (!node) return targetNodes(this.targets.configuredTarget(), await this.targets.localUrl(false).catch(() => undefined));
    if (node.kind !== 'target') return [];
    return this.functionsOf(node.target);
  }

  /** The deployed functions of a target (starting the local endpoint on demand). */
  async functionsOf(target: DeployTarget): Promise<DeployedNode[]> {
    await this.functions.whenReady();
    const specs = this.functions.functions();
    const scopes = scopesOf(specs);
    const names = new Set(specs.map((s) => s.name));
    const out: DeployedNode[] = [];
    for (const scope of scopes) {
      const conn = await this.targets.connect(target, scope.region, specs[0]?.file);
      if (!conn.ok) {
        const command = conn.error.action === 'setCredentials' ? 'scf.setCredentials' : conn.error.action === 'trust' ? 'workbench.trust.manage' : undefined;
        return [messageNode(target, 'connect', conn.error.action === 'setCredentials' ? 'Set credentials to see deployed functions' : conn.error.message, conn.error.message, conn.error.action === 'setCredentials' ? 'key' : 'warning', command)];
      }
      try {
        out.push(...functionNodes(target, scope, await listDeployed(conn.value.client, scope.namespace), scopes.length > 1, names));
      } catch (e) {
        if (e instanceof ApiCallError && e.code === 'ResourceNotFound.Namespace') continue; // nothing deployed there yet
        const message = redact(e instanceof ApiCallError ? `${e.code}: ${e.apiMessage}` : (e as Error).message, conn.value.secrets);
        out.push(messageNode(target, `error:${scope.region}/${scope.namespace}`, `${scope.region}/${scope.namespace}: ${message}`, e instanceof ApiCallError ? `${message}\n${e.fix}` : message, 'error'));
      }
    }
    if (out.length === 0) out.push(messageNode(target, 'empty', 'No functions deployed yet', 'Right-click a serverless.yml (or a function) and choose Deploy.'));
    return out;
  }

  getTreeItem(node: DeployedNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.kind === 'target' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.tooltip = node.tooltip;
    item.contextValue = node.kind === 'target' ? `deployTarget-${node.target}` : node.kind;
    switch (node.kind) {
      case 'target':
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.target === 'local' ? 'vm' : 'cloud');
        break;
      case 'deployedFunction':
        item.description = node.description;
        item.iconPath =
          node.status === 'active'
            ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
            : node.status === 'busy'
              ? new vscode.ThemeIcon('sync~spin')
              : node.status === 'failed'
                ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
                : new vscode.ThemeIcon('question');
        break;
      case 'message':
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.command) item.command = { command: node.command, title: node.label };
        break;
    }
    return item;
  }
}
