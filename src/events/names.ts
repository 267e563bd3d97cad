/**
 * Test-event names follow the SCF console's rule (../shared/docs/scf-platform-facts.md §3):
 * letters, digits, `-` and `_`, starting with a letter. The console allows 5 custom templates per
 * function; we show going past that as a warning and do not enforce it.
 */
export const EVENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Our choice (the console states no length): keeps `<name>.json` a safe file name everywhere. */
export const EVENT_NAME_MAX_LENGTH = 100;
export const CONSOLE_CUSTOM_EVENT_LIMIT = 5;

/** Returns why `name` is not a valid test-event name, or undefined when it is. */
export function eventNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Enter a name for the test event.';
  if (!/^[A-Za-z]/.test(name)) return `"${name}" must start with a letter (the SCF console's rule for test-event names).`;
  if (!EVENT_NAME_PATTERN.test(name)) {
    const bad = [...name].find((c) => !/[A-Za-z0-9_-]/.test(c));
    return `"${name}" holds "${bad}": use only letters, digits, "-" and "_" (the SCF console's rule for test-event names).`;
  }
  if (name.length > EVENT_NAME_MAX_LENGTH) return `"${name.slice(0, 20)}..." is ${name.length} characters long; use at most ${EVENT_NAME_MAX_LENGTH}.`;
  return undefined;
}

/** The warning shown when a function has more custom events than the console keeps, else undefined. */
export function customEventLimitWarning(functionName: string, count: number): string | undefined {
  if (count <= CONSOLE_CUSTOM_EVENT_LIMIT) return undefined;
  return `${functionName} has ${count} test events; the SCF console keeps at most ${CONSOLE_CUSTOM_EVENT_LIMIT} custom templates per function, so only ${CONSOLE_CUSTOM_EVENT_LIMIT} of them could be copied there.`;
}

/** A free name derived from `base` (`base-copy`, `base-copy-2`, ...), for "duplicate". */
export function copyName(base: string, taken: ReadonlySet<string>): string {
  const stem = `${base}-copy`;
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

/** A template id or label turned into a valid default event name (`API Gateway request` -> `apiGatewayRequest`). */
export function suggestName(label: string, taken: ReadonlySet<string>): string {
  const words = label.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let name = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
  if (!/^[A-Za-z]/.test(name)) name = `event${name}`;
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name}${i}`)) return `${name}${i}`;
}
