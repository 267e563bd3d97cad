/**
 * Which files a function is made of, for "the function of the active editor": its handler's source
 * file and its test events. Free of dependencies (no YAML parser), so the commands can ask while the
 * extension activates.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import type { FunctionSpec } from './types';

const NODE_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** The handler's source file, as the emulator resolves it: `<codeDir>/<module>.js|.mjs|.cjs|.py|.php`. */
export function handlerSourceFile(spec: FunctionSpec): string | undefined {
  if (!spec.handler) return undefined;
  const dot = spec.handler.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const module = spec.handler.slice(0, dot);
  const runtime = spec.runtime.toLowerCase();
  const extensions = runtime.startsWith('nodejs') ? NODE_EXTENSIONS : runtime.startsWith('python') ? ['.py'] : runtime.startsWith('php') ? ['.php'] : [];
  for (const ext of extensions) {
    const file = resolve(spec.codeDir, `${module}${ext}`);
    if (isFile(file)) return file;
  }
  return undefined;
}

/**
 * The functions a file belongs to, among `specs`: the ones a serverless.yml / template.yaml declares,
 * the function whose test event it is (`.scf/events/<function>/<name>.json`), or the functions whose
 * handler is in it.
 */
export function functionsOfFile(path: string, specs: readonly FunctionSpec[]): FunctionSpec[] {
  const target = resolve(path);
  const declared = specs.filter((s) => resolve(s.file) === target);
  if (declared.length > 0) return declared;
  const parts = target.split(sep);
  const n = parts.length;
  if (n >= 4 && parts[n - 4] === '.scf' && parts[n - 3] === 'events' && /\.json$/i.test(parts[n - 1]!)) {
    const folder = parts.slice(0, n - 4).join(sep);
    return specs.filter((s) => s.name === parts[n - 2] && dirname(resolve(s.file)) === folder);
  }
  return specs.filter((s) => handlerSourceFile(s) === target);
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
