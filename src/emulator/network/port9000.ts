/**
 * Port 9000 for web functions. On SCF a web function's server listens on 9000 in a container of its
 * own. Locally several web functions (and several instances of one) run at once on one machine, so
 * each instance has a port of its own (in PORT and SCF_TOOLKIT_PORT) and a server written for 9000 is
 * moved onto it without a change to its code:
 *   - Node.js: `--require port9000/listen.js` in NODE_OPTIONS (any node the bootstrap starts), which
 *     turns `listen(9000, ...)` into `listen(<port>, '127.0.0.1')`;
 *   - Python 2.7 and 3.x: `port9000/python` first on PYTHONPATH, whose sitecustomize turns
 *     `bind((host, 9000))` into `bind(('127.0.0.1', <port>))`, then hands over to any other sitecustomize;
 *   - PHP's built-in server: `php -S <host>:9000` in the bootstrap becomes `-S 127.0.0.1:<port>`;
 *   - Java: `-Dserver.port=<port>` in JAVA_TOOL_OPTIONS (Spring Boot's server.port; system properties
 *     win over application.properties);
 * and the server stays reachable only from this machine (127.0.0.1), while its outbound connections
 * (APIs, databases) are untouched. Its processes are contained like any instance's (sandbox.ts: its own
 * PID namespace and pids cgroup where allowed, whatever it detaches ends with it); only the network
 * stays the machine's. Why not a network namespace per instance as well: the host could no longer
 * reach the server (Node cannot enter another namespace to connect; a relay inside it would be one
 * more process per instance), unprivileged user
 * namespaces are refused on Ubuntu 24.04 (AppArmor), do not exist on macOS or Windows, and cut outbound
 * networking unless slirp4netns or pasta is installed; an LD_PRELOAD bind() shim misses static
 * binaries and needs a compiled library per platform. A server none of the shims reaches (a native
 * binary, e.g. Go) gets the real 127.0.0.1:9000 while it is free: one such instance at a time (the
 * Port9000Lease), an idle one making way for the next.
 */
import { delimiter, join } from 'node:path';
import { runtimeAsset } from '../runtimes/assets';

/** The environment additions that move a server on 9000 to `port`. */
export function port9000Env(env: Record<string, string>, port: number): Record<string, string> {
  const listen = runtimeAsset('port9000/listen.js');
  const python = runtimeAsset('port9000/python');
  const quoted = /\s/.test(listen) ? `"${listen}"` : listen;
  return {
    SCF_TOOLKIT_PORT: String(port),
    NODE_OPTIONS: [`--require ${quoted}`, env.NODE_OPTIONS].filter(Boolean).join(' '),
    PYTHONPATH: [python, env.PYTHONPATH].filter(Boolean).join(delimiter),
    JAVA_TOOL_OPTIONS: [`-Dserver.port=${port}`, env.JAVA_TOOL_OPTIONS].filter(Boolean).join(' '),
  };
}

/** The bootstrap text with PHP's built-in server moved from 9000 to `port` (`php -S 0.0.0.0:9000 ...`). */
export function port9000Rewrite(port: number): (text: string) => string {
  return (text) => text.replace(/(\s-S\s*)(?:[^\s:'"]*|\[[^\]]*\]):9000\b/g, `$1127.0.0.1:${port}`);
}

interface Holder {
  busy: boolean;
  kill(): void;
}

let holder: Holder | undefined;

/** The real 127.0.0.1:9000, held by at most one instance of this process at a time. */
export class Port9000Lease {
  constructor(private readonly owner: Holder) {}

  /** Takes the real 9000 for the owner's server (false when another instance holds it). */
  take(): boolean {
    if (holder && holder !== this.owner) return false;
    holder = this.owner;
    return true;
  }

  /** Whether another instance holds the real 9000. */
  heldElsewhere(): boolean {
    return holder !== undefined && holder !== this.owner;
  }

  /** Ends the idle instance holding the real 9000, so the owner's server can bind it; false if there is none or it is busy. */
  makeRoom(): boolean {
    if (!holder || holder === this.owner || holder.busy) return false;
    const idle = holder;
    holder = undefined;
    idle.kill();
    return true;
  }

  release(): void {
    if (holder === this.owner) holder = undefined;
  }
}

/** For tests: the path of a port-9000 asset (the shims are checked on their own). */
export const PORT9000_ASSETS = { listen: () => runtimeAsset('port9000/listen.js'), python: () => join(runtimeAsset('port9000/python'), 'sitecustomize.py') };
