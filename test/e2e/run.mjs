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
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, watch } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForExtensionHost, startCodeServer } from './codeServer.mjs';

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
  const copy = join(work, 'project');
  mkdirSync(copy);
  for (const name of readdirSync(root)) {
    if (['node_modules', '.git', 'dist'].includes(name) || name.startsWith('.scratch')) continue;
    cpSync(join(root, name), join(copy, name), { recursive: true, filter: (p) => !p.includes(join('media', 'screenshots')) });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
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

/** Starts code-server on a free port with both extensions; resolves with its URL once it answers. */
async function serve(name, { vsix, runnerVsix }, { trusted, empty = false, source, suite = !empty }) {
  const dir = join(work, name);
  const workspace = join(dir, 'workspace');
  if (empty) mkdirSync(workspace, { recursive: true });
  else cpSync(source ?? join(root, 'test', 'e2e', 'fixtures', 'workspace'), workspace, { recursive: true });
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
  await waitForFile(file, timeoutMs);
  const { results, log } = JSON.parse(readFileSync(file, 'utf8'));
  for (const r of results) check(r.ok, `[extension host] ${r.name}${r.ok ? ` (${r.ms} ms)` : `\n${r.error}`}`);
  return { results, log };
}

/** Runs a command by its title through the command palette. */
async function palette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list [role="option"]', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
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
async function outputText(page) {
  // Monaco renders spaces as no-break spaces.
  return (await page.locator('.part.panel .output-view .view-lines').innerText().catch(() => '')).replace(/\u00a0/g, ' ');
}

async function trustedRun(packages, browser) {
  step('serving the fixture workspace (trusted)');
  const server = await serve('trusted', packages, { trusted: true });
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
  await yml.click({ button: 'right' });
  const menu = page.locator('.context-view .monaco-menu');
  await menu.waitFor({ timeout: 10000 });
  const entries = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim());
  check(entries.includes('Invoke Locally') && entries.includes('Deploy'), `the explorer menu of serverless.yml has Invoke Locally and Deploy (${entries.filter(Boolean).join(', ')})`);
  await page.keyboard.press('Escape');
  await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();

  step('invoking through the command palette');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
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
  const classes = new Set(await statusLine.locator('span > span').evaluateAll((spans) => spans.map((s) => s.className)));
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
  if (!(await afterReload.isVisible().catch(() => false))) await page.locator('.part.activitybar [aria-label^="SCF"]').first().click();
  const reloadedRow = afterReload.locator('[role="treeitem"]', { hasText: 'orders-api' }).first();
  await reloadedRow.waitFor({ timeout: 30000 });
  check(await attributeBecomes(reloadedRow, 'aria-expanded', 'true'), 'after a reload orders-api is still open');
  const jobsRow = afterReload.locator('[role="treeitem"]', { hasText: 'nightly-cleanup' }).first();
  check((await jobsRow.getAttribute('aria-expanded')) === 'false', 'and nightly-cleanup still closed');
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
  await expand(triggers);
  await tree.locator('[role="treeitem"]', { hasText: 'apigw: shop' }).first().waitFor({ timeout: 10000 });
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
