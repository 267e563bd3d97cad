/**
 * The scf_bootstrap the http component adds to a web function whose code has none (spec.bootstrap,
 * see src/model/frameworks.ts), written to a file the emulator starts in place of the code folder's own.
 * The code folder is never written to. The file names SCF's interpreter paths (`/var/lang/node16/bin/node`),
 * which the web function's launch maps to local interpreters as for any scf_bootstrap (runtimes/imagePaths.ts).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionSpec } from '../model/types';
import { fail, ok, type Outcome } from '../model/outcome';

/** The path of a file holding the function's generated scf_bootstrap (mode 755), as the component writes it. */
export function materializeBootstrap(spec: FunctionSpec): Outcome<string> {
  const generated = spec.bootstrap;
  if (!generated) return fail('emulator.noGeneratedBootstrap', `${spec.file}: ${spec.name} has no generated scf_bootstrap`);
  const content = generated.content;
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
