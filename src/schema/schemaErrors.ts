/**
 * Runs the compiled schema over one component instance and turns ajv's errors into diagnostics on
 * the exact YAML node: the key for a missing or unknown property, the value for a bad value.
 * A value that is an interpolation (`${env:X}`, `${output:...}` ...) is never a type error.
 */
import { hasInterpolation } from '../model/interpolate';
import { diag, type QuickFix, type ScfDiagnostic } from './diagnostics';
import { isTriggerBody, missingParameterFixes, missingParametersFixes } from './parametersFix';
import type { ComponentKind } from '../model/types';
import { componentValidator, deref, schemaAtPath, scfValidators, type ErrorObject, type JsonSchema } from './schema';
import { closest } from '../model/spelling';
import { nearestRuntimes } from '../model/runtimes';
import { getPair, nodeAtPath, scalarText, toValue, type YMap, type YNode } from './yaml';

type Path = (string | number)[];
/** The schema at a path of the instance being checked (its component's schema). */
type SchemaLookup = (path: Path) => JsonSchema | undefined;

export function schemaDiagnostics(instance: YMap, text: string, options: { keyed?: boolean; kind?: ComponentKind; keepTriggerResults?: boolean } = {}): ScfDiagnostic[] {
  const kind = options.kind ?? 'scf';
  const errors: ErrorObject[] = [];
  if (kind === 'scf') {
    const { instance: validate } = scfValidators();
    if (!validate(slimValue(instance))) errors.push(...(validate.errors ?? []));
    const events = nodeAtPath(instance, ['inputs', 'events']);
    if (events?.kind === 'seq') events.items.forEach((item, i) => errors.push(...triggerErrors(item, text, `/inputs/events/${i}`, options.keepTriggerResults !== false)));
  } else {
    const validate = componentValidator(kind);
    if (!validate(toValue(instance))) errors.push(...(validate.errors ?? []));
  }
  if (errors.length === 0) return [];
  const lookup: SchemaLookup = (path) => schemaAtPath(path, kind, (p) => scalarText(nodeAtPath(instance, p)));
  const out: ScfDiagnostic[] = [];
  const seen = new Set<string>();
  const droppedBranches = oneOfBranchesToDrop(errors, instance, lookup);
  for (const e of errors) {
    if (droppedBranches.some((prefix) => e.schemaPath.startsWith(prefix))) continue;
    // In the older multi-instance form the instance's key is its name.
    if (options.keyed && e.keyword === 'required' && e.instancePath === '' && (e.params as { missingProperty?: string }).missingProperty === 'name') continue;
    const d = toDiagnostic(e, instance, lookup, text);
    if (!d) continue;
    const id = `${d.code}:${d.start}:${d.end}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  // An empty or wrong-typed value with a list of allowed values: the enum message (which lists
  // them) says it all; do not add "must be a string" for the same spot.
  const enumAt = new Set(out.filter((d) => d.code === 'scf.schema.enum').map((d) => `${d.start}:${d.end}`));
  return enumAt.size ? out.filter((d) => d.code !== 'scf.schema.type' || !enumAt.has(`${d.start}:${d.end}`)) : out;
}

/** The instance as plain data, with trigger bodies and variable values left out (checked separately). */
function slimValue(instance: YMap): unknown {
  const out: Record<string, unknown> = {};
  for (const p of instance.pairs) {
    if (p.key !== 'inputs' || p.value.kind !== 'map') {
      out[p.key] = toValue(p.value);
      continue;
    }
    const inputs: Record<string, unknown> = {};
    for (const q of p.value.pairs) {
      if (q.key === 'events' && q.value.kind === 'seq') inputs.events = q.value.items.map(() => null);
      else if (q.key === 'environment' && q.value.kind === 'map') {
        const env: Record<string, unknown> = {};
        for (const r of q.value.pairs) env[r.key] = r.key === 'variables' && r.value.kind === 'map' ? {} : toValue(r.value);
        inputs.environment = env;
      } else inputs[q.key] = toValue(q.value);
    }
    out.inputs = inputs;
  }
  return out;
}

/**
 * Trigger errors are cached by the trigger's text (and column): an edit re-checks one trigger. A
 * one-shot check (`keep` false) skips the cache, whose key (the trigger's text, copied and hashed:
 * ~10,000 instructions a trigger, counted with valgrind) nothing would ever look up again.
 */
const triggerCache = new Map<string, ErrorObject[]>();

/** Triggers whose text is longer are checked each time, not kept (20,000 huge keys would hold gigabytes). */
const MAX_CACHED_TRIGGER = 16 * 1024;

function triggerErrors(item: YNode, text: string, prefix: string, keep: boolean): ErrorObject[] {
  const { trigger } = scfValidators();
  if (!keep) return trigger(toValue(item)) ? [] : (trigger.errors ?? []).map((e) => ({ ...e, instancePath: prefix + e.instancePath }));
  const cacheable = item.end - item.start <= MAX_CACHED_TRIGGER;
  const lineStart = text.lastIndexOf('\n', item.start - 1) + 1;
  const key = cacheable ? `${item.start - lineStart}\u0000${text.slice(item.start, item.end)}` : '';
  let errors = cacheable ? triggerCache.get(key) : undefined;
  if (!errors) {
    errors = trigger(toValue(item)) ? [] : (trigger.errors ?? []).slice();
    if (triggerCache.size > 20000) triggerCache.clear();
    if (cacheable) triggerCache.set(key, errors);
  }
  return errors.map((e) => ({ ...e, instancePath: prefix + e.instancePath }));
}

function parsePointer(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** For a failed `oneOf`, keep only the errors of the branch matching the value's shape. */
function oneOfBranchesToDrop(errors: ErrorObject[], root: YMap, lookup: SchemaLookup): string[] {
  const drop: string[] = [];
  for (const e of errors) {
    if (e.keyword !== 'oneOf') continue;
    const path = parsePointer(e.instancePath);
    const node = nodeAtPath(root, path);
    const branches = lookup(path)?.oneOf ?? [];
    const want = node?.kind === 'map' ? 'object' : node?.kind === 'seq' ? 'array' : 'scalar';
    branches.forEach((b, i) => {
      const d = deref(b);
      const t = Array.isArray(d?.type) ? d?.type : [d?.type];
      const isObject = t.includes('object');
      const isArray = t.includes('array');
      const matches = want === 'object' ? isObject : want === 'array' ? isArray : !isObject && !isArray;
      if (!matches) drop.push(`${e.schemaPath}/${i}/`);
    });
  }
  return drop;
}

function isInterpolated(node: YNode | undefined): boolean {
  return !!node && node.kind === 'scalar' && typeof node.value === 'string' && hasInterpolation(node.value);
}

function describe(node: YNode | undefined): string {
  if (!node) return 'nothing';
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.value === null) return 'an empty value';
  if (typeof node.value === 'string') return `the text ${JSON.stringify(node.value)}`;
  return `${typeof node.value} ${String(node.value)}`;
}

function lastKey(path: Path): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return 'the file';
}

function where(path: Path): string {
  return path.length === 0 ? 'at the top level' : `in \`${path.join('.')}\``;
}

/** The key node range of the value at `path` (for errors about an object, point at its key). */
function keyRange(root: YMap, path: Path): { start: number; end: number } {
  if (path.length === 0) {
    const first = root.pairs[0];
    return first ? { start: first.keyStart, end: first.keyEnd } : { start: root.start, end: root.start };
  }
  const parent = nodeAtPath(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent?.kind === 'map') {
    const p = getPair(parent, String(last));
    if (p) return { start: p.keyStart, end: p.keyEnd };
  }
  const node = nodeAtPath(root, path);
  if (node) {
    // A list item that is a mapping: point at its first key.
    if (node.kind === 'map' && node.pairs[0]) return { start: node.pairs[0].keyStart, end: node.pairs[0].keyEnd };
    return { start: node.start, end: node.end };
  }
  return { start: root.start, end: root.start };
}

function toDiagnostic(e: ErrorObject, root: YMap, lookup: SchemaLookup, text: string): ScfDiagnostic | undefined {
  const path = parsePointer(e.instancePath);
  const node = nodeAtPath(root, path);
  const valueRange = node ? { start: node.start, end: Math.max(node.end, node.start) } : keyRange(root, path);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const parent = node?.kind === 'map' ? node : undefined;
      const pair = parent ? getPair(parent, key) : undefined;
      const r = pair ? { start: pair.keyStart, end: pair.keyEnd } : valueRange;
      const known = Object.keys(lookup(path)?.properties ?? {});
      const isTrigger = path.length >= 2 && path[path.length - 2] === 'events' && typeof path[path.length - 1] === 'number';
      const guess = isTrigger ? triggerKindGuess(key, known) : closest(key, known.filter((k) => !(parent && getPair(parent, k))));
      const message = isTrigger
        ? `unknown trigger kind \`${key}\`${guess ? `; did you mean \`${guess}\`?` : ''} Trigger kinds: ${known.join(', ')}.`
        : `unknown key \`${key}\` ${where(path)}${guess ? `; did you mean \`${guess}\`?` : ''} The component ignores keys it does not know, so this setting has no effect.`;
      return diag(
        isTrigger ? 'scf.schema.trigger' : 'scf.schema.unknownKey',
        message,
        r.start,
        r.end,
        // A trigger kind with no close guess: each kind is offered, so the fix is one pick away.
        (guess ? [guess] : isTrigger ? known : []).map((k) => ({ title: `Change \`${key}\` to \`${k}\``, kind: 'edit' as const, edits: [{ start: r.start, end: r.end, newText: k }], ...(k === guess ? { preferred: true } : {}) })),
        isTrigger ? 'error' : undefined,
      );
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const r = keyRange(root, path);
      return diag('scf.schema.missingProperty', `\`${missing}\` is required ${where(path)}: add \`${missing}:\``, r.start, r.end, requiredFixes(text, root, path, missing, lookup));
    }
    case 'type': {
      if (isInterpolated(node)) return undefined;
      const expected = String(params.type).replace(/,/g, ' or ');
      // A mapping or list where a scalar belongs: point at its key, not at the lines below it.
      const r = node && node.kind !== 'scalar' ? keyRange(root, path) : valueRange;
      return diag('scf.schema.type', `\`${lastKey(path)}\` must be ${article(expected)}, not ${describe(node)}`, r.start, r.end);
    }
    case 'enum': {
      if (isInterpolated(node)) return undefined;
      const allowed = ((params.allowedValues as unknown[]) ?? []).map(String);
      const value = node?.kind === 'scalar' && node.value !== null ? String(node.value) : '';
      // A runtime: the nearest current ones from the runtime table (same family by version, newest
      // first on a tie), never a deprecated one; other values: the closest spelling.
      const guesses = !value ? [] : lastKey(path) === 'runtime' ? nearestRuntimes(value, 3) : [closest(value, allowed)].filter((g): g is string => g !== undefined);
      const guess = guesses[0];
      const list = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')} ...` : allowed.join(', ');
      return diag(
        'scf.schema.enum',
        `\`${lastKey(path)}\` cannot be ${describe(node)}${guess ? `; did you mean \`${guess}\`?` : ''} Allowed: ${list}.`,
        valueRange.start,
        valueRange.end,
        guesses.map((g, i) => ({ title: `Change to \`${g}\``, kind: 'edit' as const, edits: [{ start: valueRange.start, end: valueRange.end, newText: g }], ...(i === 0 ? { preferred: true } : {}) })),
      );
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'maxItems':
    case 'minItems':
    case 'pattern': {
      if (isInterpolated(node)) return undefined;
      return diag('scf.schema.range', `\`${lastKey(path)}\` ${e.message ?? 'is out of range'}, got ${describe(node)}`, valueRange.start, valueRange.end);
    }
    case 'minProperties':
    case 'maxProperties': {
      if (path.includes('events')) {
        return diag('scf.schema.trigger', 'each item of `events` has exactly one key, the trigger kind (timer, apigw, cos, cmq, ckafka, cls, mps, clb): start another item with `-` for another trigger', valueRange.start, valueRange.end);
      }
      return diag('scf.schema.range', `\`${lastKey(path)}\` ${e.message ?? 'has the wrong number of keys'}`, valueRange.start, valueRange.end);
    }
    case 'oneOf':
    case 'if':
      return undefined; // the kept branch (the `then` of an `if`) reports the detail
    default:
      return diag('scf.schema.type', `\`${lastKey(path)}\` ${e.message ?? 'is invalid'}`, valueRange.start, valueRange.end);
  }
}

/** Quick fixes for a missing property: a trigger's `parameters:` and the settings required inside it. */
function requiredFixes(text: string, root: YMap, path: Path, missing: string, lookup: SchemaLookup): QuickFix[] {
  if (missing === 'parameters' && isTriggerBody(path)) return missingParametersFixes(text, String(path[path.length - 1]), nodeAtPath(root, path), lookup([...path, 'parameters']));
  const body = path.slice(0, -1);
  if (path[path.length - 1] === 'parameters' && isTriggerBody(body)) return missingParameterFixes(text, String(body[body.length - 1]), missing, nodeAtPath(root, path));
  return [];
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Words people write for SCF's trigger kinds (other clouds' names, the service's long name). */
const TRIGGER_ALIASES: Record<string, string> = {
  apigateway: 'apigw', api: 'apigw', http: 'apigw', gateway: 'apigw',
  cron: 'timer', schedule: 'timer', scheduler: 'timer', time: 'timer',
  s3: 'cos', bucket: 'cos', oss: 'cos', storage: 'cos',
  kafka: 'ckafka', queue: 'cmq', mq: 'cmq', tdmq: 'cmq', topic: 'cmq',
  log: 'cls', logs: 'cls', media: 'mps', lb: 'clb', loadbalancer: 'clb',
};

/** The trigger kind an unknown one most likely means: a known alias, a kind inside it, or the closest spelling. */
export function triggerKindGuess(key: string, known: readonly string[]): string | undefined {
  const word = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  const alias = TRIGGER_ALIASES[word] ?? TRIGGER_ALIASES[word.replace(/triggers?$/, '')];
  if (alias && known.includes(alias)) return alias;
  return known.find((k) => word.includes(k)) ?? closest(key, known);
}
