/** A position range in a source file, 0-based lines and columns (as LSP uses them). */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type FunctionType = 'event' | 'web';

/**
 * Whose conventions the emulator follows. `functiongraph` (an SCF Toolkit extension, `inputs.platform`)
 * runs the function as FunctionGraph does: initializer, RUNTIME_* variables, its context object.
 */
export type Platform = 'scf' | 'functiongraph';

/** One trigger from `inputs.events`, e.g. `- timer: {name, parameters}`. */
export interface TriggerSpec {
  kind: string;
  name?: string;
  parameters: Record<string, unknown>;
  range?: SourceRange;
}

/** A function as the `scf` component of serverless.yml describes it, with defaults applied. */
export interface FunctionSpec {
  /** Absolute path of the serverless.yml / serverless.yaml this came from. */
  file: string;
  /** The component instance name (top-level `name`). */
  instanceName: string;
  app: string;
  stage: string;
  /** The SCF function name (`inputs.name`, default `${name}-${stage}-${app}`). */
  name: string;
  namespace: string;
  region: string;
  /** Absolute path of the code folder (`inputs.src`). */
  codeDir: string;
  srcExclude: string[];
  srcInclude: string[];
  type: FunctionType;
  /** `file.function` for event functions; undefined for web functions. */
  handler?: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  initTimeout: number;
  description?: string;
  /** `inputs.environment.variables`, values turned into strings. */
  environment: Record<string, string>;
  retryNumber?: number;
  msgTTL?: number;
  asyncRunEnable?: boolean;
  /** `inputs.deadLetter`: where async events go after their last retry. */
  deadLetter?: { type: string; name: string; filterType?: string };
  events: TriggerSpec[];
  /** Default `scf`. */
  platform?: Platform;
  /** FunctionGraph only: `file.function` run once per instance before its first request. */
  initializer?: string;
  /** Where the function is declared (the `inputs` key), for "open definition". */
  range?: SourceRange;
}

/** A problem reading a serverless.yml that stops us from using it. */
export interface ModelError {
  code: string;
  message: string;
  file: string;
  range?: SourceRange;
}

export interface ModelWarning {
  code: string;
  message: string;
  range?: SourceRange;
}

export type LoadResult =
  | { ok: true; functions: FunctionSpec[]; warnings: ModelWarning[] }
  | { ok: false; error: ModelError };

/** Defaults the `scf` component applies (see ../shared/docs/scf-platform-facts.md §4). */
export const DEFAULTS = {
  namespace: 'default',
  region: 'ap-guangzhou',
  runtime: 'Nodejs10.15',
  memorySize: 128,
  timeout: 3,
  /** Our choice: the SCF API's default InitTimeout is 65 s; the component does not state one. */
  initTimeout: 65,
  stage: 'dev',
  type: 'event' as FunctionType,
} as const;

export const SERVERLESS_FILE_NAMES = ['serverless.yml', 'serverless.yaml'] as const;
