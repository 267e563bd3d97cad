/**
 * "SCF: Set Credentials" / "SCF: Clear Credentials": the Tencent Cloud SecretId and SecretKey in
 * VS Code's SecretStorage (the OS keychain), never in settings, logs or the output.
 */
import * as vscode from 'vscode';
import type { Credentials } from '../deploy/endpoint/credentials';

const SECRET_ID = 'scf.tencent.secretId';
const SECRET_KEY = 'scf.tencent.secretKey';

export async function readStoredCredentials(secrets: vscode.SecretStorage): Promise<Credentials | undefined> {
  const [secretId, secretKey] = await Promise.all([secrets.get(SECRET_ID), secrets.get(SECRET_KEY)]);
  return secretId && secretKey ? { secretId, secretKey } : undefined;
}

/** Asks for both values (the key masked); true when stored. */
export async function setCredentials(secrets: vscode.SecretStorage): Promise<boolean> {
  const secretId = await vscode.window.showInputBox({
    title: 'SCF: Set Credentials (1/2)',
    prompt: 'Tencent Cloud SecretId (CAM console, API keys). Stored in the OS keychain through VS Code SecretStorage.',
    placeHolder: 'AKID...',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length < 8 ? 'Paste the SecretId (it starts with AKID)' : /\s/.test(v.trim()) ? 'A SecretId has no spaces' : undefined),
  });
  if (!secretId) return false;
  const secretKey = await vscode.window.showInputBox({
    title: 'SCF: Set Credentials (2/2)',
    prompt: 'Tencent Cloud SecretKey for this SecretId',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length < 8 ? 'Paste the SecretKey' : /\s/.test(v.trim()) ? 'A SecretKey has no spaces' : undefined),
  });
  if (!secretKey) return false;
  await secrets.store(SECRET_ID, secretId.trim());
  await secrets.store(SECRET_KEY, secretKey.trim());
  void vscode.window.showInformationMessage('SCF: Tencent Cloud credentials stored in the OS keychain. A .env beside serverless.yml or TENCENT_SECRET_ID/TENCENT_SECRET_KEY in the environment still take precedence.');
  return true;
}

export function registerCredentialsCommands(context: vscode.ExtensionContext, onChange: () => void): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('scf.setCredentials', async () => {
      const stored = await setCredentials(context.secrets);
      if (stored) onChange();
      return stored;
    }),
    vscode.commands.registerCommand('scf.clearCredentials', async () => {
      await context.secrets.delete(SECRET_ID);
      await context.secrets.delete(SECRET_KEY);
      onChange();
      void vscode.window.showInformationMessage('SCF: stored Tencent Cloud credentials removed.');
    }),
  ];
}
