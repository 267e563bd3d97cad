/**
 * How a CLI command hears that it should stop: SIGINT (Ctrl+C), SIGTERM, SIGHUP, or, when it was
 * forked by the extension, its IPC channel closing (the editor quit or crashed). The one place the CLI
 * listens for signals.
 *
 * Listen before announcing that the server is up: whoever started us may act on the "listening on"
 * line at once, and a SIGTERM that arrives before a listener is installed kills the process with the
 * default action, skipping the clean-up (endpoint.json left behind, handler processes orphaned).
 * A request that arrives while the command is still starting is kept and ends it once started.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Calls `handler` the first time each of `signals` arrives (a second one of the same signal has its
 * usual effect). For a command that runs one job and reacts per signal (`invoke`: Ctrl+C cancels the
 * request, SIGTERM also ends the process). Returns the function that removes the listeners.
 */
export function onSignals(signals: readonly StopSignal[], handler: (signal: StopSignal) => void): () => void {
  const handlers = signals.map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, h] of handlers) process.once(signal, h);
  return () => {
    for (const [signal, h] of handlers) process.off(signal, h);
  };
}

export interface StopRequest {
  /** Resolves with what asked for the stop (a signal's name, or `disconnect`). */
  readonly stopped: Promise<string>;
  /** Removes the listeners (a later signal then has its default effect). */
  dispose(): void;
}

/** For a long-running command (`serve`, `gateway`): one promise for the first stop of any kind. */
export function listenForStop(): StopRequest {
  let resolveStop!: (why: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const onDisconnect = () => stop('disconnect');
  const offSignals = onSignals(STOP_SIGNALS, (signal) => stop(signal));
  const dispose = () => {
    offSignals();
    process.off('disconnect', onDisconnect);
  };
  const stop = (why: string) => {
    // A second Ctrl+C while we clean up has its usual effect.
    dispose();
    resolveStop(why);
  };
  if (process.connected) process.once('disconnect', onDisconnect);
  return { stopped, dispose };
}
