/**
 * The Functions view's data provider from the moment activate() creates the view, before the tree
 * itself (dist/core.js) has loaded: VS Code asks it for the view's items at once when the view is
 * open, and it answers once the tree has loaded and read the workspace (the view shows its progress
 * bar meanwhile, not the "no serverless.yml" welcome).
 */
import * as vscode from 'vscode';

interface Target<T> extends vscode.TreeDataProvider<T> {
  /** Resolves once the tree's first read of the workspace is done. */
  whenReady(): Promise<void>;
}

export class TreeProxy<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private target: Target<T> | undefined;
  private forwarding: vscode.Disposable | undefined;
  private attach!: (target: Target<T>) => void;
  private readonly attached = new Promise<Target<T>>((resolve) => (this.attach = resolve));

  /** Hands the view to the real tree. */
  serve(target: Target<T>): void {
    this.target = target;
    this.forwarding = target.onDidChangeTreeData?.((e) => this.changed.fire(e));
    this.attach(target);
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    // Elements come from the tree's own getChildren, so it is there.
    return this.target!.getTreeItem(element);
  }

  async getChildren(element?: T): Promise<T[]> {
    const target = await this.attached;
    if (!element) await target.whenReady();
    return (await target.getChildren(element)) ?? [];
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}
