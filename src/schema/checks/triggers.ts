/** Trigger checks: SCF's 7-field cron expressions and duplicate trigger names. */
import { diag, type ScfDiagnostic } from '../diagnostics';
import { get, scalarText, type YNode } from '../yaml';
import type { InstanceContext } from './context';

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string[];
  question?: boolean;
}

/** SCF timer cron: second minute hour day-of-month month day-of-week year. */
export const CRON_FIELDS: readonly CronField[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], question: true },
  { name: 'year', min: 1970, max: 2099 },
];

/** What is wrong with a cron expression, and the 7-field expression it most likely means (when one does). */
export interface CronProblem {
  fields: boolean;
  message: string;
  suggestion?: string;
}

const cronCache = new Map<string, CronProblem | undefined>();

/** undefined if valid, else what is wrong (memoised: large files repeat expressions). */
export function cronProblem(expr: string): CronProblem | undefined {
  if (cronCache.has(expr)) return cronCache.get(expr);
  const problem = computeCronProblem(expr);
  if (cronCache.size > 5000) cronCache.clear();
  cronCache.set(expr, problem);
  return problem;
}

/**
 * The SCF form of a cron expression written with fewer fields: 5 fields are Linux cron (minute hour
 * day-of-month month day-of-week: a `0` second goes in front and `*` for the year at the end), 6 are
 * the seconds-first form without a year (`*` appended). Only when the result is valid.
 */
export function sevenFieldCron(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/).filter(Boolean);
  const candidate = parts.length === 5 ? ['0', ...parts, '*'] : parts.length === 6 ? [...parts, '*'] : undefined;
  if (!candidate) return undefined;
  const text = candidate.join(' ');
  return fieldsProblem(candidate, text) ? undefined : text;
}

function computeCronProblem(expr: string): CronProblem | undefined {
  const parts = expr.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 7) {
    const suggestion = sevenFieldCron(expr);
    return {
      fields: true,
      message: `cron expression "${expr}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; SCF timers take 7: second minute hour day-of-month month day-of-week year, ${suggestion ? `so "${suggestion}" here` : 'e.g. "0 */5 * * * * *" (every 5 minutes)'}`,
      ...(suggestion ? { suggestion } : {}),
    };
  }
  return fieldsProblem(parts, expr);
}

function fieldsProblem(parts: readonly string[], expr: string): CronProblem | undefined {
  for (let i = 0; i < 7; i++) {
    const problem = fieldProblem(parts[i]!, CRON_FIELDS[i]!);
    if (problem) return { fields: false, message: `cron expression "${expr}": ${CRON_FIELDS[i]!.name} field "${parts[i]}" ${problem}` };
  }
  return undefined;
}

function fieldProblem(text: string, f: CronField): string | undefined {
  if (text === '?' && f.question) return undefined;
  for (const item of text.split(',')) {
    if (item === '') return 'has an empty list item';
    const [base, step, extra] = item.split('/');
    if (extra !== undefined) return 'has more than one "/"';
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `has step "${step}"; a step is a positive whole number`;
    if (base === '*') continue;
    const [a, b, more] = base!.split('-');
    if (more !== undefined) return 'has a range with more than one "-"';
    const va = value(a!, f);
    if (va === undefined) return `has "${a}", outside ${f.min}-${f.max}${f.names ? ` (or ${f.names[0]}-${f.names[f.names.length - 1]})` : ''}`;
    if (b !== undefined) {
      const vb = value(b, f);
      if (vb === undefined) return `has "${b}", outside ${f.min}-${f.max}`;
      if (vb < va) return `has range ${a}-${b} that runs backwards`;
    }
  }
  return undefined;
}

function value(text: string, f: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  return i >= 0 ? i + f.min : undefined;
}

/** Trigger kinds whose `parameters.name` names a resource (topic, instance), not the trigger. */
const NAME_IS_RESOURCE = new Set(['cmq', 'ckafka']);

export function checkTriggers(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const events = get(ctx.inputs, 'events');
  if (events?.kind !== 'seq') return out;
  const names = new Map<string, YNode>();
  for (const item of events.items) {
    if (item.kind !== 'map' || item.pairs.length !== 1) continue;
    const kind = item.pairs[0]!.key;
    const body = item.pairs[0]!.value;
    const params = get(body, 'parameters');
    if (kind === 'timer') {
      const cron = get(params, 'cronExpression');
      const text = scalarText(cron);
      if (cron && text !== undefined && !/\$\{/.test(text)) {
        const p = cronProblem(text);
        const fix = p?.suggestion ? [{ title: `Change to '${p.suggestion}'`, kind: 'edit' as const, edits: [{ start: cron.start, end: cron.end, newText: `'${p.suggestion}'` }], preferred: true }] : undefined;
        if (p) out.push(diag(p.fields ? 'scf.timer.cronFields' : 'scf.timer.cronInvalid', p.message, cron.start, cron.end, fix));
      }
    }
    let nameNode: YNode | undefined = get(body, 'name');
    if (!nameNode && !NAME_IS_RESOURCE.has(kind)) nameNode = get(params, 'name');
    let name = scalarText(nameNode);
    if (name !== undefined) name = ctx.resolve(name) ?? name;
    if (name === undefined && kind === 'timer') name = `timer-${ctx.instanceName}-${ctx.stage}-${ctx.app}`;
    if (name === undefined || kind === 'apigw') continue;
    const id = `${kind}\u0000${name}`;
    const at = nameNode ?? { start: item.pairs[0]!.keyStart, end: item.pairs[0]!.keyEnd };
    if (names.has(id)) {
      out.push(
        diag(
          'scf.trigger.duplicateName',
          `two ${kind} triggers are both named "${name}"${nameNode ? '' : ' (the default name)'}: give each trigger its own \`name\`, or the second one replaces the first on deploy`,
          at.start,
          at.end,
        ),
      );
    } else names.set(id, nameNode ?? item);
  }
  return out;
}
