/**
 * Handler and code checks (scf-platform-facts §1, §4): the handler's form fits the runtime, the code
 * folder and entry file exist, the function is defined in it (a light scan), web functions and
 * Custom Runtime have an executable `scf_bootstrap`.
 */
import { dirname, join, resolve } from 'node:path';
import { diag, type QuickFix, type ScfDiagnostic } from '../diagnostics';
import { distance } from '../../model/spelling';
import { entryHandlers, javaHandlers, type OfferedHandler } from './handlerCandidates';
import { get, getPair, scalarText, type YNode } from '../yaml';
import { exists, shownPath, type InstanceContext } from './context';
import { DEFAULT_RUNTIME, runtimeFamily } from '../../model/runtimes';
import { scfComponentBootstrap } from '../../model/webEntry';

type RuntimeFamily = ReturnType<typeof runtimeFamily>;

export const ENTRY_EXTENSIONS: Record<'nodejs' | 'python' | 'php', string[]> = {
  nodejs: ['.js', '.mjs', '.cjs'],
  python: ['.py'],
  php: ['.php'],
};

const JAVA_HANDLER = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+::[A-Za-z_$][\w$]*$/;
const SEGMENT = /^[A-Za-z_$][\w$-]*$/;

/** Where the code is, if it is a local folder we can look at. */
export function localCodeDir(ctx: InstanceContext): { dir: string; node: YNode | undefined } | undefined {
  if (!ctx.file || !ctx.inputs) return undefined;
  if (ctx.codeDir) return ctx.codeDir;
  if (get(ctx.inputs, 'image')) return undefined;
  let node = get(ctx.inputs, 'src') ?? get(ctx.inputs, 'codeUri');
  if (node?.kind === 'map') {
    const inner = get(node, 'src');
    if (!inner && (get(node, 'bucket') || get(node, 'object'))) return undefined;
    node = inner;
  }
  const raw = node ? scalarText(node) : './';
  if (raw === undefined) return undefined;
  const text = ctx.resolve(raw);
  if (text === undefined) return undefined;
  return { dir: resolve(dirname(ctx.file), text), node };
}

export function handlerStub(family: 'nodejs' | 'python' | 'php', fn: string): string {
  switch (family) {
    case 'nodejs':
      return `'use strict';\n\n/** SCF entry point: event is the trigger's payload, context describes the invocation. */\nexports.${fn} = async (event, context) => {\n  console.log('event', JSON.stringify(event));\n  return { message: 'Hello from SCF', requestId: context.request_id };\n};\n`;
    case 'python':
      return `# -*- coding: utf8 -*-\nimport json\n\n\ndef ${fn}(event, context):\n    """SCF entry point: event is the trigger's payload, context describes the invocation."""\n    print(json.dumps(event))\n    return {"message": "Hello from SCF"}\n`;
    case 'php':
      return `<?php\n\n// SCF entry point: $event is the trigger's payload, $context describes the invocation.\nfunction ${fn}($event, $context) {\n    return ["message" => "Hello from SCF"];\n}\n`;
  }
}

export function bootstrapStub(family: RuntimeFamily): string {
  const start =
    family === 'python' ? 'python3 app.py' : family === 'php' ? 'php -S 0.0.0.0:9000 index.php' : family === 'go' ? './main' : family === 'java' ? 'java -jar app.jar' : 'node app.js';
  return `#!/bin/bash\n# SCF starts this file; it must start an HTTP server listening on 0.0.0.0:9000.\nexport PORT=9000\n${start}\n`;
}

/** A Custom Runtime bootstrap in bash and curl, in the shape of SCF's guide. */
export function customBootstrapStub(): string {
  return [
    '#!/bin/bash',
    '# SCF starts this file; it serves the runtime API at $SCF_RUNTIME_API:$SCF_RUNTIME_API_PORT.',
    'set -euo pipefail',
    'API="http://$SCF_RUNTIME_API:$SCF_RUNTIME_API_PORT"',
    'curl -s -d " " -X POST "$API/runtime/init/ready" > /dev/null',
    'while true; do',
    '  EVENT=$(curl -s "$API/runtime/invocation/next")',
    '  curl -s -X POST "$API/runtime/invocation/response" -d "{\\"echo\\": $EVENT}" > /dev/null',
    'done',
    '',
  ].join('\n');
}

/** A light scan for the handler function in the entry file. undefined = cannot tell. */
export function definesFunction(family: 'nodejs' | 'python' | 'php', source: string, fn: string): boolean | undefined {
  const name = fn.replace(/[$]/g, '\\$');
  if (family === 'python') return new RegExp(`^\\s*(async\\s+)?def\\s+${name}\\s*\\(|^${name}\\s*=`, 'm').test(source);
  if (family === 'php') return new RegExp(`function\\s+${name}\\s*\\(`, 'i').test(source);
  const patterns = [
    `exports\\.${name}\\s*=`,
    `exports\\[['"]${name}['"]\\]\\s*=`,
    `export\\s+(async\\s+)?function\\s*\\*?\\s*${name}\\b`,
    `export\\s+(const|let|var)\\s+${name}\\b`,
    `export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`,
    `module\\.exports\\s*=\\s*\\{[^]*?\\b${name}\\b`,
  ];
  if (patterns.some((p) => new RegExp(p).test(source))) return true;
  // `module.exports = something` or re-exports: the function may be there; we cannot tell.
  if (/module\.exports\s*=\s*[^{\s]|export\s+default|export\s*\*|Object\.assign\(\s*(module\.)?exports/.test(source)) return undefined;
  return false;
}

/** Whether the code folder holds Go source the emulator can build (go.mod or a .go file at its root). */
function hasGoSource(ctx: InstanceContext, dir: string): boolean {
  const names = ctx.probe.list?.(dir);
  if (names) return names.some((n) => n === 'go.mod' || (n.endsWith('.go') && !n.endsWith('_test.go')));
  return ['go.mod', 'main.go', 'index.go'].some((n) => ctx.probe.stat(join(dir, n))?.isFile);
}

export function checkHandler(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const inputs = ctx.inputs;
  if (!inputs) return out;
  const typeText = scalarText(get(inputs, 'type')) ?? 'event';
  const isWeb = typeText === 'web';
  const runtimeNode = get(inputs, 'runtime');
  const runtimeRaw = scalarText(runtimeNode) ?? ctx.defaultRuntime ?? DEFAULT_RUNTIME;
  const runtime = ctx.resolve(runtimeRaw);
  const family = runtime === undefined ? 'unknown' : runtimeFamily(runtime);
  const handlerNode = get(inputs, 'handler');
  const handlerRaw = handlerNode?.kind === 'scalar' && typeof handlerNode.value === 'string' ? handlerNode.value : undefined;
  const resolvedHandler = handlerRaw === undefined ? undefined : ctx.resolve(handlerRaw);
  const code = localCodeDir(ctx);
  const image = get(inputs, 'image') !== undefined;

  if (code) {
    const st = ctx.probe.stat(code.dir);
    if (!st?.isDirectory) {
      const start = code.node ? code.node.start : inputs.start;
      const end = code.node ? code.node.end : inputs.start;
      out.push(diag('scf.src.folderMissing', `code folder ${shownPath(ctx, code.dir)} ${st ? 'is not a folder' : 'does not exist'}: create it or point \`src\` at the folder that holds your code`, start, end));
      return out; // no point checking files inside a missing folder
    }
  }

  if (isWeb || family === 'custom') {
    if (isWeb && handlerNode && handlerRaw !== undefined) {
      out.push(diag('scf.handler.ignoredForWeb', 'web functions have no handler: SCF runs `scf_bootstrap`, which starts your HTTP server on port 9000; this `handler` is not used', handlerNode.start, handlerNode.end));
    }
    if (code && !image) {
      // Custom Runtime starts `scf_bootstrap` or `bootstrap` (SCF's own Custom Runtime demos ship `bootstrap`);
      // a web function starts `scf_bootstrap`, which the scf component adds for `entryFile` when the code has none.
      const names = isWeb ? ['scf_bootstrap'] : ['scf_bootstrap', 'bootstrap'];
      const found = names.map((n) => ({ n, path: join(code.dir, n), st: ctx.probe.stat(join(code.dir, n)) })).find((b) => b.st?.isFile);
      const bootstrap = join(code.dir, 'scf_bootstrap');
      const at = get(inputs, 'type') ?? runtimeNode ?? inputs;
      const atStart = at === inputs ? inputs.start : at.start;
      const atEnd = at === inputs ? inputs.start : at.end;
      const entryNode = get(inputs, 'entryFile');
      const added = isWeb && runtime !== undefined ? scfComponentBootstrap(runtime, scalarText(entryNode)) : undefined;
      const entryExists = added !== undefined && ctx.probe.stat(join(code.dir, added.entryFile))?.isFile === true;
      if (!found && entryExists) {
        // The scf component adds an scf_bootstrap that starts entryFile: nothing missing.
      } else if (!found) {
        out.push(
          isWeb
            ? diag('scf.web.bootstrapMissing', `web functions need an executable \`scf_bootstrap\` at the code root (${shownPath(ctx, bootstrap)}) that starts the HTTP server on port 9000${added ? ` (without one, the scf component adds one that starts ${added.entryFile}${entryNode ? ', the entryFile' : ', its default entryFile'}, which does not exist either)` : ''}`, atStart, atEnd, [
                { title: 'Create scf_bootstrap', kind: 'createFile', path: bootstrap, content: bootstrapStub(family), executable: true, preferred: true },
              ])
            : diag('scf.customRuntime.bootstrapMissing', `Custom Runtime functions need an executable \`scf_bootstrap\` (or \`bootstrap\`) at the code root (${shownPath(ctx, code.dir)}) that serves SCF's runtime API: POST /runtime/init/ready, then GET /runtime/invocation/next and POST /runtime/invocation/response in a loop`, atStart, atEnd, [
                { title: 'Create scf_bootstrap', kind: 'createFile', path: bootstrap, content: customBootstrapStub(), executable: true, preferred: true },
              ]),
        );
      } else if (!found.st!.executable) {
        out.push(diag('scf.web.bootstrapNotExecutable', `\`${found.n}\` is not executable, so SCF cannot start it: run \`chmod 755 ${found.path}\``, atStart, atEnd));
      }
    }
    return out;
  }

  let handler: string;
  let at: { start: number; end: number };
  let note = '';
  if (handlerRaw === undefined) {
    // No handler: the component's default applies, and must exist like any other.
    if (handlerNode || family === 'unknown' || image) return out; // an empty `handler:` is the schema's to report
    handler = family === 'go' ? 'main' : family === 'java' ? 'example.Hello::mainHandler' : 'index.main_handler';
    const key = getPair(ctx.instance, 'inputs');
    at = ctx.declarationAt ?? (key ? { start: key.keyStart, end: key.keyEnd } : { start: inputs.start, end: inputs.start });
    note = ` (no \`handler\` is set, so the component's default "${handler}" applies)`;
  } else {
    if (resolvedHandler === undefined || !handlerNode) return out; // an unresolved variable: nothing to say
    handler = resolvedHandler;
    at = { start: handlerNode.start, end: handlerNode.end };
  }
  // "Change handler to ..." edits the written value (not one that comes from a variable).
  const changeTo = (candidates: readonly string[], preferred: boolean): QuickFix[] =>
    handlerNode && handlerRaw === handler
      ? candidates
          .filter((c) => c !== handler)
          .slice(0, 5)
          .map((c, i) => ({ title: `Change handler to \`${c}\``, kind: 'edit' as const, edits: [{ start: handlerNode.start, end: handlerNode.end, newText: c }], ...(preferred && i === 0 ? { preferred: true } : {}) }))
      : [];

  if (family === 'go') {
    if (handler.includes('.') || handler.includes('/') || handler.includes('::')) {
      out.push(diag('scf.handler.form', `Go handlers are the name of the compiled binary at the code root (e.g. "main"), not "${handler}"`, at.start, at.end));
    } else if (code && !exists(ctx.probe, join(code.dir, handler))) {
      const build = `GOOS=linux GOARCH=amd64 go build -o ${handler} .`;
      if (hasGoSource(ctx, code.dir)) {
        // Local invoke builds it from the source; SCF runs only what deploy uploads.
        out.push(diag('scf.handler.binaryMissing', `no binary "${handler}" in ${shownPath(ctx, code.dir)} yet${note}: local invoke builds it from the Go source there, but deploy uploads the folder as it is; build it before you deploy: \`${build}\``, at.start, at.end, undefined, 'information'));
      } else {
        out.push(diag('scf.handler.binaryMissing', `no binary "${handler}" and no Go source in ${shownPath(ctx, code.dir)}${note}: SCF would answer 437 HandlerNotFound; build it into the code folder (\`${build}\`) or fix \`handler\``, at.start, at.end, undefined, 'error'));
      }
    }
    return out;
  }
  if (family === 'java') {
    // Where the code folder holds the Java sources, their public methods are what the handler can name.
    const methods = code ? javaHandlers(code.dir, ctx.probe) : [];
    if (!JAVA_HANDLER.test(handler)) {
      const method = handler.split(/::|\./).pop() ?? '';
      out.push(diag('scf.handler.form', `Java handlers are written package.Class::method (e.g. "example.Hello::mainHandler"), not "${handler}"`, at.start, at.end, changeTo(byCloseness(methods, method, (h) => h.split('::')[1]!), true)));
    } else if (methods.length > 0 && !methods.includes(handler)) {
      const [cls, method] = handler.split('::') as [string, string];
      const sameMethod = methods.filter((h) => h.endsWith(`::${method}`));
      const sameClass = byCloseness(methods.filter((h) => h.startsWith(`${cls}::`)), method, (h) => h.split('::')[1]!);
      out.push(
        diag('scf.handler.functionMissing', `no public method ${method} in class ${cls} among the Java sources in ${shownPath(ctx, code!.dir)}${note}: SCF would answer 437 HandlerNotFound; fix \`handler\` or add the method`, at.start, at.end, changeTo([...new Set([...sameMethod, ...sameClass])], true)),
      );
    }
    return out;
  }
  if (family !== 'nodejs' && family !== 'python' && family !== 'php') return out;

  const dot = handler.lastIndexOf('.');
  const filePart = dot === -1 ? '' : handler.slice(0, dot);
  const fnPart = dot === -1 ? '' : handler.slice(dot + 1);
  const fileSegments = filePart.split('/');
  if (dot === -1 || !fnPart || !filePart || filePart.includes('.') || !fileSegments.every((s) => SEGMENT.test(s)) || !SEGMENT.test(fnPart)) {
    const example = 'index.main_handler';
    // `handler: main_handler` (no file): the files that define a function of that name.
    const named = code ? entryHandlers(family, code.dir, ctx.probe).map((o) => o.handler).filter((h) => h.endsWith(`.${handler.split('.').pop()}`)) : [];
    out.push(diag('scf.handler.form', `${runtime} handlers are written file.function (e.g. "${example}" for function main_handler in ${family === 'nodejs' ? 'index.js' : family === 'python' ? 'index.py' : 'index.php'}), not "${handler}"`, at.start, at.end, changeTo(named, true)));
    return out;
  }
  if (!code) return out;
  // The handlers the code folder offers: the same function in another file first.
  const offered = () => entryHandlers(family, code.dir, ctx.probe);
  const sameFunction = (all: readonly OfferedHandler[]) => all.filter((o) => o.handler.endsWith(`.${fnPart}`));
  const candidates = ENTRY_EXTENSIONS[family].map((ext) => join(code.dir, filePart + ext));
  const found = candidates.find((p) => ctx.probe.stat(p)?.isFile);
  if (!found) {
    const target = candidates[0]!;
    const defining = sameFunction(offered());
    const elsewhere = changeTo(defining.map((o) => o.handler), true);
    const advice = elsewhere.length ? `${fnPart} is defined in ${defining.map((o) => o.file).join(', ')}: change \`handler\` to it, or create the file` : 'create it or fix `handler`';
    out.push(
      diag('scf.handler.fileMissing', `entry file ${shownPath(ctx, target)} does not exist${note}: SCF looks for ${filePart}${ENTRY_EXTENSIONS[family][0]} at the root of the code folder (${shownPath(ctx, code.dir)}); ${advice}`, at.start, at.end, [
        ...elsewhere,
        { title: `Create ${filePart}${ENTRY_EXTENSIONS[family][0]} with a ${fnPart} stub`, kind: 'createFile', path: target, content: handlerStub(family, fnPart), preferred: elsewhere.length === 0 },
      ]),
    );
    return out;
  }
  const source = ctx.probe.read(found);
  if (source !== undefined && definesFunction(family, source, fnPart) === false) {
    const all = offered();
    const inThisFile = byCloseness(all.map((o) => o.handler).filter((h) => h.startsWith(`${filePart}.`)), fnPart, (h) => h.slice(filePart.length + 1));
    out.push(
      diag('scf.handler.functionMissing', `${shownPath(ctx, found)} does not seem to define ${fnPart}${note}: SCF would answer 437 HandlerNotFound; export a function named ${fnPart} or fix \`handler\``, at.start, at.end, changeTo([...new Set([...sameFunction(all).map((o) => o.handler), ...inThisFile])], true)),
    );
  }
  return out;
}

/** Candidates ordered by how close the part `key` picks is to `word` (closest first). */
function byCloseness(candidates: readonly string[], word: string, key: (c: string) => string): string[] {
  const lower = word.toLowerCase();
  return [...candidates].sort((a, b) => distance(key(a).toLowerCase(), lower) - distance(key(b).toLowerCase(), lower));
}
