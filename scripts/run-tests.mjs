// Runs every test/**/*.test.ts file with Node's own test runner (TypeScript through tsx).
// Node 20's runner does not expand globs, so the files are listed here.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'fixtures' || name === 'node_modules' || name === 'e2e') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = find(join(root, 'test')).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
// No file at all would make `node --test` run every file it finds, fixtures' servers included.
if (files.length === 0) {
  console.error(`run-tests: no test file matches ${only.join(', ')} (files are test/**/*.test.ts)`);
  process.exit(2);
}

// The tests' temporary folders (os.tmpdir(): fixtures' copies, workspaces, zips) are made in a folder
// of this run, removed when it ends, also on Ctrl-C (the tests get the signal too, and end first). A
// run killed outright leaves its folder behind: the next run removes those whose runner has gone.
const base = tmpdir();
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};
for (const name of readdirSync(base)) {
  const m = /^scf-tests-(\d+)$/.exec(name);
  if (m && !alive(Number(m[1]))) rmSync(join(base, name), { recursive: true, force: true });
}
const runTmp = join(base, `scf-tests-${process.pid}`);
mkdirSync(runTmp, { recursive: true, mode: 0o700 });
const run = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: runTmp },
});
// A signal to the runner is passed on (Ctrl-C reaches the tests by itself): the folder is removed once they have ended.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => signal !== 'SIGINT' && run.kill(signal));
run.on('exit', (code) => {
  rmSync(runTmp, { recursive: true, force: true });
  process.exit(code ?? 1);
});
