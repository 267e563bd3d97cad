/** Our diagnostics (offsets) as LSP diagnostics (ranges), with quick fixes carried in `data`. */
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { QuickFix, ScfDiagnostic, Severity } from '../schema/diagnostics';
import { positionAt } from '../schema/yaml';
import type { EventProblem } from '../events/validate';

export const SOURCE = 'scf';

export type LspFix =
  | { title: string; kind: 'edit'; edits: { range: Range; newText: string }[]; preferred?: boolean }
  | { title: string; kind: 'createFile'; path: string; content: string; executable?: boolean; preferred?: boolean };

export interface DiagnosticData {
  fixes?: LspFix[];
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function rangeOf(lineStarts: readonly number[], start: number, end: number): Range {
  return { start: positionAt(lineStarts, start), end: positionAt(lineStarts, Math.max(start, end)) };
}

function fixToLsp(fix: QuickFix, lineStarts: readonly number[]): LspFix {
  if (fix.kind === 'createFile') return fix;
  return { title: fix.title, kind: 'edit', preferred: fix.preferred, edits: fix.edits.map((e) => ({ range: rangeOf(lineStarts, e.start, e.end), newText: e.newText })) };
}

export function toLspDiagnostic(d: ScfDiagnostic, lineStarts: readonly number[]): Diagnostic {
  const out: Diagnostic = {
    range: rangeOf(lineStarts, d.start, d.end),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: SOURCE,
    message: d.message,
  };
  if (d.href) out.codeDescription = { href: d.href };
  if (d.fixes?.length) out.data = { fixes: d.fixes.map((f) => fixToLsp(f, lineStarts)) } satisfies DiagnosticData;
  return out;
}

/** The source of test-event problems in the Problems panel. */
export const EVENT_SOURCE = 'SCF test event';

export function eventDiagnostics(problems: readonly EventProblem[]): Diagnostic[] {
  return problems.map((p) => ({
    range: { start: { line: p.line, character: p.column }, end: { line: p.endLine, character: p.endColumn } },
    severity: DiagnosticSeverity.Error,
    code: p.code,
    source: EVENT_SOURCE,
    // Without the `file:line:col: ` prefix: the Problems panel shows where.
    message: p.message.replace(/^.*?:\d+:\d+: /, ''),
  }));
}
