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
import { layerFolders, parseArgs } from '../args';
import { loadGatewaySpecs, MAX_INSTANCES_HELP, parseMaxInstances } from '../gatewaySpecs';
import { parseRuntimePaths, RUNTIME_PATH_USAGE } from '../runtimePaths';
import type { CliIO } from '../io';
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
  --python PATH   the python3 for every Python3.x function (default: each runtime's own version)
${RUNTIME_PATH_USAGE}
  --layer NAME=FOLDER  where layer NAME's content is locally (its /opt), when it is not a
                  component: layer of the app; repeatable
${MAX_INSTANCES_HELP}
  --quiet         do not print one line per request

Exit code: 0 after a clean stop, 2 for a usage error or when the port is taken.`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseArgs(argv, { values: ['port', 'state', 'python', 'gateway-port', 'max-instances'], flags: ['help', 'quiet'], lists: ['layer', 'runtime-path'] });
  if (!parsed.ok) return usageError(io, parsed.message);
  const { positionals, values, flags, lists } = parsed.args;
  const runtimePaths = parseRuntimePaths(lists['runtime-path']);
  if (!runtimePaths.ok) return usageError(io, runtimePaths.error.message);
  if (flags.has('help')) {
    io.out(HELP);
    return 0;
  }
  const layers = layerFolders(parsed.args, io.cwd);
  if (!layers.ok) {
    io.err(`scf-toolkit serve: ${layers.message}`);
    return 2;
  }
  const gatewaySpecs = loadGatewaySpecs(positionals, io, 'serve', layers.folders);
  if (!gatewaySpecs.ok) return gatewaySpecs.code;
  const gatewayPort = values['gateway-port'] === undefined ? 0 : Number(values['gateway-port']);
  if (!Number.isInteger(gatewayPort) || gatewayPort < 0 || gatewayPort > 65535) return usageError(io, `--gateway-port must be a port number, not "${values['gateway-port']}"`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(io, `--port must be a port number, not "${values.port}"`);
  const stateDir = values.state ? resolve(io.cwd, values.state) : defaultStateDir(io.cwd);
  const running = await findRunningEndpoint(stateDir);
  if (running) {
    io.err(`error: an endpoint over ${stateDir} is already running at ${running}; use it, or stop it first`);
    return 2;
  }
  const maxInstances = parseMaxInstances(values['max-instances']);
  if (!maxInstances.ok) return usageError(io, maxInstances.message);
  // Listening for a stop before anything starts: see stopRequest.ts.
  const stop = listenForStop();
  const emulator = new Emulator({ pythonPath: values.python, runtimePaths: runtimePaths.value, callerEnv: io.env, maxInstancesPerFunction: maxInstances.value });
  let conn;
  try {
    conn = await connectLocal({ stateDir, port, runner: emulator, advertise: true, onRequest: flags.has('quiet') ? undefined : (line) => io.out(line) });
  } catch (e) {
    stop.dispose();
    await emulator.dispose();
    const err = e as NodeJS.ErrnoException;
    io.err(`error: cannot listen on 127.0.0.1:${port}: ${err.code === 'EADDRINUSE' ? 'the port is taken; choose another with --port' : err.message}`);
    return 2;
  }
  let gateway: Gateway | undefined;
  if (gatewaySpecs.specs.length) {
    try {
      gateway = await startGateway({
        specs: gatewaySpecs.specs,
        emulator,
        port: gatewayPort,
        onLog: flags.has('quiet') ? undefined : (line, spec) => io.out(`[${spec.name}] ${line.text}`),
        onRequest: flags.has('quiet') ? undefined : (line) => io.out(line),
      });
    } catch (e) {
      stop.dispose();
      await conn.release();
      await emulator.dispose();
      io.err(`error: cannot listen on 127.0.0.1:${gatewayPort} for the gateway: ${(e as Error).message}`);
      return 2;
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

function usageError(io: CliIO, message: string): number {
  io.err(`scf-toolkit serve: ${message}\nRun \`scf-toolkit serve --help\` for the options.`);
  return 2;
}
