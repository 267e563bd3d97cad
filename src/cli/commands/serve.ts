/**
 * `scf-toolkit serve [--port N]`: the local SCF endpoint, on 127.0.0.1, until interrupted.
 * It speaks Tencent Cloud API 3.0 for SCF (signed TC3-HMAC-SHA256 with the state folder's key pair),
 * keeps deployed functions in the state folder, and runs them in the emulator with their deployed code.
 */
import { resolve } from 'node:path';
import { Emulator } from '../../emulator/emulator';
import { LOCAL_CREDENTIALS_FILE } from '../../deploy/endpoint/credentials';
import { connectLocal, defaultStateDir, findRunningEndpoint } from '../../deploy/localTarget';
import { describeRoutes, startGateway, type Gateway } from '../../emulator/gateway/server';
import { FUNCTION_SERVER_HELP, loadGatewaySpecs, parseMaxInstances } from '../gatewaySpecs';
import { inputError, listenError, parsePort, startCommand, usageError, type CliIO } from '../io';
import { listenForStop } from '../stopRequest';

const HELP = `Usage: scf-toolkit serve [<serverless.yml|folder>...] [options]

Serves the SCF API actions a deploy and an invoke need (CreateFunction, UpdateFunctionCode,
UpdateFunctionConfiguration, GetFunction, GetFunctionAddress, ListFunctions, DeleteFunction, Invoke,
GetFunctionLogs, CreateNamespace, ListNamespaces, and the layer actions PublishLayerVersion,
GetLayerVersion, ListLayers, ListLayerVersions, DeleteLayerVersion) on 127.0.0.1, until Ctrl+C. Point the Tencent Cloud SDK at it with the key pair in
the state folder's ${LOCAL_CREDENTIALS_FILE}; \`scf-toolkit deploy\` finds it by itself.

With serverless.yml files or folders, it also serves a local HTTP gateway for their functions: each
apigw trigger endpoint (path, method) of an event function, and every web function under /<name>/.

Options:
  --port N        the port (default 0: a free one, printed)
  --gateway-port N  the HTTP gateway's port (default 0: a free one, printed)
  --state DIR     the state folder: deployed functions, code, logs (default ./.scf/endpoint)
${FUNCTION_SERVER_HELP}
  --quiet         do not print one line per request

Exit code: 0 after a clean stop, 2 for a usage error or when the port is taken.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const started = startCommand(argv, io, { name: 'serve', help: HELP, values: ['port', 'state', 'python', 'gateway-port', 'max-instances'], flags: ['quiet'], lists: ['layer', 'runtime-path'] });
  if (typeof started === 'number') return started;
  const { positionals, values, flags } = started.args;
  const gatewaySpecs = loadGatewaySpecs(positionals, io, started.layerFolders);
  if (!gatewaySpecs.ok) return inputError(io, 'serve', gatewaySpecs.error.message);
  const gatewayPort = parsePort(values['gateway-port'], '--gateway-port');
  if (!gatewayPort.ok) return usageError(io, 'serve', gatewayPort.error.message);
  const port = parsePort(values.port, '--port');
  if (!port.ok) return usageError(io, 'serve', port.error.message);
  const stateDir = values.state ? resolve(io.cwd, values.state) : defaultStateDir(io.cwd);
  const running = await findRunningEndpoint(stateDir);
  if (running) return inputError(io, 'serve', `an endpoint over ${stateDir} is already running at ${running}; use it, or stop it first`);
  const maxInstances = parseMaxInstances(values['max-instances']);
  if (!maxInstances.ok) return usageError(io, 'serve', maxInstances.error.message);
  // Listening for a stop before anything starts: see stopRequest.ts.
  const stop = listenForStop();
  const emulator = new Emulator({ pythonPath: values.python, runtimePaths: started.runtimePaths, callerEnv: io.env, maxInstancesPerFunction: maxInstances.value });
  let conn;
  try {
    conn = await connectLocal({ stateDir, port: port.value, runner: emulator, advertise: true, onRequest: flags.has('quiet') ? undefined : (line) => io.out(line) });
  } catch (e) {
    stop.dispose();
    await emulator.dispose();
    return inputError(io, 'serve', listenError(e, port.value));
  }
  let gateway: Gateway | undefined;
  if (gatewaySpecs.value.length) {
    try {
      gateway = await startGateway({
        specs: gatewaySpecs.value,
        emulator,
        port: gatewayPort.value,
        onLog: flags.has('quiet') ? undefined : (line, spec) => io.out(`[${spec.name}] ${line.text}`),
        onRequest: flags.has('quiet') ? undefined : (line) => io.out(line),
      });
    } catch (e) {
      stop.dispose();
      await conn.release();
      await emulator.dispose();
      return inputError(io, 'serve', listenError(e, gatewayPort.value, '--gateway-port', ' for the gateway'));
    }
  }
  io.out(`Local SCF endpoint listening on ${conn.url}`);
  if (gateway) {
    io.out(`HTTP gateway listening on ${gateway.url}`);
    for (const line of describeRoutes(gateway.routes)) io.out(`  ${line}`);
    for (const c of gateway.conflicts) io.out(`[WARN] route conflict: ${c.message}`);
  }
  io.out(`State: ${stateDir} (key pair in ${LOCAL_CREDENTIALS_FILE})`);
  // Only a terminal has a Ctrl+C to press (the editor, which starts this over a pipe, stops it itself).
  if (process.stdout.isTTY) io.out('Press Ctrl+C to stop.');
  // Started by the extension (forked, with an IPC channel), it also ends with the editor, even when it crashes.
  await stop.stopped;
  await gateway?.close();
  await conn.release();
  await emulator.dispose();
  io.out('Stopped.');
  return 0;
}
