/** Function name, memory, timeouts and environment variable keys (scf-platform-facts §2-3). */
import { diag, type ScfDiagnostic } from '../diagnostics';
import { get, scalarText, type YNode } from '../yaml';
import type { InstanceContext } from './context';

export const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
export const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
export const RESERVED_ENV_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'] as const;
/** Valid memory sizes in MB: 64, then 128 to 3072 in steps of 128. */
export const MEMORY_SIZES: readonly number[] = [64, ...Array.from({ length: 24 }, (_, i) => 128 * (i + 1))];
export const TIMEOUT_MAX = 900;
/** Asynchronous-execution functions may run up to 24 hours. */
export const ASYNC_TIMEOUT_MAX = 86400;
/** Our choice: the SCF API accepts InitTimeout 1..300 s; the component's table says 1..30 for older runtimes. */
export const INIT_TIMEOUT_MAX = 300;

export function nearestMemory(value: number): number {
  let best = MEMORY_SIZES[0]!;
  for (const m of MEMORY_SIZES) if (Math.abs(m - value) < Math.abs(best - value) || (Math.abs(m - value) === Math.abs(best - value) && m > best)) best = m;
  return best;
}

function numberOf(node: YNode | undefined): number | undefined {
  return node && node.kind === 'scalar' && typeof node.value === 'number' ? node.value : undefined;
}

/** A key that passes every check below: most keys are, and are told so by one test. */
const GOOD_ENV_KEY = /^(?!SCF_|QCLOUD_|TENCENTCLOUD_)[A-Za-z][A-Za-z0-9_]{1,63}$/;

/** An environment variable key: SCF's pattern, length and reserved prefixes (facts §2). `keys`: all the keys, asked only for a reserved one. */
function checkEnvKey(key: string, keyStart: number, keyEnd: number, keys: () => ReadonlySet<string>): ScfDiagnostic[] {
  if (GOOD_ENV_KEY.test(key)) return [];
  const reserved = RESERVED_ENV_PREFIXES.find((p) => key.startsWith(p));
  if (reserved) {
    const rest = key.slice(reserved.length);
    let candidate = ENV_KEY.test(rest) && rest.length >= 2 && !keys().has(rest) ? rest : `APP_${rest}`;
    if (!ENV_KEY.test(candidate)) candidate = 'APP_VAR';
    return [
      diag('scf.env.keyReserved', `environment variable ${key} uses the reserved prefix ${reserved} (SCF_, QCLOUD_ and TENCENTCLOUD_ belong to the platform): rename it, e.g. ${candidate}`, keyStart, keyEnd, [
        { title: `Rename ${key} to ${candidate}`, kind: 'edit', edits: [{ start: keyStart, end: keyEnd, newText: candidate }], preferred: true },
      ]),
    ];
  }
  if (!ENV_KEY.test(key)) return [diag('scf.env.keyInvalid', `environment variable key "${key}" is not valid: start with a letter and use only letters, digits and "_"`, keyStart, keyEnd)];
  const bytes = key.length; // ENV_KEY allows ASCII only, so characters are bytes
  if (bytes < 2 || bytes > 64) return [diag('scf.env.keyLength', `environment variable key "${key}" is ${bytes} byte${bytes === 1 ? '' : 's'} long: keys are 2 to 64 bytes`, keyStart, keyEnd)];
  return [];
}

export function checkLimits(ctx: InstanceContext): ScfDiagnostic[] {
  const out: ScfDiagnostic[] = [];
  const inputs = ctx.inputs;
  if (!inputs) return out;

  const nameNode = get(inputs, 'name');
  if (nameNode?.kind === 'scalar' && typeof nameNode.value === 'string') {
    const resolved = ctx.resolve(nameNode.value);
    if (resolved !== undefined && !FUNCTION_NAME.test(resolved)) {
      out.push(
        diag(
          'scf.function.nameInvalid',
          `function name "${resolved}" is not valid: use 2 to 60 letters, digits, "-" and "_", starting with a letter and ending with a letter or digit`,
          nameNode.start,
          nameNode.end,
        ),
      );
    }
  }

  if (!nameNode && ctx.defaultName) {
    const { name, rule, at } = ctx.defaultName;
    if (!name.includes('${') && !FUNCTION_NAME.test(name)) {
      out.push(
        diag(
          'scf.function.nameInvalid',
          `the default function name "${name}" (${rule}) is not valid${name.length > 60 ? ' (longer than 60 characters)' : ''}: set \`name\`, or use letters, digits, "-" and "_" in the names it is built from`,
          at.start,
          at.end,
        ),
      );
    }
  } else if (!nameNode) {
    // The default name is built from the instance, stage and app names: it must be valid too.
    const fallback = `${ctx.instanceName}-${ctx.stage}-${ctx.app}`;
    const parts = (['name', 'app', 'stage'] as const).map((k) => get(ctx.instance, k)).filter((n): n is YNode => !!n);
    const top = parts.find((n) => /[^A-Za-z0-9_-]/.test(scalarText(n) ?? '')) ?? parts[0];
    if (top && !fallback.includes('${') && !FUNCTION_NAME.test(fallback)) {
      out.push(
        diag(
          'scf.function.nameInvalid',
          `the default function name "${fallback}" (\${name}-\${stage}-\${app}) is not valid${fallback.length > 60 ? ' (longer than 60 characters)' : ''}: set \`inputs.name\`, or use letters, digits, "-" and "_" in the names it is built from`,
          top.start,
          top.end,
        ),
      );
    }
  }

  const mem = get(inputs, 'memorySize');
  const memValue = numberOf(mem);
  if (mem && memValue !== undefined && Number.isInteger(memValue) && !MEMORY_SIZES.includes(memValue)) {
    const fix = nearestMemory(memValue);
    out.push(
      diag('scf.memory.invalid', `memorySize ${memValue} MB is not a size SCF offers: use 64, or 128 to 3072 in steps of 128 (nearest: ${fix})`, mem.start, mem.end, [
        { title: `Set memorySize to ${fix}`, kind: 'edit', edits: [{ start: mem.start, end: mem.end, newText: String(fix) }], preferred: true },
      ]),
    );
  }

  const asyncRun = get(inputs, 'asyncRunEnable');
  const max = asyncRun?.kind === 'scalar' && asyncRun.value === true ? ASYNC_TIMEOUT_MAX : TIMEOUT_MAX;
  const timeout = get(inputs, 'timeout');
  const t = numberOf(timeout);
  if (timeout && t !== undefined && (t < 1 || t > max)) {
    const fix = Math.min(max, Math.max(1, Math.round(t)));
    out.push(
      diag(
        'scf.timeout.outOfRange',
        `timeout ${t} s is out of range: event functions run 1 to ${max} seconds${max === TIMEOUT_MAX ? ' (set asyncRunEnable: true for longer asynchronous runs)' : ''}`,
        timeout.start,
        timeout.end,
        [{ title: `Set timeout to ${fix}`, kind: 'edit', edits: [{ start: timeout.start, end: timeout.end, newText: String(fix) }], preferred: true }],
      ),
    );
  }

  const init = get(inputs, 'initTimeout');
  const it = numberOf(init);
  if (init && it !== undefined && (it < 1 || it > INIT_TIMEOUT_MAX)) {
    const fix = Math.min(INIT_TIMEOUT_MAX, Math.max(1, Math.round(it)));
    out.push(
      diag('scf.initTimeout.outOfRange', `initTimeout ${it} s is out of range: 1 to ${INIT_TIMEOUT_MAX} seconds`, init.start, init.end, [
        { title: `Set initTimeout to ${fix}`, kind: 'edit', edits: [{ start: init.start, end: init.end, newText: String(fix) }], preferred: true },
      ]),
    );
  }

  const env = get(inputs, 'environment');
  const vars = get(env, 'variables');
  if (vars?.kind === 'map') {
    let keys: Set<string> | undefined;
    const allKeys = () => (keys ??= new Set(vars.pairs.map((p) => p.key)));
    for (const pair of vars.pairs) {
      if (pair.value.kind !== 'scalar') {
        out.push(diag('scf.schema.type', `environment variable ${pair.key} must be a string, number or boolean, not ${pair.value.kind === 'map' ? 'a mapping' : 'a list'}: quote it if it is meant as text`, pair.keyStart, pair.keyEnd));
      }
      const problems = checkEnvKey(pair.key, pair.keyStart, pair.keyEnd, allKeys);
      if (problems.length) out.push(...problems);
    }
  }
  // multi-scf and http: `environments: [{ key, value }]`
  const list = get(inputs, 'environments');
  if (list?.kind === 'seq') {
    const keyNodes = list.items.map((item) => get(item, 'key')).filter((n): n is YNode => n?.kind === 'scalar' && n.value !== null);
    const keys = new Set(keyNodes.map((n) => String((n as { value: unknown }).value)));
    for (const node of keyNodes) out.push(...checkEnvKey(scalarText(node)!, node.start, node.end, () => keys));
  }
  return out;
}
