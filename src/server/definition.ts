/**
 * Go to Definition on `handler`: the entry file, at the line that defines the function when a light
 * scan finds it (the Go binary for Go).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver';
import { diskProbe, type FileProbe } from '../schema/checks/context';
import { DEFAULT_RUNTIME, runtimeFamily } from '../model/runtimes';
import { ENTRY_EXTENSIONS, localCodeDir } from '../schema/checks/handler';
import { findInstances, instanceContext } from '../schema/validate';
import { get, scalarText, type ParsedYaml } from '../schema/yaml';

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
  for (const instance of findInstances(parsed.root)) {
    const ctx = instanceContext(instance, file, probe, process.env, {});
    const inputs = ctx.inputs;
    const handlerNode = get(inputs, 'handler');
    if (!inputs || !handlerNode || offset < handlerNode.start || offset > handlerNode.end) continue;
    const handler = ctx.resolve(scalarText(handlerNode) ?? '');
    const runtime = ctx.resolve(scalarText(get(inputs, 'runtime')) ?? DEFAULT_RUNTIME);
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
  return undefined;
}

function at(path: string, line: number): Location {
  return { uri: pathToFileURL(path).toString(), range: { start: { line, character: 0 }, end: { line, character: 0 } } };
}
