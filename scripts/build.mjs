// Bundles every entry point into dist/ with esbuild. Each entry is a separate program:
// the extension (inside VS Code's extension host), the language server, the emulator host
// process and the CLI. Runtime bootstraps are copied as they are: they run inside the user's
// process and must stay dependency-free.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const production = process.argv.includes('--production');

/** entry source -> output name; entries whose source does not exist yet are skipped. */
const entries = [
  { in: 'src/extension.ts', out: 'extension' },
  { in: 'src/server/main.ts', out: 'server' },
  { in: 'src/emulator/hostMain.ts', out: 'host' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

for (const entry of entries) {
  if (!existsSync(join(root, entry.in))) continue;
  await build({
    entryPoints: [join(root, entry.in)],
    outfile: join(dist, `${entry.out}.js`),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    banner: entry.banner ? { js: entry.banner } : undefined,
  });
}
if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);

// Runtime bootstraps and data files read at run time.
cpSync(join(root, 'src/emulator/runtimes/assets'), join(dist, 'runtimes'), { recursive: true });
for (const dir of ['src/events/templates', 'schemas']) {
  if (existsSync(join(root, dir))) cpSync(join(root, dir), join(dist, dir.split('/').pop()), { recursive: true });
}
