/**
 * The user's test events: `.scf/events/<function name>/<event name>.json` beside the serverless.yml
 * that declares the function, so a team can commit them with the code.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile, copyFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { copyName, customEventLimitWarning, eventNameProblem } from './names';
import type { Outcome, Problem } from '../model/outcome';

export interface EventFile {
  functionName: string;
  /** The event name: the file name without `.json`. */
  name: string;
  /** Absolute path of the JSON file. */
  file: string;
  /** Set when the file name breaks the console's naming rule (the file is still listed). */
  nameProblem?: string;
}

export interface StoreError extends Problem {
  code: 'events.badName' | 'events.exists' | 'events.notFound' | 'events.badFunctionName' | 'events.io';
}

/** An Outcome, with a note for the user when it succeeded with a caveat. */
export type StoreResult<T> = Outcome<T, StoreError> & { warning?: string };

export const EVENTS_FOLDER = join('.scf', 'events');

/** `<folder of serverless.yml>/.scf/events`. */
export function eventsRoot(serverlessFile: string): string {
  return join(dirname(serverlessFile), EVENTS_FOLDER);
}

export function functionEventsDir(serverlessFile: string, functionName: string): string {
  return join(eventsRoot(serverlessFile), functionName);
}

function functionNameProblem(functionName: string): StoreError | undefined {
  if (functionName === '' || functionName === '.' || functionName === '..' || /[\\/\0]/.test(functionName)) {
    return { code: 'events.badFunctionName', message: `"${functionName}" cannot be used as a folder name under ${EVENTS_FOLDER}; give the function a name of letters, digits, "-" and "_"` };
  }
  return undefined;
}

/** The function's events, sorted by name. A missing folder means no events. */
export async function listEvents(serverlessFile: string, functionName: string): Promise<EventFile[]> {
  if (functionNameProblem(functionName)) return [];
  const dir = functionEventsDir(serverlessFile, functionName);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.toLowerCase().endsWith('.json') && !isExpectation(n))
    .map((n) => {
      const name = n.slice(0, -'.json'.length);
      const problem = eventNameProblem(name);
      const event: EventFile = { functionName, name, file: join(dir, n) };
      if (problem) event.nameProblem = problem;
      return event;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `<name>.expect.json` beside an event holds its expectation (src/testing), not an event. */
function isExpectation(fileName: string): boolean {
  return fileName.toLowerCase().endsWith('.expect.json');
}

/** The event a path points at, if it lies in `.scf/events/<function>/<name>.json`. */
export function eventFromPath(file: string): { serverlessDir: string; event: EventFile } | undefined {
  const parts = file.split(/[\\/]/);
  const n = parts.length;
  if (n < 4 || parts[n - 4] !== '.scf' || parts[n - 3] !== 'events' || !parts[n - 1]!.toLowerCase().endsWith('.json') || isExpectation(parts[n - 1]!)) return undefined;
  const name = parts[n - 1]!.slice(0, -'.json'.length);
  const event: EventFile = { functionName: parts[n - 2]!, name, file };
  const problem = eventNameProblem(name);
  if (problem) event.nameProblem = problem;
  return { serverlessDir: dirname(dirname(dirname(dirname(file)))), event };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function ioError(e: unknown, what: string): StoreResult<never> {
  return { ok: false, error: { code: 'events.io', message: `${what}: ${(e as Error).message}` } };
}

async function limitWarning(serverlessFile: string, functionName: string): Promise<string | undefined> {
  return customEventLimitWarning(functionName, (await listEvents(serverlessFile, functionName)).length);
}

/** Writes a new event; refuses a bad name or an existing one. The warning notes the console's limit of 5. */
export async function createEvent(serverlessFile: string, functionName: string, name: string, content: string): Promise<StoreResult<EventFile>> {
  const fnProblem = functionNameProblem(functionName);
  if (fnProblem) return { ok: false, error: fnProblem };
  const problem = eventNameProblem(name);
  if (problem) return { ok: false, error: { code: 'events.badName', message: problem } };
  const dir = functionEventsDir(serverlessFile, functionName);
  const file = join(dir, `${name}.json`);
  if (await exists(file)) return { ok: false, error: { code: 'events.exists', message: `${functionName} already has a test event named "${name}" (${file}); pick another name` } };
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, content.endsWith('\n') ? content : `${content}\n`, { flag: 'wx' });
  } catch (e) {
    return ioError(e, file);
  }
  const warning = await limitWarning(serverlessFile, functionName);
  return { ok: true, value: { functionName, name, file }, ...(warning ? { warning } : {}) };
}

export async function readEvent(event: EventFile): Promise<StoreResult<string>> {
  try {
    return { ok: true, value: await readFile(event.file, 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, error: { code: 'events.notFound', message: `${event.file} no longer exists` } };
    return ioError(e, event.file);
  }
}

export async function renameEvent(event: EventFile, newName: string): Promise<StoreResult<EventFile>> {
  const problem = eventNameProblem(newName);
  if (problem) return { ok: false, error: { code: 'events.badName', message: problem } };
  if (newName === event.name) return { ok: true, value: event };
  const target = join(dirname(event.file), `${newName}.json`);
  if (!(await exists(event.file))) return { ok: false, error: { code: 'events.notFound', message: `${event.file} no longer exists` } };
  // A case-only rename on a case-insensitive file system finds the file itself: allow it.
  if (newName.toLowerCase() !== event.name.toLowerCase() && (await exists(target))) {
    return { ok: false, error: { code: 'events.exists', message: `${event.functionName} already has a test event named "${newName}"; pick another name` } };
  }
  try {
    await rename(event.file, target);
  } catch (e) {
    return ioError(e, event.file);
  }
  return { ok: true, value: { functionName: event.functionName, name: newName, file: target } };
}

/** Copies the event under `newName`, or the first free `<name>-copy[-N]`. */
export async function duplicateEvent(event: EventFile, newName?: string): Promise<StoreResult<EventFile>> {
  const dir = dirname(event.file);
  let taken: Set<string>;
  try {
    taken = new Set((await readdir(dir)).filter((n) => n.endsWith('.json')).map((n) => basename(n, '.json')));
  } catch (e) {
    return ioError(e, dir);
  }
  const name = newName ?? copyName(event.name, taken);
  const problem = eventNameProblem(name);
  if (problem) return { ok: false, error: { code: 'events.badName', message: problem } };
  if (taken.has(name)) return { ok: false, error: { code: 'events.exists', message: `${event.functionName} already has a test event named "${name}"; pick another name` } };
  const target = join(dir, `${name}.json`);
  try {
    await copyFile(event.file, target, 1 /* COPYFILE_EXCL */);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, error: { code: 'events.notFound', message: `${event.file} no longer exists` } };
    return ioError(e, target);
  }
  const count = taken.size + 1;
  const warning = customEventLimitWarning(event.functionName, count);
  return { ok: true, value: { functionName: event.functionName, name, file: target }, ...(warning ? { warning } : {}) };
}

/** Deletes the event file, and the function's folder once it is empty. */
export async function deleteEvent(event: EventFile): Promise<StoreResult<void>> {
  try {
    await rm(event.file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, error: { code: 'events.notFound', message: `${event.file} no longer exists` } };
    return ioError(e, event.file);
  }
  try {
    const dir = dirname(event.file);
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // The folder staying behind is harmless.
  }
  return { ok: true, value: undefined };
}

/** Names already used by the function's events (for suggesting new ones). */
export async function takenNames(serverlessFile: string, functionName: string): Promise<Set<string>> {
  return new Set((await listEvents(serverlessFile, functionName)).map((e) => e.name));
}
