import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerless } from '../../src/model';
import { rootNodes, functionChildren, groupChildren, runtimeFamily, functionDescription, displayValue, functionProblems, problemText, defaultExpansion, type FileEntry, type TreeNode } from '../../src/views/treeModel';

const YML = `component: scf
name: orders
stage: dev
inputs:
  name: orders-api
  src: ./src
  handler: index.main_handler
  runtime: Nodejs16.13
  memorySize: 256
  timeout: 10
  description: Takes orders
  environment:
    variables:
      TABLE: orders
      DB_PASSWORD: hunter2
  events:
    - timer:
        name: nightly
        parameters:
          cronExpression: '0 0 2 * * * *'
          enable: false
    - apigw:
        name: api
        parameters:
          endpoints:
            - path: /orders
              method: POST
`;

function entry(file: string, text: string): FileEntry {
  return { file, result: parseServerless(text, file, { env: {} }) };
}

test('one file: the top level lists its functions with runtime, memory and timeout', () => {
  const roots = rootNodes([entry('/w/serverless.yml', YML)], ['/w']);
  assert.equal(roots.length, 1);
  const fn = roots[0]!;
  assert.equal(fn.kind, 'function');
  assert.equal(fn.label, 'orders-api');
  assert.equal(fn.description, 'Nodejs16.13 · 256 MB · 10 s');
  if (fn.kind !== 'function') return;
  assert.equal(fn.runtime, 'nodejs');
  assert.match(fn.tooltip, /handler: index\.main_handler/);
  assert.match(fn.tooltip, /defined in serverless\.yml:4/);
});

test('children: triggers, environment variables (secrets masked) and test events', () => {
  const fn = rootNodes([entry('/w/serverless.yml', YML)], ['/w'])[0]! as Extract<TreeNode, { kind: 'function' }>;
  const events = [{ functionName: 'orders-api', name: 'paid', file: '/w/.scf/events/orders-api/paid.json' }];
  const groups = functionChildren(fn.spec, events);
  assert.deepEqual(groups.map((g) => [g.label, 'description' in g ? g.description : '']), [['Triggers', '2'], ['Environment variables', '2'], ['Test events', '1']]);
  const [triggers, env, ev] = groups.map((g) => groupChildren(g as Extract<TreeNode, { kind: 'group' }>, events));
  assert.deepEqual(triggers!.map((t) => [t.label, 'description' in t ? t.description : '']), [
    ['timer: nightly', '0 0 2 * * * * (disabled)'],
    ['apigw: api', 'POST /orders'],
  ]);
  assert.deepEqual(env!.map((v) => [v.label, 'description' in v ? v.description : '']), [['DB_PASSWORD', '••••••'], ['TABLE', 'orders']]);
  assert.equal(ev![0]!.kind, 'event');
  assert.equal(ev![0]!.label, 'paid');
  const none = groupChildren(groups[2] as Extract<TreeNode, { kind: 'group' }>, []);
  assert.equal(none[0]!.kind, 'hint');
});

test('more than five events shows the console limit as a warning', () => {
  const fn = rootNodes([entry('/w/serverless.yml', YML)], ['/w'])[0]! as Extract<TreeNode, { kind: 'function' }>;
  const events = Array.from({ length: 6 }, (_, i) => ({ functionName: 'orders-api', name: `e${i}`, file: `/w/e${i}.json` }));
  const group = functionChildren(fn.spec, events)[2]!;
  assert.equal('description' in group ? group.description : '', '6 (the console keeps 5)');
});

test('several files: one node per folder; a broken file is an item with its error, not a crash', () => {
  const roots = rootNodes(
    [
      entry('/w/api/serverless.yml', YML),
      entry('/w/jobs/serverless.yml', YML.replace('orders-api', 'nightly-job')),
      entry('/w/broken/serverless.yml', 'component: scf\nname: x\ninputs:\n  handler: [unclosed\n'),
    ],
    ['/w'],
  );
  // (line 4, where the bracket that is never closed opens)
  assert.deepEqual(roots.map((r) => [r.kind, r.label]), [['file', 'api'], ['file', 'jobs'], ['brokenFile', 'broken/serverless.yml:4']]);
  const broken = roots[2]!;
  assert.ok(broken.kind === 'brokenFile');
  if (broken.kind !== 'brokenFile') return;
  assert.match(broken.description, /YAML syntax error/);
  assert.ok(!broken.description.startsWith('/w'));
  assert.match(broken.tooltip, /^\/w\/broken\/serverless\.yml:/);
});

test('helpers: runtime family, web functions, masked values', () => {
  assert.equal(runtimeFamily('Python3.9'), 'python');
  assert.equal(runtimeFamily('Go1'), 'go');
  assert.equal(runtimeFamily('Java8'), 'java');
  assert.equal(runtimeFamily('Php7.4'), 'php');
  assert.equal(runtimeFamily('CustomRuntime'), 'custom');
  assert.equal(runtimeFamily('Ruby'), 'unknown');
  const web = parseServerless('component: scf\nname: w\ninputs:\n  type: web\n  runtime: Nodejs16.13\n', '/w/serverless.yml', { env: {} });
  assert.ok(web.ok);
  if (web.ok) assert.equal(functionDescription(web.value.functions[0]!), 'web · Nodejs16.13 · 128 MB · 3 s');
  assert.equal(displayValue('API_KEY', 'abc'), '••••••');
  assert.equal(displayValue('REGION', 'ap-guangzhou'), 'ap-guangzhou');
  assert.equal(displayValue('TOKEN', ''), '');
});

test('problems mark the function they are in: the one declared at or above their line', () => {
  const text = `first:\n  component: scf\n  inputs:\n    name: first\n    runtime: Nodejs18.15\n    memorySize: 100\nsecond:\n  component: scf\n  inputs:\n    name: second\n    runtime: Nodejs99.1\n    timeout: 0\n`;
  const loaded = parseServerless(text, '/w/serverless.yml');
  assert.ok(loaded.ok);
  const [first, second] = loaded.value.functions;
  assert.ok(first && second);
  const problems = [
    { line: 5, severity: 'error' as const }, // first's memorySize
    { line: 10, severity: 'error' as const }, // second's runtime
    { line: 11, severity: 'warning' as const },
    { line: 11, severity: 'other' as const }, // hints and information do not mark
  ];
  assert.deepEqual(functionProblems(first, loaded.value.functions, problems), { errors: 1, warnings: 0 });
  assert.deepEqual(functionProblems(second, loaded.value.functions, problems), { errors: 1, warnings: 1 });
  assert.equal(problemText(functionProblems(second, loaded.value.functions, problems)), '1 error, 1 warning');
  // One function in the file: every problem of the file is its own, `component:` on line 0 included.
  assert.deepEqual(functionProblems(first, [first], [{ line: 0, severity: 'error' }, ...problems]), { errors: 3, warnings: 1 });
  assert.equal(problemText({ errors: 0, warnings: 0 }), '');
});

test('the tree opens sensibly: files open, functions closed unless there is one, test events open inside a function', () => {
  const loaded = parseServerless(YML, '/w/orders/serverless.yml');
  assert.ok(loaded.ok);
  const spec = loaded.value.functions[0]!;
  const [fnNode] = rootNodes([{ file: spec.file, result: loaded }], ['/w']);
  assert.ok(fnNode && fnNode.kind === 'function');
  assert.equal(defaultExpansion(fnNode, 1), 'expanded', 'the only function of the workspace is open');
  assert.equal(defaultExpansion(fnNode, 4), 'collapsed', 'among several, functions are closed');
  const groups = functionChildren(spec, []);
  assert.deepEqual(groups.map((g) => defaultExpansion(g, 4)), ['collapsed', 'collapsed', 'expanded']);
  const files = rootNodes([{ file: '/w/a/serverless.yml', result: loaded }, { file: '/w/b/serverless.yml', result: loaded }], ['/w']);
  assert.deepEqual(files.map((n) => defaultExpansion(n, 2)), ['expanded', 'expanded']);
  assert.equal(defaultExpansion(groupChildren(groups[0] as Extract<TreeNode, { kind: 'group' }>, [])[0]!, 4), 'none');
});

test('an app of multi-scf functions, an http app and a layer: each file with what it holds, each function with its triggers and layers', async () => {
  const { loadServerlessFile } = await import('../../src/model');
  const { fileChildren } = await import('../../src/views/treeModel');
  const { resolve, join } = await import('node:path');
  const shop = resolve(__dirname, '../fixtures/apps/shop');
  const entries: FileEntry[] = ['api', 'layer', 'web'].map((part) => ({ file: join(shop, part, 'serverless.yml'), result: loadServerlessFile(join(shop, part), { env: {} }) }));
  const roots = rootNodes(entries, [shop]);
  assert.deepEqual(roots.map((n) => [n.kind, n.label, n.kind === 'file' ? n.description : '']), [
    ['file', 'api', '3 functions'],
    ['file', 'layer', '1 layer'],
    ['file', 'web', '1 function'],
  ]);
  const api = roots[0] as Extract<TreeNode, { kind: 'file' }>;
  const fns = fileChildren(api.file, api.loaded, [shop]);
  assert.deepEqual(fns.map((n) => n.label), ['api-dev-shop-index', 'api-dev-shop-userList', 'shop-report']);
  const report = fns[2] as Extract<TreeNode, { kind: 'function' }>;
  const groups = functionChildren(report.spec, []);
  assert.deepEqual(groups.map((g) => [g.label, (g as { description: string }).description]), [
    ['Triggers', '1'],
    ['Environment variables', '1'],
    ['Layers', '1'],
    ['Test events', '0'],
  ]);
  const [trigger] = groupChildren(groups[0] as Extract<TreeNode, { kind: 'group' }>, []);
  assert.deepEqual([trigger!.label, (trigger as { description: string }).description], ['timer: nightly', '0 0 2 * * * *']);
  const [layer] = groupChildren(groups[2] as Extract<TreeNode, { kind: 'group' }>, [], [shop]);
  assert.deepEqual([layer!.kind, layer!.label, (layer as { description: string }).description], ['layerBinding', 'shop-deps', 'the version deploy publishes · layer/content']);
  const layerFile = roots[1] as Extract<TreeNode, { kind: 'file' }>;
  const [layerNode] = fileChildren(layerFile.file, layerFile.loaded, [shop]);
  assert.deepEqual([layerNode!.kind, layerNode!.label, (layerNode as { description: string }).description], ['layer', 'shop-deps', 'layer · Nodejs16.13, Python3.9']);
  const web = fileChildren((roots[2] as Extract<TreeNode, { kind: 'file' }>).file, (roots[2] as Extract<TreeNode, { kind: 'file' }>).loaded, [shop]);
  assert.equal((web[0] as { description: string }).description, 'web · express · Nodejs16.13 · 512 MB · 10 s');
  // A file of a component SCF Toolkit does not handle names it.
  const site = parseServerless('component: website\nname: site\ninputs: {}\n', join(shop, 'site/serverless.yml'), { env: {} });
  const [unchecked] = rootNodes([{ file: join(shop, 'site/serverless.yml'), result: site }], [shop]);
  assert.deepEqual([unchecked!.kind, unchecked!.label, (unchecked as { description: string }).description], ['unchecked', 'site', 'website · not checked by SCF Toolkit']);
});
