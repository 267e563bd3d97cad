// npm run test:e2e:electron: the same integration suite (test/e2e/suite) in desktop VS Code through
// @vscode/test-electron, where VS Code can be downloaded (it cannot on the project's own machines, which
// use code-server instead: npm run test:e2e). VSCODE_VERSION picks the version (default: the oldest we
// support, from engines.vscode); VSCODE_EXECUTABLE uses an installed VS Code instead of downloading one.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { bundleForExtensionHost } from './codeServer.mjs';
import { runTests } from '@vscode/test-electron';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'scf-e2e-electron-'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let code = 1;
try {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  await bundleForExtensionHost(join(root, 'test', 'e2e', 'suite', 'index.ts'), join(work, 'suite.js'));
  const workspace = join(work, 'workspace');
  cpSync(join(root, 'test', 'e2e', 'fixtures', 'workspace'), workspace, { recursive: true });
  code = await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(work, 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : { version: process.env.VSCODE_VERSION ?? pkg.engines.vscode.replace(/^\^/, '') }),
  });
} catch (e) {
  console.error(`integration tests in VS Code (test-electron) failed: ${e?.message ?? e}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
