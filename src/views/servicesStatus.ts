/**
 * Status bar items while a local service runs: the HTTP gateway (`$(globe) Gateway :8080`) and the
 * local SCF endpoint (`$(vm) Endpoint :9001`). Clicking one offers what to do with it: open it, copy
 * its address, see its output or functions, stop it.
 */
import * as vscode from 'vscode';

export const GATEWAY_ACTIONS_COMMAND = 'scf.gatewayActions';
export const ENDPOINT_ACTIONS_COMMAND = 'scf.endpointActions';

export class ServicesStatus implements vscode.Disposable {
  private readonly gatewayItem = vscode.window.createStatusBarItem('scf.gateway', vscode.StatusBarAlignment.Left, 49);
  private readonly endpointItem = vscode.window.createStatusBarItem('scf.endpoint', vscode.StatusBarAlignment.Left, 48);
  private gatewayUrl: string | undefined;
  private endpointUrl: string | undefined;
  private readonly disposables: vscode.Disposable[] = [this.gatewayItem, this.endpointItem];

  constructor() {
    this.gatewayItem.name = 'SCF: Local HTTP Gateway';
    this.gatewayItem.command = GATEWAY_ACTIONS_COMMAND;
    this.endpointItem.name = 'SCF: Local Endpoint';
    this.endpointItem.command = ENDPOINT_ACTIONS_COMMAND;
    this.disposables.push(
      vscode.commands.registerCommand(GATEWAY_ACTIONS_COMMAND, () => this.gatewayActions()),
      vscode.commands.registerCommand(ENDPOINT_ACTIONS_COMMAND, () => this.endpointActions()),
    );
  }

  /** The gateway's address while it runs; undefined hides the item. */
  gateway(url: string | undefined, routes = 0): void {
    this.gatewayUrl = url;
    if (!url) return this.gatewayItem.hide();
    this.gatewayItem.text = `$(globe) Gateway ${portOf(url)}`;
    this.gatewayItem.tooltip = `SCF local HTTP gateway at ${url} (${routes} route${routes === 1 ? '' : 's'}). Click to open or stop it.`;
    this.gatewayItem.show();
  }

  /** The local endpoint's address while it runs; undefined hides the item. */
  endpoint(url: string | undefined): void {
    this.endpointUrl = url;
    if (!url) return this.endpointItem.hide();
    this.endpointItem.text = `$(vm) Endpoint ${portOf(url)}`;
    this.endpointItem.tooltip = `SCF local endpoint (the SCF API) at ${url}. Click to see its functions or stop it.`;
    this.endpointItem.show();
  }

  /** The items' texts, for the integration tests (empty when hidden). */
  get texts(): { gateway: string; endpoint: string } {
    return { gateway: this.gatewayUrl ? this.gatewayItem.text : '', endpoint: this.endpointUrl ? this.endpointItem.text : '' };
  }

  private async gatewayActions(): Promise<void> {
    const url = this.gatewayUrl;
    if (!url) return;
    const picked = await vscode.window.showQuickPick(
      [
        { label: '$(link-external) Open in Browser', action: 'open' },
        { label: '$(copy) Copy Address', description: url, action: 'copy' },
        { label: '$(output) Show Output', action: 'output' },
        { label: '$(debug-stop) Stop Gateway', action: 'stop' },
      ],
      { title: `SCF: Local HTTP Gateway at ${url}` },
    );
    if (picked?.action === 'open') await vscode.env.openExternal(vscode.Uri.parse(url));
    else if (picked?.action === 'copy') await vscode.env.clipboard.writeText(url);
    else if (picked?.action === 'output') await vscode.commands.executeCommand('scf.showOutput');
    else if (picked?.action === 'stop') await vscode.commands.executeCommand('scf.stopGateway');
  }

  private async endpointActions(): Promise<void> {
    const url = this.endpointUrl;
    if (!url) return;
    const picked = await vscode.window.showQuickPick(
      [
        { label: '$(list-tree) Show Deployed Functions', action: 'view' },
        { label: '$(copy) Copy Address', description: url, action: 'copy' },
        { label: '$(debug-stop) Stop Local Endpoint', action: 'stop' },
      ],
      { title: `SCF: Local Endpoint at ${url}` },
    );
    if (picked?.action === 'view') await vscode.commands.executeCommand('scf.deployed.focus');
    else if (picked?.action === 'copy') await vscode.env.clipboard.writeText(url);
    else if (picked?.action === 'stop') await vscode.commands.executeCommand('scf.deployed.stopLocalEndpoint');
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function portOf(url: string): string {
  const m = /:(\d+)\/?$/.exec(url);
  return m ? `:${m[1]}` : url;
}
