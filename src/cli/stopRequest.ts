/**
 * How a long-running command (`serve`, `gateway`) hears that it should stop: SIGINT (Ctrl+C),
 * SIGTERM, SIGHUP, or, when it was forked by the extension, its IPC channel closing (the editor quit
 * or crashed).
 *
 * Listen before announcing that the server is up: whoever started us may act on the "listening on"
 * line at once, and a SIGTERM that arrives before a listener is installed kills the process with the
 * default action, skipping the clean-up (endpoint.json left behind, handler processes orphaned).
 * A request that arrives while the command is still starting is kept and ends it once started.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopRequest {
  /** Resolves with what asked for the stop (a signal's name, or `disconnect`). */
  readonly stopped: Promise<string>;
  /** Removes the listeners (a later signal then has its default effect). */
  dispose(): void;
}

export function listenForStop(): StopRequest {
  let resolveStop!: (why: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const handlers = SIGNALS.map((signal) => [signal, () => stop(signal)] as const);
  const onDisconnect = () => stop('disconnect');
  const dispose = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    process.off('disconnect', onDisconnect);
  };
  const stop = (why: string) => {
    // A second Ctrl+C while we clean up has its usual effect.
    dispose();
    resolveStop(why);
  };
  for (const [signal, handler] of handlers) process.on(signal, handler);
  if (process.connected) process.once('disconnect', onDisconnect);
  return { stopped, dispose };
}
