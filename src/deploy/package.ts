/**
 * Packages a function's code folder for upload, refusing what the platform refuses before anything
 * is sent: a package over 50 MB, symlinks or globs that leave the folder, and an entry file that is
 * not at the root of the zip (the cause of status 437 HandlerNotFound).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FunctionSpec } from '../model';
import { collectFiles, type CollectedFile } from './collect';
import { fail, ok, type Outcome } from '../model/outcome';
import { makeTempDir, removeTempDir } from '../util/tempDir';
import { writeZip, ZipTooLargeError } from './zip';

/** Platform limit for a code package (scf-platform-facts §3). */
export const MAX_PACKAGE_BYTES = 50 * 1024 * 1024;

/** `zipFile`: the zip, on disk, in a temporary folder of its own (removed by `dispose`) or `PackageOptions.outFile`. */
export interface CodePackage extends ZippedFiles {
  fileCount: number;
  /** Sum of the files' sizes before compression. */
  unpackedBytes: number;
  files: CollectedFile[];
  /** The entry file the handler names (or `scf_bootstrap`), as found at the root. */
  entryFile?: string;
}

export type PackageSpec = Pick<FunctionSpec, 'codeDir' | 'srcExclude' | 'srcInclude' | 'handler' | 'runtime' | 'type' | 'file'> & Partial<Pick<FunctionSpec, 'bootstrap'>>;

export interface PackageOptions {
  /** Defaults to MAX_PACKAGE_BYTES; lowered only by tests of the limit's message. */
  maxBytes?: number;
  /** Where to write the zip (default: a new temporary folder). */
  outFile?: string;
}

/**
 * Collects, checks and zips the code folder, writing the zip to a file as it is made (zip.ts): small
 * files are deflated in batches on this thread with a turn for the event loop every few milliseconds,
 * large ones in zlib's thread pool, so the editor's process is never held for long.
 */
export async function packageFunction(spec: PackageSpec, options: PackageOptions = {}): Promise<Outcome<CodePackage>> {
  const prepared = prepare(spec);
  if (!prepared.ok) return prepared;
  const { files, entryFile } = prepared.value;
  const zipped = await zipFiles(spec.codeDir, files, options);
  if (!zipped.ok) return zipped;
  return ok({ ...zipped.value, fileCount: files.length, unpackedBytes: files.reduce((n, f) => n + f.size, 0), files, entryFile });
}

export interface ZippedFiles {
  zipFile: string;
  zipBytes: number;
  /** Hex SHA-256 of the zip bytes. */
  sha256: string;
  /** Removes the zip (and its temporary folder); call it once the package has been uploaded. */
  dispose(): void;
}

/** The zip of `files` (a function's or a layer's), on disk, within the package limit. */
export async function zipFiles(codeDir: string, files: readonly CollectedFile[], options: PackageOptions = {}): Promise<Outcome<ZippedFiles>> {
  const max = options.maxBytes ?? MAX_PACKAGE_BYTES;
  const temp = options.outFile ? undefined : makeTempDir('package');
  const zipFile = options.outFile ?? join(temp!, 'code.zip');
  const dispose = () => (temp ? removeTempDir(temp) : rmSync(zipFile, { force: true }));
  try {
    const written = await writeZip(files, zipFile, { maxBytes: max });
    return ok({ zipFile, zipBytes: written.bytes, sha256: written.sha256, dispose });
  } catch (e) {
    dispose();
    if (e instanceof ZipTooLargeError) return tooLarge(codeDir, files, e, max);
    return fail('deploy.packageFailed', `${codeDir}: the code package could not be written to ${dirname(zipFile)}: ${(e as Error).message}`);
  }
}

function prepare(spec: PackageSpec): Outcome<{ files: CollectedFile[]; entryFile?: string }> {
  const collected = collectFiles(spec.codeDir, { exclude: spec.srcExclude, include: spec.srcInclude });
  if (!collected.ok) return collected;
  const files = collected.value;
  // The http component adds its scf_bootstrap for the framework when the code has none (its
  // faas.bootstrap.cmd replaces any): the package holds what SCF will start.
  if (spec.bootstrap) {
    const content = Buffer.from(spec.bootstrap.content, 'utf8');
    const own = files.findIndex((f) => f.path === 'scf_bootstrap');
    const generated = { path: 'scf_bootstrap', source: join(spec.codeDir, 'scf_bootstrap'), mode: 0o755, size: content.length, content };
    if (own === -1) files.push(generated);
    else if (spec.bootstrap.source === 'faas.bootstrap.cmd') files[own] = generated;
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  if (files.length === 0) {
    return fail('deploy.emptyPackage', `${spec.codeDir}: no files to package (check \`src\`, src.exclude and .scfignore in ${spec.file})`);
  }
  const entry = checkEntry(spec, files);
  if (!entry.ok) return entry;
  return ok({ files, entryFile: entry.value });
}

function tooLarge(codeDir: string, files: readonly CollectedFile[], e: ZipTooLargeError, max: number): Outcome<never> {
  const biggest = [...files].sort((a, b) => b.size - a.size).slice(0, 3).map((f) => `${f.path} (${formatBytes(f.size)})`).join(', ');
  return fail(
    'deploy.packageTooLarge',
    `${codeDir}: the code package grew past ${formatBytes(e.bytes)} with ${e.filesWritten} of ${files.length} files zipped, over the platform's ${formatBytes(max)} limit. Largest files: ${biggest}. Exclude what the function does not need (src.exclude or .scfignore: tests, dev dependencies) or move large dependencies to a layer`,
  );
}

const EXTENSIONS: Array<[RegExp, string]> = [
  [/^nodejs/i, '.js'],
  [/^python/i, '.py'],
  [/^php/i, '.php'],
];

/** The entry file a handler names at the zip root, or undefined when the runtime has none we can check. */
export function entryFileFor(spec: Pick<FunctionSpec, 'handler' | 'runtime' | 'type'>): string | undefined {
  if (spec.type === 'web' || /^custom/i.test(spec.runtime)) return 'scf_bootstrap';
  const handler = spec.handler ?? '';
  if (/^go/i.test(spec.runtime)) return handler || undefined;
  const ext = EXTENSIONS.find(([re]) => re.test(spec.runtime))?.[1];
  if (!ext) return undefined; // Java (jar) and others: the platform checks
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return undefined; // the schema reports a malformed handler
  return `${handler.slice(0, dot)}${ext}`;
}

function checkEntry(spec: PackageSpec, files: CollectedFile[]): Outcome<string | undefined> {
  const entryFile = entryFileFor(spec);
  if (!entryFile) return ok(undefined);
  const found = files.find((f) => f.path === entryFile);
  if (found) {
    if (entryFile === 'scf_bootstrap' && (found.mode & 0o111) === 0) {
      return fail('deploy.bootstrapNotExecutable', `${join(spec.codeDir, entryFile)}: scf_bootstrap must be executable (status 445 ContainerInitError otherwise); run \`chmod +x ${entryFile}\``);
    }
    return ok(entryFile);
  }
  const what = entryFile === 'scf_bootstrap' ? 'scf_bootstrap' : `the entry file ${entryFile} (handler "${spec.handler}")`;
  const nested = files.find((f) => f.path.endsWith(`/${entryFile}`) && f.path.split('/').length === entryFile.split('/').length + 1);
  if (nested) {
    const folder = nested.path.slice(0, nested.path.length - entryFile.length - 1);
    return fail(
      'deploy.entryNotAtRoot',
      `${spec.file}: ${what} is at ${folder}/${entryFile} in the package, not at its root: the platform would answer 437 HandlerNotFound. This is the enclosing-folder mistake: point \`src\` at ${join(spec.codeDir, folder)} (the folder that holds ${entryFile}), not at its parent`,
    );
  }
  const excludedButPresent = existsSync(join(spec.codeDir, entryFile)) && statSync(join(spec.codeDir, entryFile)).isFile();
  if (excludedButPresent) {
    return fail('deploy.entryExcluded', `${spec.file}: ${what} exists in ${spec.codeDir} but src.exclude or .scfignore leaves it out of the package; the platform would answer 437 HandlerNotFound`);
  }
  let listing = '';
  try {
    listing = readdirSync(spec.codeDir).slice(0, 8).join(', ');
  } catch {
    // reported by collectFiles already
  }
  return fail(
    'deploy.entryNotFound',
    `${spec.file}: ${what} is not at the root of the code folder ${spec.codeDir} (it holds: ${listing || 'nothing'}); the platform would answer 437 HandlerNotFound. Fix \`handler\` or \`src\``,
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
