import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { pathStamp } from './stamp';

/** .env files read before, by path: read and parsed again only when the file has changed. */
const cache = new Map<string, { stamp: string; values: Record<string, string> }>();

/** The `.env` beside serverless.yml, parsed; an absent file is an empty map. */
export function readDotEnv(dir: string): Record<string, string> {
  const file = join(dir, '.env');
  const stamp = pathStamp(file);
  const cached = cache.get(file);
  if (cached?.stamp === stamp) return { ...cached.values };
  let values: Record<string, string> = {};
  if (stamp !== 'absent') {
    try {
      values = parse(readFileSync(file, 'utf8'));
    } catch {
      values = {};
    }
  }
  if (cache.size >= 500) cache.clear();
  cache.set(file, { stamp, values });
  return { ...values };
}
