import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'scf-deploy-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (path -> content, or [content, mode]) under root. */
export function writeTree(root: string, files: Record<string, string | Buffer | [string | Buffer, number]>): void {
  for (const [rel, value] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    const [content, mode] = Array.isArray(value) ? value : [value, undefined];
    writeFileSync(p, content);
    if (mode !== undefined) chmodSync(p, mode);
  }
}

/** A Node.js project: serverless.yml beside src/index.js. Returns the project folder. */
export function nodeProject(root: string, opts: { name?: string; body?: string; extraYaml?: string; files?: Record<string, string | [string, number]> } = {}): string {
  const name = opts.name ?? 'hello';
  writeTree(root, {
    'serverless.yml': [
      'component: scf',
      `name: ${name}`,
      'inputs:',
      `  name: ${name}`,
      '  src: ./src',
      '  handler: index.main_handler',
      '  runtime: Nodejs16.13',
      '  region: ap-guangzhou',
      '  memorySize: 128',
      '  timeout: 3',
      ...(opts.extraYaml ? [opts.extraYaml] : []),
      '',
    ].join('\n'),
    'src/index.js': opts.body ?? "exports.main_handler = async (event) => ({ hello: event.name ?? 'world', version: 1 });\n",
    ...(opts.files ?? {}),
  });
  return root;
}
