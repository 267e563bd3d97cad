// npm run test:e2e: SCF Toolkit in a real VS Code (code-server 4.100.3 = VS Code 1.100.3, driven by
// headless Chromium through playwright-core; see ../shared/docs/real-vscode.md).
//
// 1. Packages the VSIX (vsce, production build) and a small test-runner extension that runs the
//    integration suite (test/e2e/suite) inside the extension host and writes its results to a file.
// 2. Serves a copy of test/e2e/fixtures/workspace with both installed, opens it in Chromium, waits for
//    the suite, then checks the Functions view, an invoke driven through the command palette, the SCF
//    output (with its grammar's colours), the status bar and the Problems panel through the DOM, and
//    saves screenshots to media/screenshots/.
// 3. Serves the same workspace untrusted (Restricted Mode) and runs the untrusted suite.
// 4. Serves an empty workspace: the Functions view's welcome content and its New Function button.
// 5. Serves a Serverless Cloud Framework app (test/fixtures/apps/shop: multi-scf functions, an express
//    http app, the layer they share): the tree per file and function, the function's layer, an invoke
//    of a multi-scf function from its row (its layer mounted), screenshot apps-tree.png.
//
// Environment: RV_HOME (the real-vscode cache, default ~/.cache/scf-real-vscode), E2E_KEEP=1 keeps the
// temporary folder, E2E_SKIP_UNTRUSTED=1 skips step 3, E2E_ONLY=apps runs step 5 alone.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, watch } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForExtensionHost, copyProject, startCodeServer } from './codeServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RV_HOME = process.env.RV_HOME ?? join(homedir(), '.cache', 'scf-real-vscode');
const realVscode = join(root, '..', 'shared', 'tools', 'real-vscode.sh');
const entry = join(RV_HOME, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const shots = join(root, 'media', 'screenshots');
const work = mkdtempSync(join(tmpdir(), 'scf-e2e-'));
const started = Date.now();
const failures = [];
const children = [];

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

/** Resolves when `file` exists (watching its folder), rejects after `timeoutMs`. */
function waitForFile(file, timeoutMs) {
  return new Promise((resolve, reject) => {
    if (existsSync(file)) return resolve();
    const watcher = watch(dirname(file), () => {
      if (existsSync(file)) done();
    });
    const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${file}`)), timeoutMs);
    function done(err) {
      clearTimeout(timer);
      watcher.close();
      err ? reject(err) : resolve();
    }
  });
}

async function setup() {
  if (!existsSync(join(RV_HOME, '.ready'))) {
    step('installing code-server and Chromium (once per machine, 3-5 minutes)');
    run('bash', [realVscode, 'setup'], { stdio: 'inherit', env: { ...process.env, RV_HOME } });
  }
  step('packaging the VSIX (production build, in a copy of the project: dist/ here is left alone)');
  const copy = copyProject(root, join(work, 'project'));
  const vsix = join(work, 'scf-toolkit.vsix');
  run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', vsix], { cwd: copy });

  step('packaging the test-runner extension');
  const runner = join(work, 'runner');
  mkdirSync(join(runner, 'dist'), { recursive: true });
  await bundleForExtensionHost(join(root, 'test', 'e2e', 'runner', 'extension.ts'), join(runner, 'dist', 'extension.js'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(
    join(runner, 'package.json'),
    JSON.stringify(
      {
        name: 'scf-toolkit-e2e-runner',
        displayName: 'SCF Toolkit integration test runner',
        description: 'Runs the SCF Toolkit integration suite inside the extension host.',
        version: '0.0.1',
        publisher: pkg.publisher,
        engines: { vscode: pkg.engines.vscode },
        main: './dist/extension.js',
        activationEvents: ['onStartupFinished'],
        extensionDependencies: [`${pkg.publisher}.${pkg.name}`],
        capabilities: { untrustedWorkspaces: { supported: true } },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(runner, 'README.md'), '# SCF Toolkit integration test runner\n');
  const runnerVsix = join(work, 'runner.vsix');
  run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', runnerVsix], { cwd: runner });
  return { vsix, runnerVsix };
}

/**
 * An async event accepted before "the editor last closed": its journal entry, as the emulator host
 * writes it (src/emulator/async/journal.ts), so the suite can check it runs when the extension starts.
 */
function queueAsyncEvent(workspace) {
  const dir = join(workspace, 'orders', '.scf', 'async');
  mkdirSync(dir, { recursive: true });
  const event = { requestId: '5d9e7a10-0000-4000-8000-000000000001', file: join(workspace, 'orders', 'serverless.yml'), functionName: 'orders-api', payload: '{"resumed":true}', enqueuedAt: Date.now(), retries: 0, attempts: 0, nextAt: 0 };
  writeFileSync(join(dir, 'queue.jsonl'), `${JSON.stringify({ op: 'put', event })}\n`);
}

/** Starts code-server on a free port with both extensions; resolves with its URL once it answers. */
async function serve(name, { vsix, runnerVsix }, { trusted, empty = false, source, suite = !empty, prepare }) {
  const dir = join(work, name);
  const workspace = join(dir, 'workspace');
  if (empty) mkdirSync(workspace, { recursive: true });
  else cpSync(source ?? join(root, 'test', 'e2e', 'fixtures', 'workspace'), workspace, { recursive: true });
  prepare?.(workspace);
  const ext = join(dir, 'ext');
  const user = join(dir, 'user');
  mkdirSync(join(user, 'User'), { recursive: true });
  writeFileSync(
    join(user, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'git.enabled': false,
      'chat.commandCenter.enabled': false,
      'workbench.panel.defaultLocation': 'bottom',
      'scfServerless.trace.server': 'verbose',
    }),
  );
  run(process.execPath, [entry, '--extensions-dir', ext, '--install-extension', vsix, '--install-extension', runnerVsix, '--force']);
  const results = join(dir, 'results', 'results.json');
  mkdirSync(dirname(results), { recursive: true });
  const args = ['--auth', 'none', '--bind-addr', '127.0.0.1:0', '--user-data-dir', user, '--extensions-dir', ext, '--disable-telemetry', '--disable-update-check'];
  if (trusted) args.push('--disable-workspace-trust');
  args.push(workspace);
  const codeServer = startCodeServer(entry, args, suite ? { ...process.env, SCF_E2E_RESULTS: results, SCF_E2E_SUITE: trusted ? 'trusted' : 'untrusted' } : process.env);
  const server = codeServer.child;
  children.push(server);
  const url = await codeServer.url;
  return { url: `${url}/?folder=${encodeURIComponent(workspace)}`, workspace, results, child: server, log: codeServer.log };
}

function stop(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

async function launchBrowser() {
  const require = createRequire(join(RV_HOME, 'node_modules', 'x.js'));
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function suiteResults(file, timeoutMs) {
  await waitForFile(file, timeoutMs).catch((e) => {
    // Where it got to: the suite writes each scenario's start and end as it goes.
    if (existsSync(`${file}.log`)) console.log(readFileSync(`${file}.log`, 'utf8'));
    throw e;
  });
  const { results, log } = JSON.parse(readFileSync(file, 'utf8'));
  for (const r of results) check(r.ok, `[extension host] ${r.name}${r.ok ? ` (${r.ms} ms)` : `\n${r.error}`}`);
  return { results, log };
}

/**
 * Opens the command palette. F1 can go unheard while a page takes the focus (seen just after the Get
 * Started walkthrough opened: the palette's input stayed hidden for 30 s), so press it again.
 */
async function openPalette(page) {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('F1');
    if (await input.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) return input;
  }
  await input.waitFor({ state: 'visible' });
  return input;
}

/**
 * Runs a command by its title through the command palette. With `opensPick`, the command opens a quick
 * pick of its own (the widget may never hide): wait until the palette's text has gone from it instead.
 */
async function palette(page, title, { opensPick = false } = {}) {
  // The palette can also close again just after it opened (the Get Started page taking the focus
  // back: seen in a fresh-clone CI run), so the open and the typing are tried together.
  for (let attempt = 0; ; attempt++) {
    const input = await openPalette(page);
    const typed = await input.fill(`>${title}`, { timeout: 5000 }).then(() => true, (e) => (attempt < 2 ? false : Promise.reject(e)));
    if (typed) break;
  }
  await pickOption(page, title, { opensPick });
}

/** Clicks the quick-input option whose label is exactly `label` (Enter would take the first, maybe a recently used other one). */
async function pickOption(page, label, { opensPick = false } = {}) {
  const options = page.locator('.quick-input-list [role="option"]');
  await options.filter({ hasText: label }).first().waitFor();
  const exact = options.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s*$`) }) }).first();
  if (await exact.count()) await exact.click();
  else await page.keyboard.press('Enter');
  if (opensPick) {
    const input = page.locator('.quick-input-widget input');
    for (let i = 0; i < 100 && (await input.inputValue().catch(() => '')).startsWith('>'); i++) await page.waitForTimeout(100);
    return;
  }
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Opens a workspace file through Go to File, by its path relative to the workspace. */
async function openFile(page, relPath) {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(relPath);
  const [dir, name] = [relPath.split('/').slice(0, -1).join('/'), relPath.split('/').pop()];
  const option = page.locator('.quick-input-list [role="option"]', { hasText: name }).filter({ hasText: dir }).first();
  await option.waitFor({ timeout: 10000 });
  await option.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Opens the quick fix menu (Ctrl+.) at the end of `line`; the menu holding `hasText`, whether it showed, and its text. */
async function quickFixMenu(page, line, hasText) {
  await line.click();
  await page.keyboard.press('End');
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget', { hasText }).first();
  const shown = await menu.waitFor({ timeout: 15000 }).then(() => true, () => false);
  return { menu, shown, texts: shown ? (await menu.innerText()).replace(/\s+/g, ' ') : '' };
}

/** Whether the element's attribute takes the value within `timeoutMs` (checked every 100 ms). */
async function attributeBecomes(locator, name, value, timeoutMs = 10000) {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if ((await locator.getAttribute(name).catch(() => null)) === value) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The text of the visible lines of the Output panel's editor. */
/** Waits until a locator's box is the same in two looks 150 ms apart (a list done re-rendering). */
async function stableBox(locator, timeoutMs = 5000) {
  let last = await locator.boundingBox();
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const box = await locator.boundingBox();
    if (box && last && box.x === last.x && box.y === last.y) return;
    last = box;
  }
}

async function outputText(page) {
  // Monaco renders spaces as no-break spaces.
  return (await page.locator('.part.panel .output-view .view-lines').innerText().catch(() => '')).replace(/\u00a0/g, ' ');
}

async function trustedRun(packages, browser) {
  step('serving the fixture workspace (trusted)');
  const server = await serve('trusted', packages, { trusted: true, prepare: queueAsyncEvent });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(server.url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  step('workbench loaded; waiting for the integration suite in the extension host');
  await suiteResults(server.results, 180000);

  step('checking the Functions view through the DOM');
  await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  const tree = page.locator('.pane-body [role="tree"]').filter({ hasText: 'orders-api' }).first();
  await tree.waitFor({ timeout: 20000 });
  await page.getByRole('treeitem', { name: /nightly-cleanup/ }).first().waitFor({ timeout: 10000 });
  const rows = await tree.locator('[role="treeitem"]').allInnerTexts();
  const flat = rows.join(' | ').replace(/\s+/g, ' ');
  check(/orders-api/.test(flat) && /Nodejs18\.15 · 256 MB · 3 s/.test(flat), `tree shows orders-api with runtime, memory and timeout (${flat.slice(0, 300)})`);
  check(/nightly-cleanup/.test(flat) && /Python3\.9/.test(flat), 'tree shows the Python function');
  check(!/hidden-function/.test(flat), 'files.exclude hides excluded/serverless.yml');
  const icon = await tree.locator('[role="treeitem"]', { hasText: 'orders-api' }).first().locator('.custom-view-tree-node-item-icon').getAttribute('style');
  check(/runtime-nodejs\.svg/.test(icon ?? ''), 'the function row has the Node.js runtime icon');
  // Widen the side bar by dragging its edge, so descriptions show in full in the screenshot.
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (sidebar) {
    const x = sidebar.x + sidebar.width - 1;
    await page.mouse.move(x, sidebar.y + sidebar.height / 2);
    await page.mouse.down();
    await page.mouse.move(x + 180, sidebar.y + sidebar.height / 2, { steps: 5 });
    await page.mouse.up();
  }
  mkdirSync(shots, { recursive: true });
  await page.mouse.move(900, 300);
  await page.screenshot({ path: join(shots, 'functions-tree.png') });
  // The list is virtual (only rows in view are in the DOM): scroll to its end for the last item.
  await tree.hover();
  await page.mouse.wheel(0, 3000);
  const brokenRow = tree.locator('[role="treeitem"]', { hasText: 'broken/serverless.yml' }).first();
  await brokenRow.waitFor({ timeout: 10000 });
  const brokenText = (await brokenRow.innerText()).replace(/\s+/g, ' ');
  check(/broken\/serverless\.yml:\d+/.test(brokenText) && /YAML syntax error/.test(brokenText), `tree shows the broken serverless.yml as an item with its error (${brokenText})`);

  step('checking the explorer context menu of a serverless.yml');
  await page.keyboard.press('Control+Shift+E');
  const explorer = page.locator('.explorer-folders-view');
  await explorer.locator('[role="treeitem"]', { hasText: 'orders' }).first().click();
  const yml = explorer.locator('[role="treeitem"]', { hasText: 'serverless.yml' }).first();
  await yml.waitFor({ timeout: 10000 });
  const menu = page.locator('.context-view .monaco-menu');
  // The explorer's list is virtual and re-renders while folders expand: a right-click aimed at the
  // file can land on the folder row that moved under the pointer (seen under load: a folder's menu,
  // with "Find in Folder..."). So wait until the row stops moving, and aim again if the menu that
  // opened is not a file's.
  let entries = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    await stableBox(yml);
    await yml.click({ button: 'right' });
    await menu.waitFor({ timeout: 10000 });
    entries = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim());
    if (!entries.includes('Find in Folder...')) break;
    await page.keyboard.press('Escape');
  }
  check(entries.includes('Invoke Locally') && entries.includes('Deploy'), `the explorer menu of serverless.yml has Invoke Locally and Deploy (${entries.filter(Boolean).join(', ')})`);
  await page.keyboard.press('Escape');
  await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();

  step('invoking through the command palette');
  const input = await openPalette(page);
  await input.fill('>SCF: Invoke Locally');
  await page.locator('.quick-input-list [role="option"]', { hasText: 'SCF: Invoke Locally' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-list [role="option"]', { hasText: 'orders-api' }).first().waitFor();
  await input.fill('orders-api');
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-list [role="option"]', { hasText: 'paid' }).first().waitFor();
  await input.fill('paid');
  await page.keyboard.press('Enter');
  const statusItem = page.locator('.part.statusbar .statusbar-item', { hasText: /SCF 200 ·/ });
  await statusItem.first().waitFor({ timeout: 30000 });
  check(true, 'status bar shows "SCF 200 · N ms" after an invoke from the command palette');

  step('checking the SCF output panel');
  await statusItem.first().click();
  await page.locator('.part.panel .output-view').waitFor({ timeout: 10000 });
  await palette(page, 'View: Toggle Maximized Panel');
  let text = '';
  for (let i = 0; i < 50 && !/Status: 200 Success/.test(text); i++) {
    text = await outputText(page);
    if (!/Status: 200 Success/.test(text)) await page.waitForTimeout(200);
  }
  check(/Status: 200 Success/.test(text), 'the SCF output shows "Status: 200 Success"');
  check(/RequestId/.test(text), 'the SCF output shows request ids');
  // The grammar colours the status line: its tokens carry more than one colour class.
  const statusLine = page.locator('.part.panel .output-view .view-line', { hasText: 'Status: 200 Success' }).last();
  // Monaco paints the text first and its tokens a moment later (later still on a busy machine: with
  // the machine's two cores shared, 5 s were seen not to be enough).
  let classes = new Set();
  for (let i = 0; i < 100 && classes.size < 2; i++) {
    classes = new Set(await statusLine.locator('span > span').evaluateAll((spans) => spans.map((s) => s.className)));
    if (classes.size < 2) await page.waitForTimeout(200);
  }
  check(classes.size >= 2, `the status line is coloured by the scf-log grammar (${[...classes].join(' ')})`);
  await page.mouse.move(900, 300); // no hover tooltip in the picture
  await page.screenshot({ path: join(shots, 'output-after-invoke.png') });
  await palette(page, 'View: Toggle Maximized Panel');

  step('checking the Problems panel: every file of the workspace, none of them open');
  await palette(page, 'View: Close All Editors');
  await page.keyboard.press('Control+Shift+M');
  const markers = page.locator('.part.panel .markers-panel');
  await markers.waitFor({ timeout: 10000 });
  await markers.locator('[role="treeitem"]', { hasText: 'broken.json' }).first().waitFor({ timeout: 15000 });
  const problems = (await markers.locator('[role="treeitem"]').allInnerTexts()).join(' | ').replace(/\s+/g, ' ');
  check(/broken\.json/.test(problems) && /SCF test event/.test(problems), `the Problems panel lists the broken test event (${problems.slice(0, 300)})`);
  const mistakesListed = await markers
    .locator('[role="treeitem"]', { hasText: 'Nodejs99.1' })
    .first()
    .waitFor({ timeout: 30000 })
    .then(() => true, () => false);
  const allProblems = (await markers.locator('[role="treeitem"]').allInnerTexts()).join(' | ').replace(/\s+/g, ' ');
  check(mistakesListed && /YAML syntax error/.test(allProblems), `the Problems panel lists the problems of serverless.yml files that were never opened (${allProblems.slice(0, 400)})`);
  check((await page.locator('.editor-instance .view-lines').count()) === 0, 'no editor is open while the Problems panel lists them');
  // The Functions view marks the function at fault.
  const functionsTree = page.locator('.pane-body [role="tree"]').filter({ hasText: 'orders-api' }).first();
  if (!(await functionsTree.isVisible())) await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  const marked = functionsTree.locator('[role="treeitem"]', { hasText: 'mistakes-fn' }).first();
  await marked.waitFor({ timeout: 10000 });
  const markedText = (await marked.innerText()).replace(/\s+/g, ' ');
  check(/4 errors/.test(markedText), `the Functions view marks mistakes-fn with its problems (${markedText})`);
  await page.mouse.move(900, 300);
  await page.screenshot({ path: join(shots, 'problems.png') });

  step('clicking the broken file in the Functions view opens it');
  await functionsTree.hover();
  await page.mouse.wheel(0, 3000);
  await functionsTree.locator('[role="treeitem"]', { hasText: 'broken/serverless.yml' }).first().click();
  const opened = await page
    .locator('.editor-instance .view-lines', { hasText: 'memorySize: [128' })
    .first()
    .waitFor({ timeout: 15000 })
    .then(() => true, () => false);
  check(opened, 'clicking the broken file in the Functions view opens it');

  step('keybindings: Ctrl+Alt+Enter invokes the function of the active file, Ctrl+Alt+Shift+R invokes again');
  await palette(page, 'View: Close All Editors');
  await palette(page, 'View: Hide Panel'); // the output's own editor must not be the active one
  await openFile(page, 'orders/src/index.js');
  const handlerEditor = page.locator('.part.editor .editor-instance .view-lines', { hasText: 'main_handler' }).first();
  await handlerEditor.waitFor({ timeout: 10000 });
  await handlerEditor.click();
  // The key applies once the extension has seen the editor change (a context key set over IPC): retry.
  const eventOption = page.locator('.quick-input-list [role="option"]', { hasText: 'paid' }).first();
  let picked = false;
  for (let i = 0; i < 5 && !picked; i++) {
    await page.keyboard.press('Control+Alt+Enter');
    picked = await eventOption.waitFor({ timeout: 2000 }).then(() => true, () => false);
  }
  if (process.env.E2E_DEBUG) await page.screenshot({ path: '/tmp/e2e-debug-keybinding.png' });
  const pickTitle = await page.locator('.quick-input-widget .quick-input-title').innerText().catch(() => '');
  check(picked && /orders-api/.test(pickTitle), `Ctrl+Alt+Enter in the handler's file asks for an event of its function (${pickTitle})`);
  if (picked) {
    await page.locator('.quick-input-widget input').fill('paid');
    await page.keyboard.press('Enter');
  }
  const statusAfterKey = page.locator('.part.statusbar .statusbar-item', { hasText: /SCF 200 ·/ }).first();
  check(await statusAfterKey.waitFor({ timeout: 30000 }).then(() => true, () => false), 'and the invocation ends with SCF 200 in the status bar');
  // The result ends with its request id: a new one at the end of the output is a new invocation.
  await palette(page, 'SCF: Show Output');
  await palette(page, 'View: Toggle Maximized Panel');
  const lastRequestId = async () => [...(await outputText(page)).matchAll(/"requestId": "([0-9a-f-]{36})"/g)].pop()?.[1];
  let firstId;
  for (let i = 0; i < 50 && !firstId; i++) {
    firstId = await lastRequestId();
    if (!firstId) await page.waitForTimeout(200);
  }
  await page.keyboard.press('Control+Alt+Shift+R');
  let againId;
  for (let i = 0; i < 75 && (!againId || againId === firstId); i++) {
    againId = await lastRequestId();
    if (!againId || againId === firstId) await page.waitForTimeout(200);
  }
  const header = /── Invoke orders-api with test event "paid" \(sync\)/.test(await outputText(page));
  check(Boolean(firstId && againId && againId !== firstId && header), `Ctrl+Alt+Shift+R invokes it again with the same event (${firstId} then ${againId})`);
  if (process.env.E2E_DEBUG) await page.screenshot({ path: '/tmp/e2e-debug-again.png' });
  await palette(page, 'View: Toggle Maximized Panel');

  step('Invoke Locally offers sync or async: the async button of an event in the pick');
  await palette(page, 'View: Close All Editors');
  await palette(page, 'SCF: Invoke Locally', { opensPick: true });
  await page.locator('.quick-input-list [role="option"]', { hasText: 'orders-api' }).first().waitFor();
  await page.locator('.quick-input-widget input').fill('orders-api');
  await page.keyboard.press('Enter');
  const paidRow = page.locator('.quick-input-list [role="option"]', { hasText: 'paid' }).first();
  await paidRow.waitFor();
  await paidRow.hover();
  const asyncButton = paidRow.locator('.action-label[aria-label^="Invoke async"], .action-label[title^="Invoke async"]').first();
  const hasButton = await asyncButton.waitFor({ timeout: 5000 }).then(() => true, () => false);
  check(hasButton, 'each event in the Invoke Locally pick has an "Invoke async" button (Enter sends it sync)');
  if (hasButton) {
    await asyncButton.click();
    await palette(page, 'SCF: Show Output');
    let asyncText = '';
    for (let i = 0; i < 75 && !/Async: succeeded on attempt 1/.test(asyncText); i++) {
      asyncText = await outputText(page);
      if (!/Async: succeeded on attempt 1/.test(asyncText)) await page.waitForTimeout(200);
    }
    // (The output's visible lines are its last ones: the header and "Accepted (async)" are above them.)
    check(/Async: succeeded on attempt 1/.test(asyncText) && /async invocation: the caller gets only the request id/.test(asyncText), `the button sends it async: its outcome follows (${asyncText.slice(-300)})`);
  } else await page.keyboard.press('Escape');

  step('New Test Event puts the active editor\'s function first');
  await palette(page, 'View: Close All Editors');
  await openFile(page, 'orders/src/index.js');
  await page.locator('.part.editor .editor-instance .view-lines', { hasText: 'main_handler' }).first().waitFor({ timeout: 10000 });
  await palette(page, 'SCF: New Test Event', { opensPick: true });
  await page.locator('.quick-input-list [role="option"]', { hasText: 'orders-api' }).first().waitFor({ timeout: 10000 }).catch(() => undefined);
  const firstFunction = page.locator('.quick-input-list [role="option"]').first();
  await firstFunction.waitFor({ timeout: 10000 });
  const firstText = (await firstFunction.innerText()).replace(/\s+/g, ' ');
  check(/orders-api/.test(firstText) && /active editor/.test(firstText), `New Test Event, with orders/src/index.js open, offers orders-api first (${firstText})`);
  await page.keyboard.press('Escape');

  step('quick fixes in the editor: the lightbulb menu of the handler line');
  await palette(page, 'View: Close All Editors');
  await palette(page, 'View: Hide Panel');
  if (process.env.E2E_DEBUG) await page.screenshot({ path: '/tmp/e2e-debug-before-quickfix.png' });
  await openFile(page, 'mistakes/serverless.yml');
  const handlerLine = page.locator('.part.editor .editor-instance .view-line', { hasText: 'app.main_handler' }).first();
  await handlerLine.waitFor({ timeout: 10000 }).catch(async (e) => {
    if (process.env.E2E_DEBUG) await page.screenshot({ path: '/tmp/e2e-debug-quickfix.png' });
    throw e;
  });
  const { menu: fixMenu, shown: fixShown, texts: fixTexts } = await quickFixMenu(page, handlerLine, 'Change handler to');
  check(fixShown && /Change handler to `?index\.main_handler/.test(fixTexts), `the quick fix menu offers "Change handler to index.main_handler" (${fixTexts.slice(0, 200)})`);
  await page.screenshot({ path: join(shots, 'quick-fix.png') });
  // Chosen from the menu, the fix rewrites the line and its squiggle goes.
  const squiggles = () => page.locator('.part.editor .editor-instance .squiggly-error').count();
  const before = await squiggles();
  // The menu lets no click through its pointer block; the fix is its focused first item: Enter applies it.
  const focusedFix = (await fixMenu.locator('[role="option"].focused').first().innerText().catch(() => '')).replace(/\s+/g, ' ');
  check(/Change handler to/.test(focusedFix), `the handler fix is the menu's first, focused item (${focusedFix})`);
  await page.keyboard.press('Enter');
  const fixedLine = page.locator('.part.editor .editor-instance .view-line', { hasText: 'handler: index.main_handler' }).first();
  const rewritten = await fixedLine.waitFor({ timeout: 10000 }).then(() => true, () => false);
  let after = before;
  for (let i = 0; i < 50 && after >= before; i++) {
    after = await squiggles();
    if (after >= before) await page.waitForTimeout(200);
  }
  check(rewritten && after < before, `chosen from the menu, the fix rewrites the handler and its problem goes (${before} -> ${after} squiggles)`);
  // Undone (the file back to its text on disk, nothing left to save).
  await fixedLine.click().catch(() => undefined);
  await page.keyboard.press('Control+Z');
  const undone = await page.locator('.part.editor .editor-instance .view-line', { hasText: 'handler: app.main_handler' }).first().waitFor({ timeout: 10000 }).then(() => true, () => false);
  const dirty = await page.locator('.part.editor .tab.dirty').count();
  check(undone && dirty === 0, `Ctrl+Z undoes the fix and leaves the file as it is on disk (${dirty} unsaved)`);

  step('an indentation slip: its problem on the key that slipped, and the quick fix that lines it up');
  await palette(page, 'View: Close All Editors');
  const slipped = join(server.workspace, 'slipped');
  mkdirSync(slipped);
  writeFileSync(join(slipped, 'serverless.yml'), 'component: scf\nname: slipped\ninputs:\n  src: ./\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  memorySize: 128\n    timeout: 3\n');
  writeFileSync(join(slipped, 'index.js'), 'exports.main_handler = async () => "ok";\n');
  await openFile(page, 'slipped/serverless.yml');
  const slipLine = page.locator('.part.editor .editor-instance .view-line', { hasText: 'timeout: 3' }).first();
  await slipLine.waitFor({ timeout: 10000 });
  let slipSquiggles = 0;
  for (let i = 0; i < 50 && slipSquiggles === 0; i++) {
    slipSquiggles = await squiggles();
    if (slipSquiggles === 0) await page.waitForTimeout(200);
  }
  const { texts: indentTexts } = await quickFixMenu(page, slipLine, 'Indent');
  check(slipSquiggles === 1 && /Indent `?timeout`? like `?memorySize`? \(2 spaces\)/.test(indentTexts), `the slipped key has one error, and its quick fix is "Indent timeout like memorySize (2 spaces)" (${slipSquiggles} squiggles; ${indentTexts.slice(0, 200)})`);
  await page.screenshot({ path: join(shots, 'quick-fix-indent.png') });
  await page.keyboard.press('Enter');
  let slipAfter = slipSquiggles;
  for (let i = 0; i < 50 && slipAfter > 0; i++) {
    slipAfter = await squiggles();
    if (slipAfter > 0) await page.waitForTimeout(200);
  }
  await page.keyboard.press('Control+S');
  let savedText = '';
  for (let i = 0; i < 50 && !savedText.includes('\n  timeout: 3\n'); i++) {
    savedText = readFileSync(join(slipped, 'serverless.yml'), 'utf8');
    if (!savedText.includes('\n  timeout: 3\n')) await page.waitForTimeout(200);
  }
  check(slipAfter === 0 && savedText.endsWith('  memorySize: 128\n  timeout: 3\n'), `the fix re-indents the line and the file parses (${slipAfter} squiggles; saved: ${JSON.stringify(savedText.slice(-40))})`);
  await palette(page, 'View: Close All Editors');
  rmSync(slipped, { recursive: true, force: true });

  step('the Get Started walkthrough');
  await palette(page, 'View: Toggle Primary Side Bar Visibility'); // room for the steps and their text
  await palette(page, 'SCF: Get Started');
  const walkthrough = page.locator('.gettingStartedContainer', { hasText: 'Get Started with SCF Toolkit' }).first();
  const shown = await walkthrough.waitFor({ timeout: 20000 }).then(() => true, () => false);
  const steps = shown ? (await walkthrough.innerText()).replace(/\s+/g, ' ') : '';
  check(shown && ['Create a function', 'Invoke it locally', 'Debug it', 'Deploy it'].every((t) => steps.includes(t)), `the walkthrough has its four steps (${steps.slice(0, 200)})`);
  await page.mouse.move(900, 300);
  await page.screenshot({ path: join(shots, 'walkthrough.png') });
  await palette(page, 'View: Close All Editors');
  await palette(page, 'View: Toggle Primary Side Bar Visibility');

  step('the gateway and the local endpoint in the status bar');
  const endpointItem = page.locator('.part.statusbar .statusbar-item', { hasText: /Endpoint :\d+/ }).first();
  check(await endpointItem.waitFor({ timeout: 10000 }).then(() => true, () => false), 'the local endpoint the suite deployed to has a status bar item');
  await palette(page, 'SCF: Start Local HTTP Gateway');
  const gatewayItem = page.locator('.part.statusbar .statusbar-item', { hasText: /Gateway :\d+/ }).first();
  check(await gatewayItem.waitFor({ timeout: 30000 }).then(() => true, () => false), 'the running gateway has a status bar item');
  await gatewayItem.click();
  const stopOption = page.locator('.quick-input-list [role="option"]', { hasText: 'Stop Gateway' }).first();
  check(await stopOption.waitFor({ timeout: 10000 }).then(() => true, () => false), 'clicking it offers Open in Browser, Copy Address and Stop Gateway');
  await page.mouse.move(900, 300);
  await page.screenshot({ path: join(shots, 'gateway-status.png') });
  await stopOption.click();
  check(await gatewayItem.waitFor({ state: 'hidden', timeout: 15000 }).then(() => true, () => false), 'Stop Gateway from it stops the gateway and the item goes');

  step('the Deployed view shows what the suite deployed to the local endpoint');
  const deployedPane = page.locator('.pane-header', { hasText: 'Deployed' }).first();
  if ((await deployedPane.getAttribute('aria-expanded')) === 'false') await deployedPane.click();
  const localTarget = page.locator('[role="treeitem"]', { hasText: 'Local endpoint' }).first();
  await localTarget.waitFor({ timeout: 10000 });
  if ((await localTarget.getAttribute('aria-expanded')) !== 'true') await localTarget.click();
  const deployedRow = page.locator('[role="treeitem"]', { hasText: /orders-api.*Active/ }).first();
  check(await deployedRow.waitFor({ timeout: 20000 }).then(() => true, () => false), 'the Deployed view lists orders-api as Active on the local endpoint');
  await palette(page, 'Notifications: Clear All Notifications');
  await page.mouse.move(900, 300);
  await page.screenshot({ path: join(shots, 'deployed.png') });
  // Collapsed again, so the layout check below starts from the view's first state.
  await deployedPane.click();

  step('checking the layout: functions closed at first, the Deployed view collapsed, and what the user opens remembered');
  await palette(page, 'View: Close All Editors');
  await page.keyboard.press('Control+Shift+M'); // hide the panel again
  const deployedHeader = page.locator('.pane-header', { hasText: 'Deployed' }).first();
  check((await deployedHeader.getAttribute('aria-expanded')) === 'false', 'the Deployed view starts collapsed (one line of the side bar)');
  const ordersRow = functionsTree.locator('[role="treeitem"]', { hasText: 'orders-api' }).first();
  await functionsTree.hover();
  await page.mouse.wheel(0, -3000);
  await ordersRow.waitFor({ timeout: 10000 });
  check((await ordersRow.getAttribute('aria-expanded')) === 'false', 'functions start collapsed when the workspace has several');
  await ordersRow.locator('.monaco-tl-twistie').click();
  check(await attributeBecomes(ordersRow, 'aria-expanded', 'true'), 'a click opens orders-api');
  await page.mouse.move(900, 300);
  await page.screenshot({ path: join(shots, 'layout.png') });
  await page.waitForTimeout(1000); // the saved state is written a moment after the click
  await page.reload();
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  const afterReload = page.locator('.pane-body [role="tree"]').filter({ hasText: 'orders-api' }).first();
  // The side bar comes back as it was, and the tree fills once the extension has activated and scanned:
  // wait for it before opening the SCF view (a click on an already open view container closes it).
  const treeShown = await afterReload.waitFor({ timeout: 20000 }).then(
    () => true,
    () => false,
  );
  if (!treeShown) await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  const reloadedRow = afterReload.locator('[role="treeitem"]', { hasText: 'orders-api' }).first();
  await reloadedRow.waitFor({ timeout: 30000 });
  check(await attributeBecomes(reloadedRow, 'aria-expanded', 'true'), 'after a reload orders-api is still open');
  const jobsRow = afterReload.locator('[role="treeitem"]', { hasText: 'nightly-cleanup' }).first();
  check((await jobsRow.getAttribute('aria-expanded')) === 'false', 'and nightly-cleanup still closed');
  // The Deployed view, opened, stays open after a reload too (VS Code keeps a view's state; we do not reset it).
  const deployedAgain = page.locator('.pane-header', { hasText: 'Deployed' }).first();
  if ((await deployedAgain.getAttribute('aria-expanded')) === 'false') await deployedAgain.click();
  check(await attributeBecomes(deployedAgain, 'aria-expanded', 'true'), 'a click opens the Deployed view');
  await page.waitForTimeout(1000);
  await page.reload();
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  const deployedShown = await page.locator('.pane-header', { hasText: 'Deployed' }).first().waitFor({ timeout: 20000 }).then(
    () => true,
    () => false,
  );
  if (!deployedShown) await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  check(await attributeBecomes(page.locator('.pane-header', { hasText: 'Deployed' }).first(), 'aria-expanded', 'true', 30000), 'after a reload the Deployed view is still open');
  await page.close();
  stop(server.child);
}

async function untrustedRun(packages, browser) {
  step('serving the fixture workspace untrusted (Restricted Mode)');
  const server = await serve('untrusted', packages, { trusted: false });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(server.url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await suiteResults(server.results, 180000);

  step('Restricted Mode: the gateway and debug commands are there and explain themselves');
  await palette(page, 'Notifications: Clear All Notifications');
  for (const [title, says] of [
    ['SCF: Start Local HTTP Gateway', /the local HTTP gateway runs your functions' code on this machine/],
    ['SCF: Debug Function', /Debug Function runs your functions' code on this machine/],
  ]) {
    await palette(page, title);
    const note = page.locator('.notifications-toasts .notification-toast', { hasText: says }).first();
    check(await note.waitFor({ timeout: 15000 }).then(() => true, () => false), `"${title}" is in the palette and says why it does not run`);
    if (title.includes('Gateway')) {
      const manage = note.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).first();
      check(await manage.waitFor({ timeout: 5000 }).then(() => true, () => false), 'and offers Manage Workspace Trust');
      // The toast slides in: its button wholly in view before the picture.
      for (let i = 0; i < 20; i++) {
        const box = await manage.boundingBox();
        if (box && box.y + box.height <= 840) break;
        await page.waitForTimeout(100);
      }
      await page.mouse.move(700, 300);
      await page.screenshot({ path: join(shots, 'restricted-gateway.png') });
    }
    await palette(page, 'Notifications: Clear All Notifications');
  }
  await page.close();
  stop(server.child);
}

async function welcomeRun(packages, browser) {
  step('serving an empty workspace: the welcome view');
  const server = await serve('empty', packages, { trusted: true, empty: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(server.url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  const welcome = page.locator('.welcome-view-content', { hasText: 'No serverless.yml found' }).first();
  await welcome.waitFor({ timeout: 30000 });
  check(true, 'the Functions view shows its welcome content in a workspace without serverless.yml');
  await welcome.locator('a, .monaco-button', { hasText: 'New Function' }).first().click();
  const editor = page.locator('.editor-instance .view-lines', { hasText: 'component: scf' }).first();
  const created = await editor.waitFor({ timeout: 20000 }).then(() => true, () => false);
  check(created && existsSync(join(server.workspace, 'serverless.yml')), 'New Function in the welcome view creates serverless.yml from the snippet');
  await page.close();
  stop(server.child);
}

async function appsRun(packages, browser) {
  step('serving a Serverless Cloud Framework app: multi-scf functions, an http app and their layer');
  const source = join(work, 'shop-source');
  cpSync(join(root, 'test', 'fixtures', 'apps', 'shop'), source, { recursive: true });
  mkdirSync(join(source, 'api', '.scf', 'events', 'api-dev-shop-index'), { recursive: true });
  writeFileSync(join(source, 'api', '.scf', 'events', 'api-dev-shop-index', 'shopper.json'), '{ "who": "e2e" }\n');
  const server = await serve('apps', packages, { trusted: true, source, suite: false });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(server.url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  const tree = page.locator('.pane-body [role="tree"]').filter({ hasText: 'api-dev-shop-index' }).first();
  await tree.waitFor({ timeout: 30000 });
  const rows = async () => (await tree.locator('[role="treeitem"]').allInnerTexts()).join(' | ').replace(/\s+/g, ' ');
  let flat = await rows();
  check(/api ?3 functions/.test(flat) && /layer ?1 layer/.test(flat) && /web ?1 function/.test(flat), `the tree shows each file of the app with what it holds (${flat.slice(0, 300)})`);
  check(/api-dev-shop-userList/.test(flat) && /Nodejs16\.13 · 256 MB · 10 s/.test(flat), 'the multi-scf function shows its own settings over the shared ones');
  check(/shop-web/.test(flat) && /web · express · Nodejs16\.13 · 512 MB · 10 s/.test(flat), 'the http app is a web function with its framework');
  check(/shop-deps ?layer · Nodejs16\.13, Python3\.9/.test(flat), 'the layer file shows its layer and runtimes');
  // Opens a row (the tree may re-render while a row appears: try again until it says it is open).
  const expand = async (row) => {
    await row.waitFor({ timeout: 10000 });
    for (let i = 0; i < 4 && (await row.getAttribute('aria-expanded')) !== 'true'; i++) {
      await row.locator('.monaco-tl-twistie').click();
      await attributeBecomes(row, 'aria-expanded', 'true', 2000);
    }
  };
  const index = tree.locator('[role="treeitem"]', { hasText: 'api-dev-shop-index' }).first();
  await expand(index);
  const layersGroup = tree.locator('[role="treeitem"]', { hasText: /^Layers/ }).first();
  await expand(layersGroup);
  await tree.locator('[role="treeitem"]', { hasText: 'the version deploy publishes' }).first().waitFor({ timeout: 10000 });
  flat = await rows();
  check(/shop-deps ?the version deploy publishes · layer\/content/.test(flat), `the function's layer shows where it is mounted from (${flat.slice(0, 500)})`);
  const triggers = tree.locator('[role="treeitem"]', { hasText: /^Triggers/ }).first();
  const apigw = tree.locator('[role="treeitem"]', { hasText: 'apigw: shop' }).first();
  // Its child row can stay absent after the expand (seen once in a fresh-clone CI run: the list
  // re-rendered as the layer rows came in): look again, with the group brought into view.
  for (let attempt = 0; attempt < 3; attempt++) {
    await triggers.scrollIntoViewIfNeeded().catch(() => undefined);
    await expand(triggers);
    if (await apigw.waitFor({ timeout: 5000 }).then(() => true, () => false)) break;
  }
  await apigw.waitFor({ timeout: 10000 });
  check(/apigw: shop ?GET \//.test(await rows()), 'the function shows the apigw api that names it');

  step('invoking a multi-scf function from its row in the tree');
  await index.hover();
  await index.locator('.action-label[aria-label^="Invoke Locally"]').first().click();
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-list [role="option"]', { hasText: 'shopper' }).first().waitFor({ timeout: 15000 });
  await input.fill('shopper');
  await page.keyboard.press('Enter');
  const statusItem = page.locator('.part.statusbar .statusbar-item', { hasText: /SCF 200 ·/ });
  const invoked = await statusItem.first().waitFor({ timeout: 60000 }).then(() => true, () => false);
  check(invoked, 'the invoke from the tree ends with 200');
  let text = '';
  for (let i = 0; i < 50 && !/from the shop-deps layer/.test(text); i++) {
    text = await outputText(page);
    if (!/from the shop-deps layer/.test(text)) await page.waitForTimeout(200);
  }
  check(/hello e2e, from the shop-deps layer/.test(text), `the handler required the module of its layer (${text.slice(-400)})`);
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (sidebar) {
    const x = sidebar.x + sidebar.width - 1;
    await page.mouse.move(x, sidebar.y + sidebar.height / 2);
    await page.mouse.down();
    await page.mouse.move(x + 180, sidebar.y + sidebar.height / 2, { steps: 5 });
    await page.mouse.up();
  }
  await page.mouse.move(900, 300);
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'apps-tree.png') });

  step('hover on a ${output:...} reference in the multi-scf file: what it resolves to');
  await openFile(page, 'api/serverless.yml');
  const refLine = page.locator('.part.editor .editor-instance .view-line', { hasText: 'shop-deps.name' }).first();
  await refLine.waitFor({ timeout: 10000 });
  const ref = refLine.locator('span', { hasText: 'shop-deps.name' }).last();
  let hoverText = '';
  for (let i = 0; i < 5 && !/→/.test(hoverText); i++) {
    await page.mouse.move(900, 300);
    await ref.hover();
    const widget = page.locator('.monaco-hover:not(.hidden)', { hasText: 'shop-deps' }).first();
    hoverText = await widget.waitFor({ timeout: 5000 }).then(() => widget.innerText(), () => '');
  }
  hoverText = hoverText.replace(/\s+/g, ' ');
  check(/output:dev:shop:shop-deps\.name.*→.*shop-deps.*from the layer instance/.test(hoverText), `the hover says what the reference resolves to and where from (${hoverText.slice(0, 300)})`);
  await page.screenshot({ path: join(shots, 'hover-output.png') });
  await page.close();
  stop(server.child);
}

let browser;
try {
  const packages = await setup();
  browser = await launchBrowser();
  if (process.env.E2E_ONLY !== 'apps') {
    await trustedRun(packages, browser);
    if (process.env.E2E_SKIP_UNTRUSTED !== '1') await untrustedRun(packages, browser);
    await welcomeRun(packages, browser);
  }
  await appsRun(packages, browser);
} catch (e) {
  failures.push(String(e?.stack ?? e));
  console.error(e);
} finally {
  await browser?.close().catch(() => undefined);
  for (const c of children) stop(c);
  if (process.env.E2E_KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
step(failures.length === 0 ? 'all checks passed' : `${failures.length} check(s) failed`);
process.exit(failures.length === 0 ? 0 : 1);
