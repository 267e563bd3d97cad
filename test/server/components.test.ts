/**
 * multi-scf, http and layer files through a real LSP conversation with the language server: exact
 * diagnostics (code and range), completion of function keys and component settings, hover, and the
 * information diagnostic for a component SCF Toolkit does not check.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest, DefinitionRequest, DidChangeTextDocumentNotification, type Location, DidOpenTextDocumentNotification, HoverRequest, type CompletionItem, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { FRAMEWORK_NAMES } from '../../src/model/frameworks';
import { main } from '../../src/cli/main';
import { startScfServer, type Client } from './lspClient';

const SHOP = resolve(__dirname, '../fixtures/apps/shop');
let client: Client;
let dir: string;
let version = 1;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scf-components-'));
  cpSync(SHOP, join(dir, 'shop'), { recursive: true });
  client = await startScfServer({ debounceMs: 0 });
});
after(async () => {
  await client.stop();
  rmSync(dir, { recursive: true, force: true });
});

const opened = new Set<string>();

/** Opens the document, or (opened before) replaces its text. */
async function open(file: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const uri = pathToFileURL(file).toString();
  const v = version++;
  const got = client.diagnostics(uri, (p) => p.version === v);
  if (opened.has(uri)) await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
  else await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: v, text } });
  opened.add(uri);
  return { uri, diagnostics: (await got).diagnostics };
}

/** [code, the text the diagnostic covers] */
function spans(text: string, ds: Diagnostic[]): Array<[string, string]> {
  const lines = text.split('\n');
  return ds.map((d) => {
    const { start, end } = d.range;
    const covered = start.line === end.line ? lines[start.line]!.slice(start.character, end.character) : `${lines[start.line]!.slice(start.character)}...`;
    return [String(d.code), covered];
  });
}

test('the shop app (multi-scf with a layer, an express http component, the layer) has no problems', async () => {
  for (const part of ['api', 'web', 'layer']) {
    const file = join(dir, 'shop', part, 'serverless.yml');
    const { diagnostics } = await open(file, readFileSync(file, 'utf8'));
    assert.deepEqual(diagnostics.map((d) => `${d.code}: ${d.message}`), [], part);
  }
});

test('multi-scf: a trigger or an API naming an unknown function, per-function limits and handler files, on their exact spans', async () => {
  const file = join(dir, 'shop', 'api', 'serverless.yml');
  const text = readFileSync(file, 'utf8')
    .replace('      memorySize: 256', '      memorySize: 100')
    .replace('      timeout: 10', '      timeout: 901')
    .replace('            function: userList', '            function: userLst')
    .replace('      function: report', '      function: reprt')
    .replace('      handler: report.main_handler', '      handler: reports.main_handler')
    .replace("        - key: PAGE_SIZE", "        - key: SCF_PAGE_SIZE");
  const { diagnostics } = await open(file, text);
  assert.deepEqual(spans(text, diagnostics), [
    ['scf.memory.invalid', '100'],
    ['scf.timeout.outOfRange', '901'],
    ['scf.env.keyReserved', 'SCF_PAGE_SIZE'],
    ['scf.handler.fileMissing', 'reports.main_handler'],
    ['scf.trigger.unknownFunction', 'reprt'],
    ['scf.trigger.unknownFunction', 'userLst'],
  ]);
  const unknown = diagnostics.find((d) => String(d.message).includes('"userLst"'))!;
  assert.match(String(unknown.message), /not in `functions` \(it has: index, userList, report\).*did you mean "userList"\?/);
  assert.equal(unknown.severity, 1);
  const handler = diagnostics.find((d) => d.code === 'scf.handler.fileMissing')!;
  assert.match(String(handler.message), /entry file \.\/src\/reports\.py does not exist: SCF looks for reports\.py at the root of the code folder \(\.\/src\)/);
});

test('http: framework, runtime and entry file checked; no faas.name is a hint with a fix', async () => {
  const file = join(dir, 'shop', 'web', 'serverless.yml');
  renameSync(join(dir, 'shop', 'web', 'app.js'), join(dir, 'shop', 'web', 'sls.js'));
  try {
    const text = readFileSync(file, 'utf8').replace('    runtime: Nodejs16.13', '    runtime: Python3.9').replace('    name: shop-web\n', '').replace('    framework: express', '    framework: expres');
    let { diagnostics } = await open(file, text);
    assert.deepEqual(spans(text, diagnostics), [
      ['scf.http.defaultName', 'faas'],
      ['scf.schema.enum', 'expres'],
    ]);
    const fixed = text.replace('    framework: expres', '    framework: express');
    ({ diagnostics } = await open(file, fixed));
    assert.deepEqual(spans(fixed, diagnostics), [
      ['scf.http.defaultName', 'faas'],
      ['scf.http.entryMissing', 'express'],
      ['scf.http.runtimeMismatch', 'Python3.9'],
    ]);
    assert.match(String(diagnostics.find((d) => d.code === "scf.http.entryMissing")!.message), /has sls\.js, the entry of the older express component/);
    assert.equal(diagnostics.find((d) => d.code === 'scf.http.defaultName')!.severity, 3, 'information');
  } finally {
    renameSync(join(dir, 'shop', 'web', 'sls.js'), join(dir, 'shop', 'web', 'app.js'));
  }
});

test('layers: a name no local folder answers is an information naming it; a layer\'s own name rule', async () => {
  const file = join(dir, 'shop', 'api', 'serverless.yml');
  const text = readFileSync(file, 'utf8').replace('    - name: ${output:${stage}:${app}:shop-deps.name}\n      version: ${output:${stage}:${app}:shop-deps.version}', '    - name: cloud-only\n      version: 4');
  const { diagnostics } = await open(file, text);
  assert.deepEqual(spans(text, diagnostics), [['scf.layers.notLocal', 'cloud-only']]);
  assert.match(String(diagnostics[0]!.message), /SCF_TOOLKIT_LAYER_cloud_only in \.env/);
  writeFileSync(join(dir, 'shop', 'api', '.env'), 'SCF_TOOLKIT_LAYER_cloud_only=../layer/content\n');
  try {
    const again = await open(file, `${text}\n`);
    assert.deepEqual(again.diagnostics, []);
  } finally {
    rmSync(join(dir, 'shop', 'api', '.env'));
  }
  const layerFile = join(dir, 'shop', 'layer', 'serverless.yml');
  const layerText = readFileSync(layerFile, 'utf8').replace('  name: shop-deps', '  name: shop-deps_').replace('    - Python3.9', '    - Python3.8');
  const layer = await open(layerFile, layerText);
  assert.deepEqual(spans(layerText, layer.diagnostics), [
    ['scf.layer.nameInvalid', 'shop-deps_'],
    ['scf.schema.enum', 'Python3.8'],
  ]);
});

test('a component SCF Toolkit does not check gets one information diagnostic, never a clean bill', async () => {
  const text = 'component: cos\nname: assets\ninputs:\n  bucket: shop-assets\n  memorySize: 100\n';
  const { diagnostics } = await open(join(dir, 'shop', 'cos', 'serverless.yml'), text);
  assert.deepEqual(spans(text, diagnostics), [['scf.component.notChecked', 'cos']]);
  assert.equal(diagnostics[0]!.severity, 3);
  assert.match(String(diagnostics[0]!.message), /component `cos` is not checked by SCF Toolkit/);
});

test('completion: function keys for a trigger\'s function, the framework list, multi-scf settings; hover describes them', async () => {
  const file = join(dir, 'shop', 'api', 'serverless.yml');
  const text = readFileSync(file, 'utf8');
  const { uri } = await open(file, text);
  const lines = text.split('\n');
  const fnLine = lines.findIndex((l) => l === '      function: report');
  const items = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: fnLine, character: 16 } })) as CompletionItem[];
  assert.deepEqual(items.map((i) => i.label), ['index', 'userList', 'report']);

  const keyLine = lines.findIndex((l) => l === '      memorySize: 256');
  const keys = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: keyLine, character: 6 } })) as CompletionItem[];
  for (const k of ['layers', 'src', 'runtime', 'description', 'initTimeout']) assert.ok(keys.some((i) => i.label === k), `${k} offered for a function`);
  assert.ok(!keys.some((i) => i.label === 'functions'), 'functions is not a function setting');
  assert.ok(!keys.some((i) => i.label === 'handler'), 'handler is there already');

  const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lines.findIndex((l) => l.startsWith('  triggers:')), character: 4 } });
  assert.match((hover!.contents as MarkupContent).value, /\*\*triggers\*\*.*\n\nTriggers: each `\{ type, function, parameters \}`/);
  const cron = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lines.findIndex((l) => l.includes('cronExpression')), character: 10 } });
  assert.match((cron!.contents as MarkupContent).value, /SCF's 7-field cron/, 'a timer trigger\'s parameters are described by the timer schema');

  const webFile = join(dir, 'shop', 'web', 'serverless.yml');
  const webText = readFileSync(webFile, 'utf8').replace('    framework: express', '    framework: ');
  const web = await open(webFile, webText);
  const fwLine = webText.split('\n').findIndex((l) => l === '    framework: ');
  const frameworks = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: web.uri }, position: { line: fwLine, character: 15 } })) as CompletionItem[];
  assert.deepEqual(frameworks.map((i) => i.label), ['express', 'koa', 'egg', 'nextjs', 'nuxtjs', 'nestjs', 'flask', 'django', 'laravel', 'thinkphp']);
});

test('hover on a variable says what it resolves to here, or why it cannot be resolved locally', async () => {
  const file = join(dir, 'shop', 'api', 'serverless.yml');
  // An http file's and a multi-scf file's variables: ${app}, ${env:X} from the .env, an unset one, outputs.
  writeFileSync(join(dir, 'shop', 'api', '.env'), 'DB_HOST=10.0.0.8\nDB_PASSWORD=hunter2\n');
  const text = readFileSync(file, 'utf8').replace(
    "      value: ${app}\n",
    "      value: ${app}\n    - key: DB_HOST\n      value: ${env:DB_HOST}\n    - key: DB_PASSWORD\n      value: ${env:DB_PASSWORD}\n    - key: DSN\n      value: 'mysql://${env:DB_HOST}/${stage}'\n    - key: MISSING\n      value: ${env:NOT_SET_ANYWHERE}\n",
  );
  try {
    const { uri } = await open(file, text);
    const lines = text.split('\n');
    const at = async (needle: string, within = 2) => {
      const line = lines.findIndex((l) => l.includes(needle));
      assert.ok(line >= 0, needle);
      const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: lines[line]!.indexOf(needle) + within } });
      return { value: (hover?.contents as MarkupContent | undefined)?.value ?? '', range: hover?.range, line };
    };
    const app = await at('${app}');
    assert.match(app.value, /^`\$\{app\}` → `shop`, from `app`/);
    assert.deepEqual(app.range, { start: { line: app.line, character: 13 }, end: { line: app.line, character: 19 } }, 'the range is the variable');
    assert.match((await at('${env:DB_HOST}')).value, /^`\$\{env:DB_HOST\}` → `10\.0\.0\.8`, from the \.env beside this file\./);
    const secret = await at('${env:DB_PASSWORD}');
    assert.match(secret.value, /`••••••` \(set; not shown/);
    assert.doesNotMatch(secret.value, /hunter2/);
    const dsn = await at('${stage}');
    assert.match(dsn.value, /^`\$\{stage\}` → `dev`/, 'a variable among text: the one under the cursor');
    assert.match(dsn.value, /The value: `mysql:\/\/10\.0\.0\.8\/dev`\./, 'then the whole value');
    assert.match((await at('${env:NOT_SET_ANYWHERE}')).value, /has no value here: NOT_SET_ANYWHERE is set neither in the \.env beside this file nor in the environment/);
    const name = await at('${output:${stage}:${app}:shop-deps.name}', 4);
    assert.match(name.value, /^`\$\{output:\$\{stage\}:\$\{app\}:shop-deps\.name\}` = `\$\{output:dev:shop:shop-deps\.name\}` → `shop-deps`, from the layer instance `shop-deps` \(\.\.\/layer\/serverless\.yml\): its `name`\./);
    assert.match(name.value, /\n\n---\n\n/, 'then what the setting means');
    const version = await at('${output:${stage}:${app}:shop-deps.version}', 4);
    assert.match(version.value, /has no value here: layer shop-deps's version is assigned when it is published; locally its folder is used/);
    // In an http file too, and an output of an instance that is not a layer: known only after deploy.
    const webFile = join(dir, 'shop', 'web', 'serverless.yml');
    const webText = readFileSync(webFile, 'utf8').replace('        value: welcome', '        value: ${output:${stage}:${app}:api.apigw.url}');
    const web = await open(webFile, webText);
    const webLine = webText.split('\n').findIndex((l) => l.includes('${output:'));
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: web.uri }, position: { line: webLine, character: 20 } });
    assert.match((hover!.contents as MarkupContent).value, /has no value here: the multi-scf instance api \(.*api\/serverless\.yml\) has its outputs only after it is deployed/);
  } finally {
    rmSync(join(dir, 'shop', 'api', '.env'));
  }
});

test('the schemas name each definition once, and the http framework list is the model\'s', () => {
  const scf = JSON.parse(readFileSync(resolve(__dirname, '../../schemas/serverless-scf.schema.json'), 'utf8')) as { definitions: Record<string, unknown> };
  const components = JSON.parse(readFileSync(resolve(__dirname, '../../schemas/serverless-components.schema.json'), 'utf8')) as { definitions: Record<string, { properties?: Record<string, { properties?: Record<string, { enum?: string[] }> }> }> };
  const both = Object.keys(scf.definitions).filter((k) => k in components.definitions);
  assert.deepEqual(both, [], '`#/definitions/<name>` must mean one thing in either file');
  const framework = (components.definitions.httpFaas as { properties: Record<string, { enum: string[] }> }).properties.framework!.enum;
  assert.deepEqual(framework, [...FRAMEWORK_NAMES]);
});

test('scf-toolkit validate names the components it did not check in its summary', () => {
  const site = join(dir, 'site');
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, 'serverless.yml'), 'component: website\nname: site\ninputs:\n  src: ./dist\n');
  const r = spawnSync(process.execPath, [resolve(__dirname, '../../dist/cli.js'), 'validate', join(dir, 'shop', 'layer'), site], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], "site/serverless.yml:1:12: information scf.component.notChecked: component `website` is not checked by SCF Toolkit (it checks scf, multi-scf, http and layer): its inputs are neither validated nor run locally");
  assert.equal(lines[1], '2 files checked: 0 errors, 0 warnings; not checked (components SCF Toolkit does not handle): site/serverless.yml:1 (website)');
});

test('a function with an unknown runtime gets that problem alone, not also one about its layer\'s runtimes', async () => {
  const file = join(dir, 'shop', 'api', 'serverless.yml');
  const text = readFileSync(file, 'utf8').replace('      runtime: Python3.9', '      runtime: Python9.9');
  const { diagnostics } = await open(file, text);
  assert.deepEqual(spans(text, diagnostics), [['scf.schema.enum', 'Python9.9']]);
  await open(file, readFileSync(file, 'utf8'));
});

test('scf-toolkit validate --layer NAME=FOLDER: a layer found only in the cloud has its local folder, as for invoke', async () => {
  const cloud = join(dir, 'cloud-layer');
  mkdirSync(join(cloud, 'src'), { recursive: true });
  writeFileSync(join(cloud, 'src', 'index.js'), 'exports.main_handler = async () => 1;\n');
  writeFileSync(join(cloud, 'serverless.yml'), 'component: scf\nname: uses-layer\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Nodejs16.13\n  layers:\n    - name: cloud-only\n      version: 4\n');
  const run = async (...args: string[]) => {
    const o = { stdout: '', stderr: '', cwd: dir, env: { PATH: process.env.PATH } as NodeJS.ProcessEnv, out: (t: string) => void (o.stdout += `${t}\n`), err: (t: string) => void (o.stderr += `${t}\n`) };
    return { code: await main(['validate', 'cloud-layer', '--json', ...args], o), ...o };
  };
  const without = await run();
  assert.deepEqual((JSON.parse(without.stdout) as Array<{ code: string }>).map((r) => r.code), ['scf.layers.notLocal']);
  const withLayer = await run('--layer', 'cloud-only=shop/layer/content');
  assert.equal(withLayer.code, 0, withLayer.stderr);
  assert.deepEqual(JSON.parse(withLayer.stdout), []);
  const missing = await run('--layer', 'cloud-only=no/such/folder');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--layer cloud-only=.*no\/such\/folder: no such folder/);
  const bad = await run('--layer', 'cloud-only');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--layer takes NAME=FOLDER/);
});

test('Go to Definition: a multi-scf function\'s handler in its code folder, a trigger\'s function key to its function', async () => {
  const file = join(dir, 'shop', 'api', 'serverless.yml');
  const text = readFileSync(file, 'utf8');
  const { uri } = await open(file, text);
  const lines = text.split('\n');
  const handlerLine = lines.findIndex((l) => l === '      handler: app.userList');
  const handler = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: handlerLine, character: 20 } })) as Location;
  assert.equal(handler.uri, pathToFileURL(join(dir, 'shop', 'api', 'src', 'app.js')).toString());
  assert.equal(handler.range.start.line, readFileSync(join(dir, 'shop', 'api', 'src', 'app.js'), 'utf8').split('\n').findIndex((l) => l.startsWith('exports.userList')));
  const fnLine = lines.findIndex((l) => l === '      function: report');
  const key = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: fnLine, character: 18 } })) as Location;
  assert.equal(key.uri, uri);
  assert.equal(key.range.start.line, lines.findIndex((l) => l === '    report:'));
});
