import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { AppContext } from '../../model/app';
import type { YMap, YNode } from '../yaml';

/** How checks look at the disk; the server and tests can pass their own. */
export interface FileProbe {
  /** undefined if the path does not exist. */
  stat(path: string): { isFile: boolean; isDirectory: boolean; executable: boolean } | undefined;
  read(path: string): string | undefined;
  /** The names in a folder; optional (checks that need it fall back to looking for known names). */
  list?(dir: string): string[] | undefined;
}

export const diskProbe: FileProbe = {
  stat(path) {
    try {
      const st = statSync(path);
      return { isFile: st.isFile(), isDirectory: st.isDirectory(), executable: process.platform === 'win32' || (st.mode & 0o111) !== 0 };
    } catch {
      return undefined;
    }
  },
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return undefined;
    }
  },
};

export function exists(probe: FileProbe, path: string): boolean {
  return probe === diskProbe ? existsSync(path) : probe.stat(path) !== undefined;
}

/** One scf component instance being checked. */
export interface InstanceContext {
  /** The instance mapping (`component`, `name`, `inputs` ...). */
  instance: YMap;
  inputs: YMap | undefined;
  /** Absolute path of serverless.yml; undefined for an unsaved document (disk checks are skipped). */
  file: string | undefined;
  probe: FileProbe;
  /** Resolves `${name}`, `${app}`, `${stage}`, `${env:X}`; undefined when something stays unresolved. */
  resolve(value: string): string | undefined;
  instanceName: string;
  app: string;
  stage: string;
  /** The deployed name when `inputs.name` is not set, and where to report it (multi-scf: the function's key). */
  defaultName?: { name: string; rule: string; at: { start: number; end: number } };
  /** The code folder when the component decides it (multi-scf: `inputs.src` joined with the function's `src`). */
  codeDir?: { dir: string; node: YNode | undefined };
  /** Where the function is declared, for problems about defaults (default: the `inputs` key). */
  declarationAt?: { start: number; end: number };
  /** The component's default runtime (scf: Nodejs10.15). */
  defaultRuntime?: string;
  /** The document's text (for quick fixes that insert lines). */
  text?: string;
  /** The app's other component instances (layer folders, outputs); undefined for an unsaved document. */
  appContext?: AppContext;
  /** The .env beside serverless.yml. */
  dotEnv?: Record<string, string>;
  /** Layer name -> folder (the `scf.layers` setting). */
  layerFolders?: Record<string, string>;
}

export type NodeOf<K extends YNode['kind']> = Extract<YNode, { kind: K }>;

/**
 * A path as a message shows it: relative to serverless.yml's folder (`./src/app.js`) when it lies inside
 * it, which the Problems view shows whole; absolute otherwise (and for an unsaved document).
 */
export function shownPath(ctx: Pick<InstanceContext, 'file'>, path: string): string {
  if (!ctx.file) return path;
  const rel = relative(dirname(ctx.file), path);
  if (rel === '') return './';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return path;
  return `./${rel.split(sep).join('/')}`;
}
