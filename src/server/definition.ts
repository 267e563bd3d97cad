/**
 * Go to Definition on `handler`: the entry file, at the line that defines the function when a light
 * scan finds it (the Go binary for Go); a multi-scf function's handler in its own code folder; a
 * multi-scf trigger's or API's `function: <key>`: that function's key under `functions`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver';
import { diskProbe, type FileProbe, type InstanceContext } from '../schema/checks/context';
import { multiScfFunctionContexts } from '../schema/checks/components';
import { DEFAULT_RUNTIME, runtimeFamily } from '../model/runtimes';
import { ENTRY_EXTENSIONS, localCodeDir } from '../schema/checks/handler';
import { findInstances, instanceContext } from '../schema/validate';
import { get, positionAt, scalarText, type ParsedYaml, type YNode } from '../schema/yaml';

/** Patterns that define `fn`, strongest first (an export before a mere mention). */
const DEF: Record<'nodejs' | 'python' | 'php', (fn: string) => RegExp[]> = {
  nodejs: (fn) => [
    new RegExp(`exports\\.${fn}\\s*=|export\\s+(async\\s+)?function\\s*\\*?\\s*${fn}\\b|export\\s+(const|let|var)\\s+${fn}\\b`),
    new RegExp(`(async\\s+)?function\\s*\\*?\\s*${fn}\\b|(const|let|var)\\s+${fn}\\s*=`),
    new RegExp(`^\\s*(async\\s+)?${fn}\\s*[:(]`),
  ],
  python: (fn) => [new RegExp(`^\\s*(async\\s+)?def\\s+${fn}\\s*\\(`)],
  php: (fn) => [new RegExp(`function\\s+${fn}\\s*\\(`, 'i')],
};

export function handlerDefinition(parsed: ParsedYaml, file: string | undefined, offset: number, probe: FileProbe = diskProbe): Location | undefined {
  if (!file || parsed.root?.kind !== 'map') return undefined;
  const inside = (n: YNode | undefined): n is YNode => !!n && offset >= n.start && offset <= n.end;
  for (const instance of findInstances(parsed.root)) {
    const ctx = instanceContext(instance, file, probe, process.env, {});
    if (instance.kind === 'multi-scf') {
      const functions = multiScfFunctionContexts(ctx);
      // A trigger's or an API's `function: <key>`: the function it names, in this file.
      const named = functionKeyAt(ctx.inputs, offset);
      if (named !== undefined) {
        const fn = functions.find((f) => f.fn.key === named);
        return fn ? { uri: pathToFileURL(file).toString(), range: { start: positionAt(parsed.lineStarts, fn.fn.at.start), end: positionAt(parsed.lineStarts, fn.fn.at.end) } } : undefined;
      }
      for (const f of functions) {
        const own = get(f.fn.map, 'handler');
        if (inside(own)) return handlerLocation(f.ctx, own, probe);
      }
      const shared = get(ctx.inputs, 'handler');
      if (inside(shared) && functions[0]) return handlerLocation(functions[0].ctx, shared, probe);
      continue;
    }
    const handlerNode = get(ctx.inputs, 'handler');
    if (!ctx.inputs || !inside(handlerNode)) continue;
    return handlerLocation(ctx, handlerNode, probe);
  }
  return undefined;
}

/** The `function:` value under the cursor in a multi-scf trigger or API: the key it names. */
function functionKeyAt(inputs: YNode | undefined, offset: number): string | undefined {
  const triggers = get(inputs, 'triggers');
  if (triggers?.kind !== 'seq') return undefined;
  const candidates: Array<YNode | undefined> = [];
  for (const t of triggers.items) {
    candidates.push(get(t, 'function'));
    const apis = get(get(t, 'parameters'), 'apis');
    if (apis?.kind === 'seq') for (const a of apis.items) candidates.push(get(a, 'function'));
  }
  for (const c of candidates) {
    const value = c?.kind === 'map' ? get(c, 'name') : c;
    if (value && offset >= value.start && offset <= value.end) return scalarText(value);
  }
  return undefined;
}

function handlerLocation(ctx: InstanceContext, handlerNode: YNode, probe: FileProbe): Location | undefined {
  const inputs = ctx.inputs;
  const handler = ctx.resolve(scalarText(handlerNode) ?? '');
  const runtime = ctx.resolve(scalarText(get(inputs, 'runtime')) ?? ctx.defaultRuntime ?? DEFAULT_RUNTIME);
  const code = localCodeDir(ctx);
  if (!handler || !runtime || !code) return undefined;
  const family = runtimeFamily(runtime);
  if (family !== 'nodejs' && family !== 'python' && family !== 'php') {
    const target = join(code.dir, family === 'go' ? handler : '');
    return probe.stat(target)?.isFile ? at(target, 0) : undefined;
  }
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const fn = handler.slice(dot + 1).replace(/[^\w$]/g, '');
  const entry = ENTRY_EXTENSIONS[family].map((ext) => join(code.dir, handler.slice(0, dot) + ext)).find((p) => probe.stat(p)?.isFile);
  if (!entry) return undefined;
  const lines = (probe.read(entry) ?? '').split('\n');
  let line = -1;
  for (const re of fn ? DEF[family](fn) : []) {
    line = lines.findIndex((l) => re.test(l));
    if (line !== -1) break;
  }
  return at(entry, Math.max(0, line));
}

function at(path: string, line: number): Location {
  return { uri: pathToFileURL(path).toString(), range: { start: { line, character: 0 }, end: { line, character: 0 } } };
}
