// node test/e2e/test-explorer.mjs: the inner loop in a real VS Code (code-server 1.100 driven by headless
// Chromium, see ../shared/docs/real-vscode.md): test events in the Test Explorer (items under their
// function, a run with passed and failed states), the "Invoke | Events" CodeLens in serverless.yml and in
// the handler's source, and "SCF: Convert template.yaml to serverless.yml". Screenshots go to
// media/screenshots/ (test-explorer.png, test-failure.png, codelens-*.png).
//
// The VSIX is built in a temporary copy of the project, so dist/ of the working tree is left alone.
// Environment: RV_HOME (the real-vscode cache, default ~/.cache/scf-real-vscode), E2E_KEEP=1 keeps the
// temporary folder.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCodeServer } from './codeServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RV_HOME = process.env.RV_HOME ?? join(homedir(), '.cache', 'scf-real-vscode');
const entry = join(RV_HOME, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const shots = join(root, 'media', 'screenshots');
const work = mkdtempSync(join(tmpdir(), 'scf-e2e-tests-'));
const started = Date.now();
const failures = [];
let server;

const step = (what) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${what}`);
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  return r.stdout;
}

/** The VSIX, built from a copy of the project (its own dist/), so the working tree's dist/ stays. */
function packageVsix() {
  const copy = join(work, 'project');
  mkdirSync(copy);
  for (const name of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'src', 'scripts', 'schemas', 'media', 'syntaxes', 'snippets']) {
    if (existsSync(join(root, name))) cpSync(join(root, name), join(copy, name), { recursive: true, filter: (p) => !p.includes(`${join('media', 'screenshots')}`) });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const vsix = join(work, 'scf-toolkit.vsix');
  run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', vsix], { cwd: copy });
  return vsix;
}

function workspace() {
  const ws = join(work, 'workspace');
  cpSync(join(root, 'test', 'fixtures', 'testing', 'greeter'), join(ws, 'greeter'), { recursive: true });
  cpSync(join(root, 'test', 'fixtures', 'tcsam', 'multi'), join(ws, 'legacy'), { recursive: true });
  // A TCSAM function's test event, so the template's functions show in the Test Explorer too.
  mkdirSync(join(ws, 'legacy', '.scf', 'events', 'hello'), { recursive: true });
  writeFileSync(join(ws, 'legacy', '.scf', 'events', 'hello', 'named.json'), '{"name": "Explorer"}\n');
  writeFileSync(join(ws, 'legacy', '.scf', 'events', 'hello', 'named.expect.json'), '{"statusCode": 200, "result": {"message": "Hello, Explorer!"}}\n');
  // A serverless.yml that does not load, beside test events: its tests cannot be listed, so an item says why.
  mkdirSync(join(ws, 'broken', '.scf', 'events', 'fn'), { recursive: true });
  writeFileSync(join(ws, 'broken', 'serverless.yml'), 'component: scf\nname: fn\ninputs:\n  handler: [index.main\n');
  writeFileSync(join(ws, 'broken', '.scf', 'events', 'fn', 'e.json'), '{}\n');
  return ws;
}

async function serve(vsix, ws) {
  const ext = join(work, 'ext');
  const user = join(work, 'user');
  mkdirSync(join(user, 'User'), { recursive: true });
  writeFileSync(
    join(user, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.startupPrompt': 'never',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'git.enabled': false,
      'chat.commandCenter.enabled': false,
      'workbench.panel.defaultLocation': 'bottom',
    }),
  );
  run(process.execPath, [entry, '--extensions-dir', ext, '--install-extension', vsix, '--force']);
  const args = ['--auth', 'none', '--bind-addr', '127.0.0.1:0', '--user-data-dir', user, '--extensions-dir', ext, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ws];
  const codeServer = startCodeServer(entry, args);
  const child = codeServer.child;
  const url = await codeServer.url;
  return { url: `${url}/?folder=${encodeURIComponent(ws)}`, child };
}

async function command(page, title, { hasText } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const option = page.locator('.quick-input-list [role="option"]', { hasText: hasText ?? title }).first();
  await option.waitFor({ timeout: 15000 });
  await option.click(); // not Enter: a recently used command may be the highlighted one
}

async function openFile(page, relPath) {
  await page.keyboard.press('F1'); // quick open: the command palette without its ">" (Ctrl+P is the browser's print)
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(relPath);
  await page.locator('.quick-input-list [role="option"]').first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/** The rows of the Test Explorer: label, and the state VS Code puts in the row's icon. */
async function testRows(page) {
  return page.locator('.test-explorer [role="treeitem"]').evaluateAll((rows) =>
    rows.map((r) => {
      const icon = r.querySelector('.computed-state, [class*="codicon-testing-"]');
      const cls = icon ? icon.className : '';
      const state = /testing-passed/.test(cls) ? 'passed' : /testing-failed|testing-error/.test(cls) ? 'failed' : /testing-unset|testing-queued|testing-skipped/.test(cls) ? 'unset' : /loading|spin|testing-run/.test(cls) ? 'running' : cls;
      const labelEl = r.querySelector('.label');
      const label = labelEl ? [...labelEl.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim() : '';
      return { label, text: r.textContent ?? '', description: r.querySelector('.test-label-description')?.textContent ?? '', aria: r.getAttribute('aria-label') ?? '', state, expanded: r.getAttribute('aria-expanded') };
    }),
  );
}

async function waitForRows(page, predicate, what, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  let rows = [];
  while (Date.now() < end) {
    rows = await testRows(page).catch(() => []);
    if (predicate(rows)) return rows;
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out waiting for ${what}; rows: ${JSON.stringify(rows)}`);
}

/** Shows the Test Explorer (idempotent, unlike a click on the activity bar icon, which toggles). */
async function focusTests(page) {
  await command(page, 'Testing: Focus on Test Explorer View');
  await page.locator('.test-explorer').first().waitFor({ timeout: 10000 });
}

/** greeter's "hello" event (the TCSAM function is also called hello; its row names template.yaml). */
const helloEvent = (rows) => rows.find((r) => r.label === 'hello' && !/template\.yaml/.test(r.description));
/**
 * Every test event has a result of the run: a run enqueues all its tests at its start (queued shows
 * as 'unset'), so once one of them has changed state in a new run, none still shows the last run's.
 */
const runEnded = (rows) => ['boom', 'plain', 'wrong', 'named'].every((l) => rows.some((r) => r.label === l && (r.state === 'passed' || r.state === 'failed'))) && ['passed', 'failed'].includes(helloEvent(rows)?.state);

async function expandAll(page) {
  for (let i = 0; i < 6; i++) {
    const collapsed = page.locator('.test-explorer [role="treeitem"][aria-expanded="false"]');
    if ((await collapsed.count()) === 0) return;
    await collapsed.first().locator('.monaco-tl-twistie').click();
    await page.waitForTimeout(150);
  }
}

let browser;
try {
  if (!existsSync(entry)) throw new Error(`code-server is not installed in ${RV_HOME}: run ../shared/tools/real-vscode.sh setup`);
  step('packaging the VSIX (in a copy of the project)');
  const vsix = packageVsix();
  const ws = workspace();
  step('serving the workspace');
  server = await serve(vsix, ws);
  const require = createRequire(join(RV_HOME, 'node_modules', 'x.js'));
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(server.url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  mkdirSync(shots, { recursive: true });

  step('Test Explorer: the functions with test events, and their events under them');
  // The Testing container appears once our extension has activated and created its test controller.
  const testing = page.locator('.part.activitybar [aria-label="Testing"]').first();
  await testing.waitFor({ timeout: 120000 });
  await testing.click();
  await page.locator('.test-explorer').first().waitFor({ timeout: 20000 });
  await waitForRows(page, (rows) => rows.some((r) => r.label === 'greeter') && rows.some((r) => r.label === 'hello'), 'the greeter and hello function items');
  await expandAll(page);
  let rows = await waitForRows(page, (rows) => ['boom', 'plain', 'wrong', 'named'].every((l) => rows.some((r) => r.label === l)), 'the event items');
  const labels = rows.map((r) => r.label);
  check(labels.indexOf('greeter') < labels.indexOf('boom') && labels.indexOf('boom') < labels.indexOf('wrong'), `greeter's events are listed under it (${labels.join(', ')})`);
  check(labels.includes('hello') && labels.includes('named'), 'the TCSAM template\'s function shows with its event');
  const brokenAt = rows.findIndex((r) => r.label === 'broken/serverless.yml');
  const brokenError = brokenAt >= 0 ? rows[brokenAt + 1]?.text ?? '' : '';
  check(/YAML syntax error/.test(brokenError), `a serverless.yml that does not load shows as an item with its error under it (${brokenError.slice(0, 160)})`);

  step('running every test from the Test Explorer');
  await command(page, 'Test: Run All Tests');
  rows = await waitForRows(
    page,
    (rows) => ['boom', 'hello', 'plain', 'wrong', 'named'].every((l) => rows.some((r) => r.label === l && (r.state === 'passed' || r.state === 'failed'))),
    'every test to finish',
    90000,
  );
  const state = (label) => rows.find((r) => r.label === label)?.state;
  check(state('boom') === 'passed', `boom (an expected 430) passed (${state('boom')})`);
  check(state('plain') === 'passed', `plain (no expectation, 200) passed (${state('plain')})`);
  check(state('wrong') === 'failed', `wrong (a result mismatch) failed (${state('wrong')})`);
  check(state('named') === 'passed', `the TCSAM function's test passed (${state('named')})`);
  check(state('greeter') === 'failed', `the function shows failed when one of its tests fails (${state('greeter')})`);
  await page.screenshot({ path: join(shots, 'test-explorer.png') });

  step('an edit to the handler between two runs shows in the next run (no window reload)');
  const handler = join(ws, 'greeter', 'src', 'index.js');
  writeFileSync(handler, readFileSync(handler, 'utf8').replace('`Hello, ${event.name}!`', '`Goodbye, ${event.name}!`'));
  await command(page, 'Test: Run All Tests');
  rows = await waitForRows(page, (rows) => helloEvent(rows)?.state === 'failed' && runEnded(rows), 'hello to fail after the edit, and the run to end', 90000);
  check(true, 'hello fails once its handler returns "Goodbye" (the edited code ran)');
  writeFileSync(handler, readFileSync(handler, 'utf8').replace('`Goodbye, ${event.name}!`', '`Hello, ${event.name}!`'));
  await command(page, 'Test: Run All Tests');
  // The whole run, not hello alone: 'wrong' runs after hello, and a double-click on it while it is
  // queued or running (its last failure cleared) opened no peek (seen once under load).
  rows = await waitForRows(page, (rows) => helloEvent(rows)?.state === 'passed' && runEnded(rows), 'hello to pass again after the edit is undone, and the run to end', 90000);
  check(true, 'hello passes again once the edit is undone');

  step('the failure: a diff of the expected and actual result');
  await page.locator('.test-explorer [role="treeitem"]', { hasText: 'wrong' }).first().dblclick();
  const peek = page.locator('.test-output-peek, .testing-peek, .peekview-widget').first();
  const opened = await peek.waitFor({ timeout: 15000 }).then(() => true, () => false);
  if (opened) {
    await page.waitForTimeout(1000);
    const text = (await peek.innerText().catch(() => '')).replace(/\s+/g, ' ');
    check(/greeting Alice|Hello, Alice!/.test(text), `the peek shows the mismatch (${text.slice(0, 200)})`);
    check(/Save Result as Expected/.test(text), 'the failure offers "Save Result as Expected"');
  } else {
    check(false, 'double-clicking the failed test opens the peek with its message');
  }
  await page.screenshot({ path: join(shots, 'test-failure.png') });
  const save = page.getByText('Save Result as Expected', { exact: true }).first();
  if (await save.isVisible().catch(() => false)) {
    await save.dispatchEvent('click'); // the peek is short here, so its header overlaps the button
    const expectFile = join(ws, 'greeter', '.scf', 'events', 'greeter', 'wrong.expect.json');
    const until = Date.now() + 20000;
    let saved;
    while (Date.now() < until) {
      saved = JSON.parse(readFileSync(expectFile, 'utf8'));
      if (saved.result?.greeting === 'Hello, Bob!') break;
      await page.waitForTimeout(200);
    }
    check(saved?.result?.greeting === 'Hello, Bob!' && saved.statusCode === 200 && saved.logIncludes === undefined, `"Save Result as Expected" wrote the last result into wrong.expect.json (${JSON.stringify(saved)})`);
  } else {
    check(false, 'the "Save Result as Expected" button is visible on the failure');
  }
  await page.keyboard.press('Escape');

  step('the result mismatch opens as a diff of expected and actual');
  const mismatchEntry = page.locator('.test-output-peek-tree [role="treeitem"], .testing-output-peek-tree [role="treeitem"], .part.panel [role="treeitem"]', { hasText: 'result.greeting' }).first();
  if (await mismatchEntry.isVisible().catch(() => false)) {
    await command(page, 'Notifications: Clear All Notifications');
    await mismatchEntry.click();
    const diffEditor = page.locator('.monaco-diff-editor').first();
    const shown = await diffEditor.waitFor({ timeout: 15000 }).then(() => true, () => false);
    const diffText = shown ? (await diffEditor.innerText().catch(() => '')).replace(/\s+/g, ' ') : '';
    check(shown && /Hello, Alice!/.test(diffText) && /Hello, Bob!/.test(diffText), `a diff editor shows the expected and the actual greeting (${diffText.slice(0, 160)})`);
    await page.screenshot({ path: join(shots, 'test-diff.png') });
    await page.keyboard.press('Escape');
  } else {
    check(false, 'the Test Results tree lists the result mismatch');
  }

  step('Debug Test: the event runs through SCF: Debug Function and its result is checked');
  const boomRow = page.locator('.test-explorer [role="treeitem"]', { hasText: 'boom' }).first();
  await boomRow.hover();
  const debugAction = boomRow.locator('[aria-label="Debug Test"]').first();
  if (await debugAction.isVisible().catch(() => false)) {
    // Mark it unset first is not possible from the UI; wait for a new result instead (the duration text changes).
    const before = await boomRow.innerText();
    await debugAction.click();
    const until = Date.now() + 90000;
    let after = before;
    let rowsNow = [];
    while (Date.now() < until) {
      // Debugging brings up the Run and Debug view; come back to the Testing view to read the result.
      if (!(await boomRow.isVisible().catch(() => false))) await focusTests(page).catch(() => undefined);
      rowsNow = await testRows(page);
      after = await boomRow.innerText().catch(() => before);
      const state = rowsNow.find((r) => r.label === 'boom')?.state;
      if (after !== before && (state === 'passed' || state === 'failed')) break;
      await page.waitForTimeout(250);
    }
    check(rowsNow.find((r) => r.label === 'boom')?.state === 'passed' && after !== before, `debugging boom ran it again and it passed (${before.replace(/\s+/g, ' ')} -> ${after.replace(/\s+/g, ' ')})`);
    await page.screenshot({ path: join(shots, 'test-debug.png') });
    await command(page, 'Notifications: Clear All Notifications');
    await focusTests(page);
  } else {
    check(false, 'a test row offers "Debug Test"');
  }

  step('CodeLens in serverless.yml and in the handler source');
  await openFile(page, 'greeter/serverless.yml');
  const lens = page.locator('.monaco-editor .codelens-decoration').first();
  await lens.waitFor({ timeout: 20000 });
  const lensText = (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).join(' | ');
  check(/Invoke/.test(lensText) && /Events \(4\)/.test(lensText), `serverless.yml shows "Invoke | Events (4)" (${lensText})`);
  await page.screenshot({ path: join(shots, 'codelens-serverless.png') });
  await openFile(page, 'greeter/src/index.js');
  await page.waitForFunction(() => [...document.querySelectorAll('.monaco-editor .codelens-decoration')].some((e) => /Invoke/.test(e.textContent ?? '')), null, { timeout: 20000 });
  const srcLens = (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).join(' | ');
  check(/Invoke/.test(srcLens) && /Events/.test(srcLens), `the handler source shows the CodeLens (${srcLens})`);
  await page.screenshot({ path: join(shots, 'codelens-handler.png') });

  step('SCF: Convert template.yaml to serverless.yml');
  await command(page, 'SCF: Convert template.yaml to serverless.yml');
  const converted = join(ws, 'legacy', 'serverless.yml');
  // The command runs once activate() has resolved (VS Code waits for it), which can take a while here.
  const end = Date.now() + 120000;
  // Wait for the content, not the file: it exists a moment before it is written.
  const written = () => existsSync(converted) && /component: scf/.test(readFileSync(converted, 'utf8'));
  while (!written() && Date.now() < end) await page.waitForTimeout(200);
  check(existsSync(converted) && /component: scf/.test(readFileSync(converted, 'utf8')), 'legacy/serverless.yml was written');
  const toast = page.locator('.notifications-toasts', { hasText: 'legacy/serverless.yml' }).first();
  const toastText = (await toast.waitFor({ timeout: 15000 }).then(() => toast.innerText(), () => '')).replace(/\s+/g, ' ');
  check(/It validates/.test(toastText), `the notification says it validates (${toastText.slice(0, 200)})`);
  await page.close();
} catch (e) {
  failures.push(String(e?.stack ?? e));
  console.error(e);
} finally {
  await browser?.close().catch(() => undefined);
  if (server) {
    try {
      process.kill(-server.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  if (process.env.E2E_KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
step(failures.length === 0 ? 'all checks passed' : `${failures.length} check(s) failed`);
process.exit(failures.length === 0 ? 0 : 1);
