/** A timer trigger's event ({"Type":"Timer","TriggerName":...,"Time":...}). */
export function isTimerEvent(payload: string): boolean {
  if (!payload.includes('"Timer"')) return false;
  try {
    const e = JSON.parse(payload) as { Type?: unknown; TriggerName?: unknown };
    return e.Type === 'Timer' && 'TriggerName' in e;
  } catch {
    return false;
  }
}
