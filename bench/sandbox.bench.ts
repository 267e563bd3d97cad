/**
 * npm run bench:sandbox — what containment (src/emulator/sandbox.ts) adds to a runtime's start and to
 * a warm request, against the bare spawn in the same run (interleaved, so machine noise hits all alike):
 *   start:       `true` and `node -e 0` spawned bare, through the plan of this machine (on Linux a PID
 *                namespace: setpriv + unshare + the init shell), and through the process-tree fallback
 *   warm path:   freeze + thaw of an idle Node.js instance and one memory sample, per request
 */
import { spawn } from 'node:child_process';
import { SandboxedProcess, sandboxPlan } from '../src/emulator/sandbox';

const RUNS = Number(process.env.BENCH_SANDBOX_RUNS ?? 30);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bare(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn(command, args, { stdio: 'ignore', env: { PATH: process.env.PATH } });
    c.on('error', reject);
    c.on('exit', () => resolve(performance.now() - t0));
  });
}

function sandboxed(command: string, args: string[], containment?: 'tree'): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = new SandboxedProcess(command, args, { cwd: process.cwd(), env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' }, { containment });
    p.child.on('exit', () => resolve(performance.now() - t0));
  });
}

async function main(): Promise<void> {
  const plan = sandboxPlan();
  console.log(`sandbox benchmark: ${RUNS} runs each, Node ${process.version}, ${new Date().toISOString()}\n  this machine: ${plan.summary}`);
  const row = (name: string, ms: number, base: number) => console.log(`  ${name.padEnd(44)}${`${ms.toFixed(2)} ms`.padStart(11)}   ${ms === base ? 'baseline' : `+${(ms - base).toFixed(2)} ms (${(ms / base).toFixed(2)} x)`}`);
  for (const [label, command, args] of [
    ['true', 'true', []],
    ['node -e 0', process.execPath, ['-e', '0']],
  ] as const) {
    const t = { bare: [] as number[], plan: [] as number[], tree: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      t.bare.push(await bare(command, [...args]));
      t.plan.push(await sandboxed(command, [...args]));
      t.tree.push(await sandboxed(command, [...args], 'tree'));
    }
    console.log(`\nstart of \`${label}\``);
    const base = median(t.bare);
    row('bare spawn', base, base);
    row(`sandboxed (${plan.containment})`, median(t.plan), base);
    row('sandboxed (tree fallback)', median(t.tree), base);
  }

  // The warm path: what one request adds (thaw before it, a memory sample, freeze after it).
  const idle = new SandboxedProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: process.cwd(), env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const rounds = 2000;
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    idle.freeze();
    idle.thaw();
  }
  const freezeUs = ((performance.now() - t0) / rounds) * 1000;
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) idle.memoryKb();
  const sampleUs = ((performance.now() - t0) / rounds) * 1000;
  idle.kill();
  console.log('\nwarm path of a Node.js instance (one process)');
  console.log(`  ${'freeze + thaw'.padEnd(44)}${`${freezeUs.toFixed(1)} us`.padStart(11)}   per request`);
  console.log(`  ${'memory sample'.padEnd(44)}${`${sampleUs.toFixed(1)} us`.padStart(11)}   every 25 ms while a request runs`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
