/** Completion of keys (with their descriptions) and of enum values (runtime, region, type, trigger kinds ...). */
import { CompletionItemKind, CompletionItemTag, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { currentRuntimes, RUNTIMES } from '../model/runtimes';
import { deref, objectish, schemaAtPath, typeNames, type JsonSchema } from '../schema/schema';
import { cursorContext, type PathSegment } from './cursor';
import { describeSchema } from './describe';
import type { SchemaView } from './schemaView';
import { get, type YMap } from '../schema/yaml';

export interface CompletionInput {
  text: string;
  line: number;
  character: number;
  /** Drops a leading instance key (older multi-instance form) from paths. */
  normalisePath?: (path: PathSegment[]) => PathSegment[];
  /** The component's schema for each place (default: the scf component's). */
  view?: SchemaView;
}

function escapeChoice(v: string): string {
  return v.replace(/[\\|,$}]/g, (c) => `\\${c}`);
}

function keyItem(key: string, schema: JsonSchema | undefined, col: number, isTriggerKind: boolean, range: CompletionRange): CompletionItem {
  const s = objectish(schema);
  const types = typeNames(schema);
  const pad = ' '.repeat(col + 2);
  let snippet: string;
  if (isTriggerKind) snippet = `${key}:\n${pad}parameters:\n${pad}  $0`;
  else if (s?.enum?.length) snippet = `${key}: \${1|${s.enum.map((v) => escapeChoice(String(v))).join(',')}|}`;
  else if (types.includes('boolean') && types.length === 1) snippet = `${key}: \${1|true,false|}`;
  else if (types.includes('array') && !types.includes('string')) snippet = `${key}:\n${pad}- $0`;
  else if ((types.includes('object') && !types.includes('string')) || (s?.properties && types.length === 0)) snippet = `${key}:\n${pad}$0`;
  else snippet = `${key}: $0`;
  const doc = describeSchema(key, schema);
  return {
    label: key,
    kind: isTriggerKind ? CompletionItemKind.Event : CompletionItemKind.Property,
    detail: types.filter((t) => t !== 'null').join(' | ') || undefined,
    documentation: doc ? { kind: 'markdown', value: doc } : undefined,
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range, newText: snippet },
    filterText: key,
  };
}

interface CompletionRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

function valueItems(schema: JsonSchema | undefined, range: CompletionRange): CompletionItem[] {
  const s = deref(schema);
  if (!s) return [];
  const values: unknown[] = s.enum ? [...s.enum] : typeNames(s).includes('boolean') ? [true, false] : [];
  if (values.length === 0 && s.default !== undefined && typeof s.default !== 'object') values.push(s.default);
  return values.map((v, i) => ({
    label: String(v),
    kind: s.enum ? CompletionItemKind.EnumMember : CompletionItemKind.Value,
    detail: v === s.default ? 'default' : undefined,
    documentation: s.description ? { kind: 'markdown', value: s.description } : undefined,
    sortText: String(i).padStart(3, '0'),
    textEdit: { range, newText: String(v) },
  }));
}

export function complete(input: CompletionInput): CompletionItem[] {
  const ctx = cursorContext(input.text, input.line, input.character);
  const norm = input.normalisePath ?? ((p) => p);
  const schemaAt = (p: PathSegment[]) => (input.view ? input.view.schemaAt(p) : schemaAtPath(norm(p)));
  const range: CompletionRange = { start: { line: input.line, character: ctx.wordStart }, end: { line: input.line, character: input.character } };
  if (ctx.kind === 'value') {
    const keys = functionKeyValues(input.view, [...ctx.path, ctx.key!], range);
    if (keys) return keys;
    const schema = schemaAt([...ctx.path, ctx.key!]);
    if (ctx.key === 'runtime') {
      const runtimes = runtimeItems(schema, range);
      if (runtimes) return runtimes;
    }
    return valueItems(schema, range);
  }
  const path = norm(ctx.path);
  const container = objectish(schemaAt(ctx.path));
  if (ctx.kind === 'item') {
    if (container?.properties) return keyItems(container, path, ctx.column, [], range);
    return valueItems(container, range);
  }
  if (!container?.properties) return [];
  return keyItems(container, path, ctx.column, ctx.siblings, range);
}

function keyItems(container: JsonSchema, path: PathSegment[], col: number, siblings: string[], range: CompletionRange): CompletionItem[] {
  const isTrigger = path.length >= 2 && path[path.length - 2] === 'events' && typeof path[path.length - 1] === 'number';
  const present = new Set(siblings);
  return Object.entries(container.properties ?? {})
    .filter(([k]) => !present.has(k))
    .map(([k, s]) => keyItem(k, s, col, isTrigger, range));
}

/** multi-scf: a trigger's or an API's `function` takes a key of `inputs.functions`. */
function functionKeyValues(view: SchemaView | undefined, path: PathSegment[], range: CompletionRange): CompletionItem[] | undefined {
  if (!view) return undefined;
  const inner = view.instancePath(path);
  const { map, kind } = view.instanceAt(path);
  if (kind !== 'multi-scf' || inner[inner.length - 1] !== 'function' || inner[1] !== 'triggers') return undefined;
  const fns = get(get(map, 'inputs'), 'functions');
  if (fns?.kind !== 'map') return [];
  return (fns as YMap).pairs.map((p, i) => {
    const handler = get(p.value, 'handler');
    return {
      label: p.key,
      kind: CompletionItemKind.Function,
      detail: handler?.kind === 'scalar' ? `handler ${String(handler.value)}` : undefined,
      sortText: String(i).padStart(3, '0'),
      textEdit: { range, newText: p.key },
    };
  });
}

/**
 * `runtime:` values from the runtime table, where the schema allows runtimes: the current ones, each
 * family newest first, then the deprecated ones, marked (struck through where the editor shows tags).
 * Other spellings SCF accepts (PHP7 for Php7) are not offered.
 */
function runtimeItems(schema: JsonSchema | undefined, range: CompletionRange): CompletionItem[] | undefined {
  const allowed = new Set((deref(schema)?.enum ?? []).map(String));
  if (!RUNTIMES.some((r) => allowed.has(r.name))) return undefined;
  const current = currentRuntimes().filter((r) => allowed.has(r.name));
  const deprecated = RUNTIMES.filter((r) => r.deprecated && !r.aliasOf && allowed.has(r.name));
  return [...current, ...deprecated].map((r, i) => ({
    label: r.name,
    kind: CompletionItemKind.EnumMember,
    detail: r.deprecated ? 'deprecated: retired or past its end of life' : i === current.findIndex((c) => c.family === r.family) ? `newest ${r.family}` : undefined,
    ...(r.deprecated ? { tags: [CompletionItemTag.Deprecated] } : {}),
    sortText: String(i).padStart(3, '0'),
    textEdit: { range, newText: r.name },
  }));
}
