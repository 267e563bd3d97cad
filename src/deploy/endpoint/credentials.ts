/**
 * The local endpoint's own key pair. Requests to it are signed like the cloud's, so it needs a
 * SecretId/SecretKey to check against: made up once per state folder and kept in
 * `<stateDir>/credentials.json` (mode 0600). The local client reads the same file. These are not
 * Tencent Cloud credentials and never leave the machine.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Credentials {
  secretId: string;
  secretKey: string;
}

export const LOCAL_CREDENTIALS_FILE = 'credentials.json';

export function readLocalCredentials(stateDir: string): Credentials | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(stateDir, LOCAL_CREDENTIALS_FILE), 'utf8')) as { SecretId?: unknown; SecretKey?: unknown };
    if (typeof raw.SecretId === 'string' && typeof raw.SecretKey === 'string') return { secretId: raw.SecretId, secretKey: raw.SecretKey };
  } catch {
    // absent or unreadable: made anew below
  }
  return undefined;
}

export function loadOrCreateLocalCredentials(stateDir: string): Credentials {
  const existing = readLocalCredentials(stateDir);
  if (existing) return existing;
  mkdirSync(stateDir, { recursive: true });
  const creds = { secretId: `AKIDlocal${randomBytes(12).toString('hex')}`, secretKey: randomBytes(24).toString('base64url') };
  const file = join(stateDir, LOCAL_CREDENTIALS_FILE);
  writeFileSync(file, `${JSON.stringify({ SecretId: creds.secretId, SecretKey: creds.secretKey }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return creds;
}
