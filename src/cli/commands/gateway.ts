/**
 * `scf-toolkit gateway <serverless.yml|folder>... [--port N]`: the local HTTP gateway alone, on
 * 127.0.0.1, until interrupted: apigw trigger routes of event functions and web functions under
 * /<name>/. (`scf-toolkit serve <files>` serves the same gateway beside the local SCF endpoint.)
 */
import { Emulator } from '../../emulator/emulator';
import { describeRoutes, startGateway } from '../../emulator/gateway/server';
import { FUNCTION_SERVER_HELP, loadGatewaySpecs, parseMaxInstances } from '../gatewaySpecs';
import { inputError, listenError, parsePort, startCommand, usageError, type CliIO } from '../io';
import { listenForStop } from '../stopRequest';

/** What `scf-toolkit gateway` sends its parent over IPC once it listens (the editor shows it). */
export interface GatewayListening {
  type: 'gateway.listening';
  url: string;
  /** One line per route, as printed. */
  routes: string[];
  /** Routes that shadow one another (two functions on `GET /` ...), one message each. */
  conflicts: string[];
}

const HELP = `Usage: scf-toolkit gateway <serverless.yml|folder>... [options]

Serves a local HTTP gateway for the functions of these files on 127.0.0.1, until Ctrl+C: each apigw
trigger endpoint (path, method) of an event function gets SCF's API Gateway event, and every web
function is served under /<name>/. Each request and the functions' logs are printed as they happen.

Options:
  --port N        the port (default 0: a free one, printed)
${FUNCTION_SERVER_HELP}
  --quiet         print only the address and the routes

Exit code: 0 after a clean stop, 2 for a usage error or when the port is taken.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const started = startCommand(argv, io, { name: 'gateway', help: HELP, values: ['port', 'python', 'max-instances'], flags: ['quiet'], lists: ['layer', 'runtime-path'] });
  if (typeof started === 'number') return started;
  const { positionals, values, flags } = started.args;
  if (positionals.length === 0) return usageError(io, 'gateway', 'give the serverless.yml files (or folders) whose functions the gateway serves');
  const port = parsePort(values.port, '--port');
  if (!port.ok) return usageError(io, 'gateway', port.error.message);
  const loaded = loadGatewaySpecs(positionals, io, started.layerFolders);
  if (!loaded.ok) return inputError(io, 'gateway', loaded.error.message);
  const maxInstances = parseMaxInstances(values['max-instances']);
  if (!maxInstances.ok) return usageError(io, 'gateway', maxInstances.error.message);
  // Listening for a stop before anything starts: see stopRequest.ts.
  const stop = listenForStop();
  const emulator = new Emulator({ pythonPath: values.python, runtimePaths: started.runtimePaths, callerEnv: io.env, maxInstancesPerFunction: maxInstances.value });
  const quiet = flags.has('quiet');
  let gateway;
  try {
    gateway = await startGateway({
      specs: loaded.value,
      emulator,
      port: port.value,
      onLog: quiet ? undefined : (line, spec) => io.out(`[${spec.name}] ${line.text}`),
      onRequest: quiet ? undefined : (line) => io.out(line),
    });
  } catch (e) {
    stop.dispose();
    await emulator.dispose();
    return inputError(io, 'gateway', listenError(e, port.value));
  }
  io.out(`HTTP gateway listening on ${gateway.url}`);
  for (const line of describeRoutes(gateway.routes)) io.out(`  ${line}`);
  for (const c of gateway.conflicts) io.out(`[WARN] route conflict: ${c.message}`);
  if (gateway.routes.length === 0) io.out('  (no routes: add an apigw trigger with endpoints, or use type: web)');
  // Started by the editor (forked, with an IPC channel): the same, as data.
  process.send?.({ type: 'gateway.listening', url: gateway.url, routes: describeRoutes(gateway.routes), conflicts: gateway.conflicts.map((c) => c.message) } satisfies GatewayListening);
  // Only a terminal has a Ctrl+C to press (the editor, which starts this over a pipe, stops it itself).
  if (process.stdout.isTTY) io.out('Press Ctrl+C to stop.');
  await stop.stopped;
  await gateway.close();
  await emulator.dispose();
  io.out('Stopped.');
  return 0;
}
