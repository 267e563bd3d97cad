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
  // `lazy`: modules the entry requires on first use, bundled as their own files (see VENDOR below).
  { in: 'src/extension.ts', out: 'extension', vendor: true, lazy: { './commands/deferred': './deferred.js' } },
  { in: 'src/commands/deferred.ts', out: 'deferred', vendor: true },
  { in: 'src/server/main.ts', out: 'server' },
  { in: 'src/emulator/hostMain.ts', out: 'host' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
];

// The extension must activate fast (issue 4: < 30 ms), and compiling a large bundle is most of that
// time. So the large libraries it needs only after activation are bundled on their own into
// dist/vendor/ and required from there when first used (see bench/activate.bench.mjs).
const VENDOR = ['yaml', 'ajv', 'picomatch', 'vscode-languageclient/node'];
const vendorFile = (name) => `vendor/${name.replace(/\//g, '-')}.js`;
const vendorPlugin = {
  name: 'vendor',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (VENDOR.includes(args.path) ? { path: `./${vendorFile(args.path)}`, external: true } : undefined));
  },
};

// An entry's own `require('./x')` of a module listed in its `lazy` map stays a require of that
// module's separate bundle.
const lazyPlugin = (entry) => ({
  name: 'lazy',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) =>
      args.importer === join(root, entry.in) && args.path in entry.lazy ? { path: entry.lazy[args.path], external: true } : undefined,
    );
  },
});

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
    plugins: [...(entry.vendor ? [vendorPlugin] : []), ...(entry.lazy ? [lazyPlugin(entry)] : [])],
  });
}
for (const name of VENDOR) {
  if (!existsSync(join(root, 'node_modules', name.split('/')[0]))) continue;
  await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' },
    outfile: join(dist, vendorFile(name)),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    minify: production,
    logLevel: 'warning',
  });
}
if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);

// Runtime bootstraps and data files read at run time.
cpSync(join(root, 'src/emulator/runtimes/assets'), join(dist, 'runtimes'), { recursive: true });
for (const dir of ['src/events/templates', 'schemas']) {
  if (existsSync(join(root, dir))) cpSync(join(root, dir), join(dist, dir.split('/').pop()), { recursive: true });
}
