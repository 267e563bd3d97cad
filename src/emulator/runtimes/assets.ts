import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The path of a runtime bootstrap file. Bundled (dist/*.js) they sit in dist/runtimes/; run from
 * source (tests) they sit in src/emulator/runtimes/assets/.
 */
export function runtimeAsset(name: string): string {
  const candidates = [join(__dirname, 'runtimes', name), join(__dirname, 'assets', name), join(__dirname, 'runtimes', 'assets', name)];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`runtime bootstrap ${name} is missing (looked in ${candidates.join(', ')}); rebuild with npm run build`);
}
