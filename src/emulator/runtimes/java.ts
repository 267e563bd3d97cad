/**
 * Java runtimes: `Java8` / `Java11` run on a local JDK of that version (JAVA_HOME, /usr/lib/jvm, sdkman,
 * asdf, mise, macOS's JavaVirtualMachines, the java on PATH), otherwise the nearest, with our bootstrap
 * compiled once per bootstrap version and Java version into ~/.cache/scf-toolkit/java by that JDK's
 * javac (a JRE alone, Java 11 and later, runs the single source file directly, more slowly). The JVM's
 * heap is capped below memorySize, as the platform's own limit is on the whole process.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fail, ok, type Outcome } from '../../model/outcome';
import { versionParts, type ScfRuntime } from '../../model/runtimes';
import { runtimeAsset } from './assets';
import { chooseFor, type RuntimeOptions } from './choose';
import { isExecutable } from './interpreters';
import type { LocalRuntime } from './index';

export function resolveJava(runtime: ScfRuntime, options: RuntimeOptions): Outcome<LocalRuntime> {
  const chosen = chooseFor(runtime, options);
  if (!chosen.ok) {
    if (chosen.error.code !== 'runtime.notInstalled') return chosen;
    return fail('runtime.notInstalled', `runtime ${runtime.name} needs Java, and no JDK was found (JAVA_HOME, PATH, /usr/lib/jvm, sdkman); install a JDK (e.g. apt-get install default-jdk) or set scf.runtimePaths["${runtime.name}"]`);
  }
  const java = chosen.value;
  const major = versionParts(java.version)[0] ?? 8;
  const prepared = prepareJavaBootstrap(runtimeAsset('java/ScfJavaBootstrap.java'), java.interpreter.home, major);
  if (!prepared.ok) return fail('runtime.javaBootstrap', `runtime ${runtime.name}: ${prepared.error.message}`);
  const launch = prepared.value;
  return ok({
    family: 'java',
    scfRuntime: runtime.name,
    command: java.interpreter.path,
    version: java.version,
    args: (codeDir, handler, _extra = [], debugPort, memorySize = 128) => [
      `-Xmx${Math.max(32, Math.floor(memorySize * 0.75))}m`,
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      // The bootstrap reaches its channel (fds 3, 4) through FileDescriptor; Java 8 has no modules to open.
      ...(major >= 9 ? ['--add-opens=java.base/java.io=ALL-UNNAMED'] : []),
      ...(debugPort === undefined ? [] : [`-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:${debugPort}`]),
      ...launch,
      codeDir,
      handler,
    ],
    describe: java.describe,
  });
}

const javaBootstraps = new Map<string, Outcome<string[]>>();

function prepareJavaBootstrap(source: string, jdkHome: string | undefined, major: number): Outcome<string[]> {
  const key = `${source}\0${jdkHome}\0${major}`;
  const cached = javaBootstraps.get(key);
  if (cached) return cached;
  let result: Outcome<string[]>;
  const text = readFileSync(source);
  const dir = join(homedir(), '.cache', 'scf-toolkit', 'java', `${createHash('sha256').update(text).digest('hex').slice(0, 16)}-java${major}`);
  const javac = jdkHome && isExecutable(join(jdkHome, 'bin', 'javac')) ? join(jdkHome, 'bin', 'javac') : undefined;
  if (existsSync(join(dir, 'ScfJavaBootstrap.class'))) result = ok(['-cp', dir, 'ScfJavaBootstrap']);
  else if (javac) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync(javac, ['-nowarn', '-d', dir, source], { encoding: 'utf8', timeout: 120_000 });
    result = r.status === 0 ? ok(['-cp', dir, 'ScfJavaBootstrap']) : fail('runtime.javaBootstrap', `compiling the Java bootstrap failed: ${(r.stderr || r.error?.message || '').trim()}`);
  } else if (major >= 11) {
    result = ok([source]); // Java 11+ runs a single source file
  } else {
    result = fail('runtime.javaBootstrap', `the Java ${major} at ${jdkHome ?? 'PATH'} is a JRE without javac, and Java ${major} cannot run a source file directly; install the JDK`);
  }
  javaBootstraps.set(key, result);
  return result;
}
