/**
 * What the "Deployed" view shows, as plain data (no vscode import: tested in plain Node).
 * deployedTree.ts turns these nodes into TreeItems.
 */
import type { DeployTarget, ScfSdkClient } from '../deploy/client';
import type { Credentials } from '../deploy/endpoint/credentials';
import type { DeployedFunction } from '../deploy/remote';
import type { Outcome, Problem } from '../model/outcome';

/** An SDK client for a deploy target. */
export interface TargetConnection {
  client: ScfSdkClient;
  label: string;
  secrets: Credentials;
}

/** Why there is no client, and what the user can do about it (the button to offer). */
export interface ConnectionProblem extends Problem {
  action?: 'setCredentials' | 'trust' | 'openFolder';
}

/** An SDK client for a deploy target, or why there is none. */
export type Connection = Outcome<TargetConnection, ConnectionProblem>;

/** What the Deployed view needs from the deploy targets (commands/deployTargets.ts provides it). */
export interface TargetConnector {
  configuredTarget(): DeployTarget;
  /** The running local endpoint's URL (with `start`, starting one). */
  localUrl(start: boolean): Promise<string | undefined>;
  connect(target: DeployTarget, region: string, anchorFile?: string): Promise<Connection>;
}

export interface Scope {
  region: string;
  namespace: string;
}

export type StatusKind = 'active' | 'busy' | 'failed' | 'unknown';

export type DeployedNode =
  | { kind: 'target'; id: string; target: DeployTarget; label: string; description: string; tooltip: string }
  | { kind: 'deployedFunction'; id: string; target: DeployTarget; scope: Scope; fn: DeployedFunction; label: string; description: string; tooltip: string; status: StatusKind }
  | { kind: 'message'; id: string; target: DeployTarget; label: string; tooltip: string; command?: string; icon: 'info' | 'warning' | 'error' | 'key' };

export const DEFAULT_SCOPE: Scope = { region: 'ap-guangzhou', namespace: 'default' };

export function statusKind(status: string): StatusKind {
  if (status === 'Active') return 'active';
  if (/Failed$/.test(status)) return 'failed';
  if (/ing$/.test(status)) return 'busy';
  return 'unknown';
}

/** The regions and namespaces the workspace's functions use (where to look for deployed ones). */
export function scopesOf(specs: ReadonlyArray<{ region: string; namespace: string }>): Scope[] {
  const seen = new Map<string, Scope>();
  for (const s of specs) seen.set(`${s.region}/${s.namespace}`, { region: s.region, namespace: s.namespace });
  if (seen.size === 0) seen.set(`${DEFAULT_SCOPE.region}/${DEFAULT_SCOPE.namespace}`, DEFAULT_SCOPE);
  return [...seen.values()].sort((a, b) => (`${a.region}/${a.namespace}` < `${b.region}/${b.namespace}` ? -1 : 1));
}

export function targetNodes(configured: DeployTarget, localUrl: string | undefined): DeployedNode[] {
  return [
    {
      kind: 'target',
      id: 'target:local',
      target: 'local',
      label: 'Local endpoint',
      description: [localUrl ?? 'not running', configured === 'local' ? 'default target' : ''].filter(Boolean).join(' · '),
      tooltip: 'Functions deployed to the local SCF endpoint (state under .scf/endpoint in the workspace)',
    },
    {
      kind: 'target',
      id: 'target:tencent',
      target: 'tencent',
      label: 'Tencent Cloud',
      description: configured === 'tencent' ? 'default target' : '',
      tooltip: 'Functions deployed to Tencent Cloud, in the regions and namespaces your serverless.yml files use',
    },
  ];
}

export function functionNodes(target: DeployTarget, scope: Scope, list: readonly DeployedFunction[], multipleScopes: boolean, workspaceNames: ReadonlySet<string>): DeployedNode[] {
  return list.map((fn) => ({
    kind: 'deployedFunction' as const,
    id: `${target}:${scope.region}:${scope.namespace}:${fn.name}`,
    target,
    scope,
    fn,
    label: fn.name,
    description: [fn.status, fn.runtime, multipleScopes ? `${scope.region}/${scope.namespace}` : '', workspaceNames.has(fn.name) ? '' : 'not in this workspace'].filter(Boolean).join(' · '),
    tooltip: [
      `${fn.name} (${fn.type === 'HTTP' ? 'web' : 'event'} function)`,
      `status: ${fn.status}${fn.statusDesc && fn.statusDesc !== fn.status ? ` (${fn.statusDesc})` : ''}`,
      `runtime: ${fn.runtime}`,
      `region: ${scope.region}, namespace: ${scope.namespace}`,
      fn.modTime ? `modified: ${fn.modTime}` : '',
      fn.description,
    ]
      .filter(Boolean)
      .join('\n'),
    status: statusKind(fn.status),
  }));
}

export function messageNode(target: DeployTarget, id: string, label: string, tooltip: string, icon: 'info' | 'warning' | 'error' | 'key' = 'info', command?: string): DeployedNode {
  return { kind: 'message', id: `${target}:msg:${id}`, target, label, tooltip, icon, ...(command ? { command } : {}) };
}
