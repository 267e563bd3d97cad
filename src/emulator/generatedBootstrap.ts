/**
 * The scf_bootstrap the http component adds to a web function whose code has none (spec.bootstrap,
 * see src/model/frameworks.ts), written to a file the emulator starts in place of the code folder's own.
 * The code folder is never written to. The file names SCF's interpreter paths (`/var/lang/node16/bin/node`);
 * until those resolve locally for every scf_bootstrap, the local copy names the local interpreter of the
 * function's runtime instead (the same program the emulator runs that runtime's event functions with).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionSpec } from '../model/types';
import { fail, ok, type Outcome } from '../model/outcome';

/** SCF's standard interpreter paths, `/var/lang/<lang><version>/bin/<program>` (583/56126). */
const IMAGE_INTERPRETER = /\/var\/lang\/[A-Za-z]+\d*\/bin\/[A-Za-z0-9.]+/g;

function quoted(path: string): string {
  return /^[\w./+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** The path of a file holding the function's generated scf_bootstrap (mode 755), for the local interpreter. */
export function materializeBootstrap(spec: FunctionSpec, localInterpreter: string | undefined): Outcome<string> {
  const generated = spec.bootstrap;
  if (!generated) return fail('emulator.noGeneratedBootstrap', `${spec.file}: ${spec.name} has no generated scf_bootstrap`);
  const content = localInterpreter ? generated.content.replace(IMAGE_INTERPRETER, quoted(localInterpreter)) : generated.content;
  const dir = join(tmpdir(), 'scf-toolkit', 'bootstraps', createHash('sha256').update(content).digest('hex').slice(0, 16));
  const file = join(dir, 'scf_bootstrap');
  try {
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const temporary = `${file}.${process.pid}.${Date.now()}`;
      writeFileSync(temporary, content, { mode: 0o755 });
      chmodSync(temporary, 0o755);
      renameSync(temporary, file);
    }
  } catch (e) {
    return fail('emulator.bootstrapWrite', `${spec.file}: could not write the ${generated.framework} start command the http component uses (${file}): ${(e as Error).message}`);
  }
  return ok(file);
}
