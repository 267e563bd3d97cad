// npm run check:demos: runs the hello-world and API Gateway demos of SCF's public demo repository
// (tencentyun/scf-demo-repo) that need no cloud service through `scf-toolkit invoke` or the gateway,
// unchanged, and prints which run and which do not. No demo code is kept in this repository: the
// script reads a clone (or bare git directory) of it from SCF_DEMO_REPO, and reports itself skipped
// when there is none. Needs a build (dist/cli.js).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'cli.js');
const repo = process.env.SCF_DEMO_REPO ?? '/work/.mirror/tencentyun+scf-demo-repo/repo';

/** The demos that need no cloud service: hello worlds, API Gateway and web-page demos. */
const DEMOS = [
  'Nodejs6.10-helloworld', 'Nodejs8.9-helloworld', 'Nodejs10.15-helloworld', 'Nodejs12.16-helloworld',
  'Nodejs6.10-Apigateway', 'Nodejs8.9-Apigateway', 'Nodejs8.9-WebPageDemo', 'Nodejs8.9-HexoDemo',
  'Nodejs10.15-CustomHtml', 'Nodejs12.16-CustomHtml',
  'Python2.7-helloworld', 'Python2.7-HelloWorld', 'Python2.7-API GW Basic Demo', 'Python2.7-CustomHtml', 'Python2.7-Upload file by API GW',
  'Python3.6-helloworld', 'Python3.6-API_Service', 'Python3.6-CustomHtml', 'Python3.6-WebPageDemo',
  'Php5.6-helloworld', 'Php7.2-helloworld', 'Php7.2-ApiGateway', 'Php7.2-WebPageDemo',
  'Go1-helloworld', 'Java8-helloworld', 'CustomRuntime-helloworld', 'CustomRuntime-shellDemo',
];
/**
 * What SCF itself answers where that is not 200, read from the demo's own code and files:
 * the result a local run must give to count as running as on SCF.
 */
const AS_ON_SCF = {
  'Python3.6-API_Service': { status: 403, why: 'its only endpoint, / (integrated response), gets {"errorCode":411} from the code, which serves /article: SCF\'s gateway answers 403 "Invalid scf response format" too' },
};
/** Demos that turn out to need a cloud service after all (their code imports its SDK, not shipped). */
const NEEDS_CLOUD = { 'Python2.7-Upload file by API GW': 'uploads to COS with qcloud_cos, which the demo does not ship' };
const HELLO = JSON.stringify({ key1: 'value1', key2: 'value2' });
/** Who lands the runtime a demo needs (PHP and Go are the phpgo helper's). */
const owner = (name) => (/^(Php|Go)/.test(name) ? ' [php/go]' : '');

if (!existsSync(CLI)) {
  console.error('check:demos: dist/cli.js is missing; run npm run build first');
  process.exit(2);
}
if (!existsSync(repo)) {
  console.log(`check:demos: skipped: no copy of tencentyun/scf-demo-repo at ${repo} (set SCF_DEMO_REPO to a clone or its git directory)`);
  process.exit(0);
}
const bare = existsSync(join(repo, 'HEAD')) && existsSync(join(repo, 'objects'));

/** A demo's files in a temporary folder (from a work tree, or the git objects); files absent from the mirror are counted. */
function materialize(name) {
  const dir = mkdtempSync(join(tmpdir(), 'scf-demo-'));
  const target = join(dir, name.replace(/[^\w.-]/g, '_'));
  let absent = 0;
  if (!bare) {
    spawnSync('cp', ['-a', join(repo, name), target]);
    return { dir: target, absent, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const list = spawnSync('git', ['--git-dir', repo, 'ls-tree', '-r', '-z', 'HEAD', '--', `${name}/`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const entry of list.stdout.split('\0').filter(Boolean)) {
    const [meta, path] = entry.split('\t');
    const [mode, , sha] = meta.split(' ');
    const blob = spawnSync('git', ['--git-dir', repo, 'cat-file', 'blob', sha], { maxBuffer: 512 << 20 });
    if (blob.status !== 0) {
      absent++;
      continue;
    }
    const out = join(target, path.slice(name.length + 1));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, blob.stdout);
    if (mode === '100755') chmodSync(out, 0o755);
  }
  return { dir: target, absent, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function yamlOf(dir) {
  return ['serverless.yml', 'serverless.yaml'].map((f) => join(dir, f)).find((f) => existsSync(f));
}

/** The first apigw endpoint path in serverless.yaml, read plainly (enough for the demos' files). */
function endpointPath(file) {
  const text = spawnSync('cat', [file], { encoding: 'utf8' }).stdout;
  if (!/apigw/.test(text)) return undefined;
  return /-\s*path:\s*(\S+)/.exec(text)?.[1] ?? '/';
}

function invoke(dir) {
  const r = spawnSync(process.execPath, [CLI, 'invoke', dir, '--event-json', HELLO, '--json'], { encoding: 'utf8', timeout: 120_000 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const line = JSON.parse(last);
    if (line.type === 'result') return { ok: line.statusCode === 200, detail: `${line.statusCode} ${line.statusName}${line.statusCode === 200 ? '' : `: ${String(line.errorMessage).slice(0, 160)}`}` };
  } catch {
    /* not a result line */
  }
  return { ok: false, detail: (r.stderr || last || `exit ${r.status}`).trim().split('\n')[0].slice(0, 200) };
}

function viaGateway(dir, path) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'gateway', dir, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => finish({ ok: false, detail: 'the gateway did not start' }), 60_000);
    function finish(result) {
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve(result);
    }
    child.stdout.on('data', async (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m || out.includes('\u0000asked')) return;
      out += '\u0000asked';
      try {
        const res = await fetch(`${m[1]}${path.replace(/\{[^}]+\}/g, 'x')}`, { signal: AbortSignal.timeout(60_000) });
        const body = await res.text();
        finish({ ok: res.status === 200, detail: `GET ${path}: HTTP ${res.status} ${body.replace(/\s+/g, ' ').slice(0, 80)}` });
      } catch (e) {
        finish({ ok: false, detail: `GET ${path}: ${e.message}` });
      }
    });
    child.on('exit', () => finish({ ok: false, detail: `the gateway exited: ${out.trim().split('\n').pop() ?? ''}` }));
  });
}

const rows = [];
for (const name of DEMOS) {
  const demo = materialize(name);
  try {
    if (!existsSync(demo.dir) || readdirSync(demo.dir).length === 0) {
      rows.push({ name, ok: undefined, how: '-', detail: 'not in this copy of the repository' });
      continue;
    }
    let file = yamlOf(demo.dir);
    let note = '';
    if (!file) {
      // The demo ships no serverless.yml (only the console's config.json): describe it as the console does.
      const runtime = name.split('-')[0];
      file = join(demo.dir, 'serverless.yml');
      writeFileSync(file, `component: scf\nname: ${name.replace(/[^\w-]/g, '')}\ninputs:\n  src: ./\n  handler: index.main_handler\n  runtime: ${runtime}\n`);
      note = ' (serverless.yml written for it: the demo ships none)';
    }
    const path = endpointPath(file);
    const result = path ? await viaGateway(demo.dir, path) : invoke(demo.dir);
    const handler = /^\s*handler:\s*(\S+)/m.exec(spawnSync('cat', [file], { encoding: 'utf8' }).stdout)?.[1];
    const entry = handler && handler.includes('.') ? handler.slice(0, handler.lastIndexOf('.')) : undefined;
    if (!result.ok && /437/.test(result.detail) && entry && !readdirSync(demo.dir).some((f) => f.startsWith(`${entry}.`))) {
      // The demo's handler names a file it does not ship: SCF answers 437 HandlerNotFound too. The console
      // deploys the demo from its config.json, whose handler may differ: run it that way as well.
      const config = spawnSync('cat', [join(demo.dir, 'config.json')], { encoding: 'utf8' }).stdout ?? '';
      const consoleHandler = /"handler"\s*:\s*"([^"]+)"/.exec(config)?.[1];
      let consoleRun = '';
      if (consoleHandler && consoleHandler !== handler) {
        const text = spawnSync('cat', [file], { encoding: 'utf8' }).stdout;
        writeFileSync(file, text.replace(/^(\s*handler:\s*)\S+/m, `$1${consoleHandler}`));
        const again = path ? await viaGateway(demo.dir, path) : invoke(demo.dir);
        const expected = AS_ON_SCF[name];
        if (!again.ok && expected && new RegExp(`HTTP ${expected.status}\\b`).test(again.detail)) {
          again.ok = true;
          again.detail = `HTTP ${expected.status} as on SCF: ${expected.why}`;
        }
        if (!again.ok && NEEDS_CLOUD[name]) {
          rows.push({ name, ok: undefined, how: 'gateway', detail: `needs a cloud service: ${NEEDS_CLOUD[name]} (${again.detail.slice(0, 60)})` });
          continue;
        }
        consoleRun = `; as the console deploys it (config.json's handler ${consoleHandler}): ${again.ok ? 'runs, ' : 'FAILS, '}${again.detail}`;
        result.ok = again.ok;
      } else result.ok = true;
      result.detail = `serverless.yaml: 437 HandlerNotFound as on SCF (its handler ${handler} names a file the demo does not ship)${consoleRun}`;
    } else if (!result.ok && demo.absent > 0) {
      rows.push({ name, ok: undefined, how: path ? 'gateway' : 'invoke', detail: `not checkable from this copy: ${demo.absent} file(s) (binaries) are absent from it; ${result.detail.slice(0, 80)}` });
      continue;
    }
    rows.push({ name, ok: result.ok, how: path ? 'gateway' : 'invoke', detail: result.detail + note });
  } finally {
    demo.cleanup();
  }
}

for (const r of rows) console.log(`${r.ok === undefined ? 'SKIP' : r.ok ? 'RUNS' : 'FAILS'}  ${`${r.name}${owner(r.name)}`.padEnd(42)} ${r.how.padEnd(8)} ${r.detail}`);
const runs = rows.filter((r) => r.ok).length;
const fails = rows.filter((r) => r.ok === false).length;
console.log(`\n${runs} passed, ${fails} failed, ${rows.length - runs - fails} skipped (demos of tencentyun/scf-demo-repo that need no cloud service)`);
process.exit(0);
