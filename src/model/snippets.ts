/**
 * The snippets the extension contributes (snippets/serverless.code-snippets.json) as plain text: the one
 * definition of a new function's serverless.yml and of each trigger kind's settings, used by the New
 * Function command and by the quick fix that adds a trigger's missing `parameters:`.
 */
import snippets from '../../snippets/serverless.code-snippets.json';

interface Snippet {
  prefix: string[];
  body: string[];
}

const ALL = snippets as Record<string, Snippet>;

/** A snippet body with each placeholder replaced by its default (the first choice of `${1|a,b|}`). */
export function snippetDefaults(body: string): string {
  return body
    .replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\\$/g, '$');
}

/** The body of the snippet of that name, as the editor would insert it (placeholders kept). */
export function snippetBody(name: string): string | undefined {
  return ALL[name]?.body.join('\n');
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * The `parameters:` block of the trigger kind's snippet (`scf-trigger-<kind>`), defaults filled in, its
 * lines relative to the indent of `parameters:` itself; `key` narrows it to that key's lines inside
 * `parameters:` (for a missing required setting). Undefined for a kind or key the snippet lacks.
 */
export function triggerParameterLines(kind: string, key?: string): string[] | undefined {
  const snippet = Object.values(ALL).find((s) => s.prefix.includes(`scf-trigger-${kind}`));
  if (!snippet) return undefined;
  const lines = snippet.body.map(snippetDefaults);
  const at = lines.findIndex((l) => l.trim() === 'parameters:');
  if (at < 0) return undefined;
  const base = indentOf(lines[at]!);
  const block = [lines[at]!];
  for (const l of lines.slice(at + 1)) {
    if (l.trim() && indentOf(l) <= base) break;
    block.push(l);
  }
  const relative = block.map((l) => l.slice(base));
  if (key === undefined) return relative;
  const start = relative.findIndex((l) => l.startsWith(`  ${key}:`));
  if (start < 0) return undefined;
  const end = relative.findIndex((l, i) => i > start && indentOf(l) <= 2);
  return relative.slice(start, end < 0 ? undefined : end).map((l) => l.slice(2));
}
