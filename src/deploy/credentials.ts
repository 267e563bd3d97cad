/**
 * Tencent Cloud credentials for a deploy, from where the scf CLI reads them, plus the editor's
 * SecretStorage. Our order (the platform states none): the `.env` beside serverless.yml (the project's
 * own account), then the environment, then what "SCF: Set Credentials" stored.
 * Credentials are passed to the SDK only: never logged, printed, or put in a function's environment.
 */
import { readDotEnv } from '../model';
import type { Credentials } from './endpoint/credentials';

export type CredentialSource = '.env' | 'environment' | 'SecretStorage' | 'local endpoint';

export interface ResolvedCredentials extends Credentials {
  token?: string;
  source: CredentialSource;
}

export const CREDENTIAL_KEYS = ['TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY', 'TENCENT_TOKEN'] as const;

function fromMap(map: Record<string, string | undefined>, source: CredentialSource): ResolvedCredentials | undefined {
  const secretId = map.TENCENT_SECRET_ID?.trim();
  const secretKey = map.TENCENT_SECRET_KEY?.trim();
  if (!secretId || !secretKey) return undefined;
  const token = map.TENCENT_TOKEN?.trim();
  return { secretId, secretKey, ...(token ? { token } : {}), source };
}

export function resolveTencentCredentials(opts: { projectDir: string; env: NodeJS.ProcessEnv; stored?: Credentials }): ResolvedCredentials | undefined {
  return (
    fromMap(readDotEnv(opts.projectDir), '.env') ??
    fromMap(opts.env, 'environment') ??
    (opts.stored?.secretId && opts.stored.secretKey ? { ...opts.stored, source: 'SecretStorage' } : undefined)
  );
}

/** Replaces any secret that slipped into a text (an SDK message, a stack) with `***`. */
export function redact(text: string, ...secrets: Array<Partial<Credentials> & { token?: string } | undefined>): string {
  let out = text;
  for (const s of secrets) {
    for (const v of [s?.secretKey, s?.token, s?.secretId]) {
      if (v && v.length >= 4) out = out.split(v).join('***');
    }
  }
  return out;
}
