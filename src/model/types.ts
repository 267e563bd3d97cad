import { DEFAULT_RUNTIME } from './runtimes';
import type { Outcome, Problem } from './outcome';

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

/** The Serverless Cloud Framework components SCF Toolkit reads (see components.ts for the others). */
export type ComponentKind = 'scf' | 'multi-scf' | 'http' | 'layer';

/**
 * One entry of a function's `layers: [{ name, version }]`, and where its content is locally: a
 * `component: layer` folder of the app, a folder set in the `scf.layers` setting, or a
 * `SCF_TOOLKIT_LAYER_<name>` line in the .env beside serverless.yml (see layers.ts).
 */
export interface LayerBinding {
  name: string;
  /** The version number; undefined when it is the local layer folder's own (`${output:...:<layer>.version}`). */
  version?: number;
  /** The folder mounted as /opt; undefined when no local folder was found. */
  dir?: string;
  /** Where `dir` came from: `workspace` (a component: layer file), `setting` or `.env`. */
  source?: 'workspace' | 'setting' | '.env';
  /** Where `dir` sits inside /opt (the layer component's `src.targetDir`); default `/`. */
  targetDir?: string;
  /** The serverless.yml of the `component: layer` instance, for `workspace` layers (deploy publishes it). */
  layerFile?: string;
  range?: SourceRange;
}

/**
 * The scf_bootstrap the http component adds to a web function's package when the code folder has none:
 * its own start command for the framework, or `faas.bootstrap.cmd`.
 */
export interface GeneratedBootstrap {
  /** The file's text, as the component would write it (its #! line names SCF's /var/lang paths). */
  content: string;
  /** `component` (the framework's start command) or `faas.bootstrap.cmd`. */
  source: 'component' | 'faas.bootstrap.cmd';
  framework: string;
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
  /**
   * Where its `runtime` and `src` are written, when they are: what the checks before any code runs
   * point at. `srcKey`: the key the code folder is written under, when it is not `inputs.src` (a TCSAM
   * template's `CodeUri`, the older component's `codeUri`), so the message names what the file says.
   */
  inputRanges?: { runtime?: SourceRange; src?: SourceRange; srcKey?: string };
  /** The component that describes it (default `scf`). */
  component?: Exclude<ComponentKind, 'layer'>;
  /** multi-scf: the function's key under `inputs.functions` (what triggers and `--function` name). */
  functionKey?: string;
  /** `layers: [{ name, version }]`, in binding order (later layers win on SCF, as here). */
  layers?: LayerBinding[];
  /** http component: the framework (`inputs.faas.framework`). */
  framework?: string;
  /** http component, code folder without scf_bootstrap: the one the component adds. */
  bootstrap?: GeneratedBootstrap;
  /** scf component, `type: web`: the file the scf_bootstrap the component adds starts, when the code has none (`entryFile`). */
  entryFile?: string;
}

/** A layer as the `layer` component describes it (`inputs.name`, `src`, `runtimes`). */
export interface LayerSpec {
  file: string;
  instanceName: string;
  app: string;
  stage: string;
  /** The layer name (`inputs.name`). */
  name: string;
  region: string;
  /** Absolute path of the layer's content folder (`inputs.src`): what /opt holds. */
  codeDir: string;
  srcExclude: string[];
  /** Folder inside /opt the content goes to (`src.targetDir`, e.g. `/node_modules`); default the root. */
  targetDir: string;
  runtimes: string[];
  description?: string;
  range?: SourceRange;
}

/** A component instance SCF Toolkit does not check or run (cos, website, apigateway, postgresql ...). */
export interface UncheckedInstance {
  component: string;
  instanceName: string;
  range?: SourceRange;
}

/** What one serverless.yml describes. */
export interface LoadedFile {
  functions: FunctionSpec[];
  layers: LayerSpec[];
  unchecked: UncheckedInstance[];
  warnings: ModelWarning[];
}

/** A problem reading a serverless.yml that stops us from using it. */
/** A Problem of the model: always about a file. */
export interface ModelError extends Problem {
  file: string;
}

export interface ModelWarning {
  code: string;
  message: string;
  range?: SourceRange;
}

export type LoadResult = Outcome<LoadedFile, ModelError>;

/** Defaults the `scf` component applies (see ../shared/docs/scf-platform-facts.md §4). */
export const DEFAULTS = {
  namespace: 'default',
  region: 'ap-guangzhou',
  runtime: DEFAULT_RUNTIME,
  memorySize: 128,
  timeout: 3,
  /** Our choice: the SCF API's default InitTimeout is 65 s; the component does not state one. */
  initTimeout: 65,
  stage: 'dev',
  type: 'event' as FunctionType,
} as const;

export const SERVERLESS_FILE_NAMES = ['serverless.yml', 'serverless.yaml'] as const;
