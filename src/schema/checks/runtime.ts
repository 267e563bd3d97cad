/**
 * A runtime SCF still accepts but is retiring (Nodejs6.10, Nodejs8.9: "deactivating soon") or whose
 * language is past its end of life (Python2.7, PHP 5.6), as the runtime table marks them: a note with
 * the nearest current runtimes as fixes. Unknown runtimes are the schema's to report.
 */
import { diag, type ScfDiagnostic } from '../diagnostics';
import { findRuntimeIgnoringCase, nearestRuntimes } from '../../model/runtimes';
import { get, type YNode } from '../yaml';
import type { InstanceContext } from './context';

export function checkRuntimes(ctx: InstanceContext): ScfDiagnostic[] {
  const nodes: YNode[] = [];
  const top = get(ctx.inputs, 'runtime');
  if (top) nodes.push(top);
  // multi-scf: each function may name its own.
  const functions = get(ctx.inputs, 'functions');
  if (functions?.kind === 'map') for (const p of functions.pairs) if (p.value) nodes.push(...[get(p.value, 'runtime')].filter((n): n is YNode => n !== undefined));
  const out: ScfDiagnostic[] = [];
  for (const node of nodes) {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') continue;
    const runtime = findRuntimeIgnoringCase(node.value);
    if (!runtime?.deprecated) continue;
    const instead = nearestRuntimes(node.value, 3);
    out.push(
      diag(
        'scf.runtime.deprecated',
        `${node.value} is retired or past its end of life; SCF still runs it, but new functions should not use it${instead.length ? `: ${instead[0]} is the nearest current runtime` : ''}`,
        node.start,
        node.end,
        instead.map((name, i) => ({ title: `Change to \`${name}\``, kind: 'edit' as const, edits: [{ start: node.start, end: node.end, newText: name }], ...(i === 0 ? { preferred: true } : {}) })),
      ),
    );
  }
  return out;
}
