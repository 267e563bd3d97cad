/**
 * Node's internal bindings, as child_process and net use them (rawSpawn.ts, rawPipe.ts): through
 * `process.binding` (DEP0111, documented as deprecated but kept in Node's list of allowed bindings),
 * and only where it is Node's own function. With --pending-deprecation Node wraps it in a function
 * that warns; the permission model refuses it. Either way: undefined, and the caller does without.
 */
export function nodeBinding(name: string): Record<string, unknown> | undefined {
  const binding = (process as unknown as { binding?: ((name: string) => unknown) & { name?: string } }).binding;
  if (typeof binding !== 'function' || binding.name !== 'binding') return undefined;
  try {
    return binding(name) as Record<string, unknown>;
  } catch {
    return undefined; // (the permission model refuses process.binding)
  }
}
