/**
 * The host's watchdog, where the OS gives an instance no way to die with the host (macOS and other
 * Unix have no parent-death signal; on Linux without namespaces `setpriv --pdeathsig` ends only an
 * instance's first process). A compiled Go program, which has no channel to the host whose closing it
 * would notice, would otherwise run on after the host or CLI is gone, with everything it started.
 *
 * One per host process, started with its first instance: a POSIX shell holding the read end of a pipe
 * from the host. The host writes the process groups of its live instances (each runtime leads its own)
 * whenever they change. When the host goes, however it goes (it exits, crashes, is killed with
 * SIGKILL), the kernel closes the pipe's write end with it; the watchdog's `read` sees end-of-file and
 * it kills every group it was last told of, then every process whose environment still holds this
 * host's instance marker (what left the group: setsid, a double fork, nohup), through /proc where there
 * is one and `ps -E` elsewhere, a few rounds, and ends. It lives in a process group and session of its
 * own, so no instance's kill and no terminal's hangup reaches it, and it holds nothing the host waits
 * for (unreferenced).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * $1: this host's marker prefix (`<pid>-<start>`), without the variable's name, so that neither this
 * shell's command line nor its helpers' hold the whole marker a sweep looks for (they would find
 * themselves); awk gets it in two pieces for the same reason.
 */
export const WATCHDOG_SCRIPT =
  'g=; while IFS= read -r l; do g=$l; done; ' +
  'm=_SCF_TOOLKIT_INSTANCE; ' +
  'for r in 1 2 3 4 5; do ' +
  'for p in $g; do kill -KILL -"$p" 2>/dev/null; done; ' +
  'if [ -r /proc/self/environ ]; then s=$(grep -l -a -F "$m=$1-" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); ' +
  `else s=$(ps -A -E -ww -o pid=,command= 2>/dev/null | awk -v a="$m" -v b="=$1-" 'index($0, " " a b) { print $1 }'); fi; ` +
  '[ -n "$s" ] || break; kill -KILL $s 2>/dev/null; ' +
  'done';

export class SandboxWatchdog {
  private child: ChildProcess | undefined;
  private readonly groups = new Set<number>();

  /** `hostMarker`: `<pid>-<start>`, the prefix of this host's instance markers. */
  constructor(private readonly hostMarker: string) {}

  /** The watchdog's pid once started (for tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A new instance whose runtime leads process group `pgid`. */
  add(pgid: number): void {
    this.groups.add(pgid);
    this.send();
  }

  /** The instance was killed (its group with it): forget it, so a reused number is never killed. */
  remove(pgid: number): void {
    if (this.groups.delete(pgid)) this.send();
  }

  private send(): void {
    const child = this.start();
    child?.stdin?.write(`${[...this.groups].join(' ')}\n`);
  }

  private start(): ChildProcess | undefined {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'scf-watchdog', this.hostMarker], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    return child;
  }
}
