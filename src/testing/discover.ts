/**
 * Which function files a `scf-toolkit test` target means: a serverless.yml / template.yaml itself, a
 * folder holding one, or (otherwise) every one found below the folder.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SERVERLESS_FILE_NAMES } from '../model/types';
import { isTcsamText, TCSAM_FILE_NAMES } from '../model/tcsam';
import { fail, ok, type Outcome } from '../model/outcome';
import { DEFAULT_SKIPPED_DIRS, walkFolders } from '../util/walk';

/** Build output may hold copies of serverless.yml: not a target of its own. */
const SKIPPED = new Set([...DEFAULT_SKIPPED_DIRS, 'dist', 'out']);

export function functionFilesFor(target: string, maxDepth = 8): Outcome<string[]> {
  const abs = resolve(target);
  let st;
  try {
    st = statSync(abs);
  } catch {
    return fail('testing.targetNotFound', `${abs}: no such file or folder`, { file: abs });
  }
  if (st.isFile()) return ok([abs]);
  const direct = directFile(abs);
  if (direct) return ok([direct]);
  const found: string[] = [];
  walkFolders(abs, { skip: SKIPPED, maxDepth }, (dir, _entries, depth) => {
    const file = depth > 0 ? directFile(dir) : undefined;
    if (file) found.push(file);
  });
  if (found.length === 0) return fail('testing.noFunctionFile', `${abs}: no serverless.yml, serverless.yaml or TCSAM template.yaml in this folder or below it; give the file, or run in the folder that holds it`, { file: abs });
  return ok(found.sort());
}

/** The function file directly in a folder: serverless.yml first, then a TCSAM template.yaml. */
function directFile(dir: string): string | undefined {
  for (const name of SERVERLESS_FILE_NAMES) {
    const p = join(dir, name);
    if (isFile(p)) return p;
  }
  for (const name of TCSAM_FILE_NAMES) {
    const p = join(dir, name);
    if (isFile(p) && isTcsamText(readFileSync(p, 'utf8'))) return p;
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
