// Shared by the real-VS-Code scripts (run.mjs, test-explorer.mjs, electron.mjs).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Starts code-server (detached, so a stop ends its extension host too) and resolves with its address. */
export function startCodeServer(entry, args, env = process.env) {
  const child = spawn(process.execPath, [entry, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 60 s:\n${log}`)), 60000);
    const onData = (chunk) => {
      log += chunk;
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`code-server exited with ${code}:\n${log}`)));
  });
  return { child, url, log: () => log };
}

/** Bundles a TypeScript entry for VS Code's extension host (CommonJS, `vscode` left to the host). */
export async function bundleForExtensionHost(entryPoint, outfile) {
  const { build } = await import('esbuild');
  await build({ entryPoints: [entryPoint], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'warning' });
}

/** A copy of the project at `dest` to build or package in (dist/ of the working tree is left alone), node_modules linked. */
export function copyProject(root, dest) {
  mkdirSync(dest);
  for (const name of readdirSync(root)) {
    if (['node_modules', '.git', 'dist'].includes(name) || name.startsWith('.scratch')) continue;
    cpSync(join(root, name), join(dest, name), { recursive: true, filter: (p) => !p.includes(join('media', 'screenshots')) });
  }
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return dest;
}
