/** Markdown describing a schema property: used by hover and by completion items. */
import { deref, typeNames, type JsonSchema } from '../schema/schema';

export function describeSchema(name: string | undefined, schema: JsonSchema | undefined): string | undefined {
  const s = deref(schema);
  if (!s) return undefined;
  const parts: string[] = [];
  const types = typeNames(s).filter((t) => t !== 'null');
  const title = name !== undefined ? `**${name}**${types.length ? ` · ${types.join(' | ')}` : ''}` : types.length ? `*${types.join(' | ')}*` : '';
  if (title) parts.push(title);
  if (s.description) parts.push(s.description);
  const allowed = s.enum ?? deref(s.items)?.enum;
  if (allowed?.length) parts.push(`Allowed: ${allowed.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`Range: ${s.minimum ?? '…'} to ${s.maximum ?? '…'}`);
  if (s.default !== undefined) parts.push(`Default: \`${typeof s.default === 'string' ? s.default : JSON.stringify(s.default)}\``);
  return parts.length ? parts.join('\n\n') : undefined;
}
