/**
 * The language service: one object the server calls for each feature, keeping the last analysis
 * of each document (by version) so hover, completion and code actions reuse it.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity, type CodeAction, type CompletionItem, type Diagnostic, type DocumentSymbol, type Hover, type Location } from 'vscode-languageserver';
import { diskProbe, type FileProbe } from '../schema/checks/context';
import { validateServerlessText, type ValidationResult } from '../schema/validate';
import { get, offsetAt, parseYaml, patchParse, scalarText, type ParsedYaml } from '../schema/yaml';
import { isTcsamText } from '../model/tcsam';
import { validateTcsamText } from '../schema/validateTcsam';
import { eventFromPath } from '../events/store';
import { checkEventText } from '../events/validate';
import { codeActions } from './codeActions';
import { complete } from './completion';
import { EVENT_SOURCE, eventDiagnostics, rangeOf, SOURCE, toLspDiagnostic } from './convert';
import type { PathSegment } from './cursor';
import { handlerDefinition } from './definition';
import { hover } from './hover';
import { variableHover } from './variableHover';
import { schemaView } from './schemaView';
import { documentSymbols } from './symbols';

export interface ServiceOptions {
  /** Report YAML syntax errors (off when another YAML extension already reports them). */
  syntaxErrors: boolean;
  probe?: FileProbe;
  env?: NodeJS.ProcessEnv;
  /** Layer name -> folder (the scf.layers setting). */
  layerFolders?: Record<string, string>;
}

interface Analysis {
  version: number;
  text: string;
  result: ValidationResult;
  /** The last parse without syntax errors, for completion while a line is half typed. */
  lastGood?: ParsedYaml;
}

export function isServerlessFile(uri: string): boolean {
  const name = basename(uri.split('?')[0]!.split('#')[0]!);
  return name === 'serverless.yml' || name === 'serverless.yaml';
}

function pathPart(uri: string): string {
  return uri.split('?')[0]!.split('#')[0]!;
}

/** A test event: `.scf/events/<function>/<name>.json` (not a `<name>.expect.json` expectation). */
export function isEventFile(uri: string): boolean {
  return eventFromPath(decodeURIComponent(pathPart(uri))) !== undefined;
}

/** Files we publish diagnostics for: serverless.yml, template.yaml when it is a TCSAM template, and test events. */
export function isCheckedFile(uri: string): boolean {
  return isServerlessFile(uri) || /^template\.ya?ml$/i.test(basename(pathPart(uri))) || isEventFile(uri);
}

export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export class ScfLanguageService {
  private readonly analyses = new Map<string, Analysis>();
  constructor(private readonly options: ServiceOptions) {}

  analyze(uri: string, version: number, text: string): Analysis {
    const cached = this.analyses.get(uri);
    if (cached && cached.version === version && cached.text.length === text.length && cached.text === text) return cached;
    const result = this.validate(uri, text, cached?.result.parsed);
    const lastGood = result.parsed.errors.length === 0 ? result.parsed : cached?.lastGood;
    const analysis: Analysis = { version, text, result, lastGood };
    this.analyses.set(uri, analysis);
    return analysis;
  }

  private validate(uri: string, text: string, previous?: ParsedYaml): ValidationResult {
    // Typing inside one value re-reads just that value (the rest of the tree is reused).
    const patched = previous ? patchParse(previous, text) : undefined;
    const file = filePathOf(uri);
    const probe = this.options.probe ?? diskProbe;
    // A TCSAM template.yaml (the older SCF CLI) is checked with the same rules, on its own properties.
    if (isTcsamText(text)) return { parsed: parseYaml(text), diagnostics: validateTcsamText(text, { file: file ?? '/template.yaml', env: this.options.env, probe }) };
    // A template.yaml of another tool (e.g. AWS SAM) is not ours to check.
    if (/(^|[\\/])template\.ya?ml$/i.test(uri)) return { parsed: parseYaml(text), diagnostics: [] };
    return validateServerlessText(text, { file, probe, env: this.options.env, parsed: patched, layerFolders: this.options.layerFolders });
  }

  /** Forget the cached analysis (a referenced file changed on disk). */
  invalidate(uri?: string): void {
    if (uri) this.analyses.delete(uri);
    else this.analyses.clear();
  }

  close(uri: string): void {
    this.analyses.delete(uri);
  }

  /** The problems of a document open in the editor (its analysis is kept for the other features). */
  diagnostics(uri: string, version: number, text: string): Diagnostic[] {
    if (isEventFile(uri)) return this.eventDiagnostics(uri, text);
    return this.toDiagnostics(this.analyze(uri, version, text).result);
  }

  /** The problems of a file read from disk (not open): nothing is kept, the workspace may hold many. */
  fileDiagnostics(uri: string, text: string): Diagnostic[] {
    if (isEventFile(uri)) return this.eventDiagnostics(uri, text);
    return this.toDiagnostics(this.validate(uri, text));
  }

  /** For a file too large to read: one problem that says so, at its start. */
  tooLargeDiagnostics(uri: string, bytes: number, limit: number): Diagnostic[] {
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    const message = isEventFile(uri)
      ? `the event is ${mb(bytes)}; SCF accepts at most 6 MB for a synchronous invocation (128 KB asynchronous)`
      : `the file is ${mb(bytes)}, more than the ${mb(limit)} SCF Toolkit checks; it was not checked`;
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    if (isEventFile(uri)) return [{ range, severity: DiagnosticSeverity.Error, code: 'event.tooLarge', source: EVENT_SOURCE, message }];
    return [{ range, severity: DiagnosticSeverity.Warning, code: 'scf.file.tooLarge', source: SOURCE, message }];
  }

  private eventDiagnostics(uri: string, text: string): Diagnostic[] {
    const checked = checkEventText(text, { file: filePathOf(uri) ?? uri });
    return checked.ok ? [] : eventDiagnostics(checked.problems);
  }

  private toDiagnostics(result: ValidationResult): Diagnostic[] {
    const list = this.options.syntaxErrors ? result.diagnostics : result.diagnostics.filter((d) => d.code !== 'scf.yaml.syntax');
    return list.map((d) => toLspDiagnostic(d, result.parsed.lineStarts));
  }

  completion(uri: string, version: number, text: string, line: number, character: number): CompletionItem[] {
    const a = this.analyze(uri, version, text);
    const parsed = a.lastGood ?? a.result.parsed;
    return complete({ text, line, character, normalisePath: this.normaliser(parsed), view: schemaView(parsed, text) });
  }

  hover(uri: string, version: number, text: string, line: number, character: number): Hover | undefined {
    const a = this.analyze(uri, version, text);
    const parsed = a.result.parsed;
    const offset = offsetAt(parsed.lineStarts, text.length, line, character);
    const described = hover(parsed, offset, this.normaliser(parsed), schemaView(parsed, text)) ?? undefined;
    const variable = isServerlessFile(uri) ? variableHover(parsed, offset, filePathOf(uri), this.options.env ?? process.env) : undefined;
    if (!variable) return described;
    // What the variable resolves to first, then what the setting means.
    const meaning = described && typeof described.contents === 'object' && 'kind' in described.contents ? `\n\n---\n\n${described.contents.value}` : '';
    return { contents: { kind: 'markdown', value: `${variable.markdown}${meaning}` }, range: rangeOf(parsed.lineStarts, variable.start, variable.end) };
  }

  definition(uri: string, version: number, text: string, line: number, character: number): Location | undefined {
    const parsed = this.analyze(uri, version, text).result.parsed;
    return handlerDefinition(parsed, filePathOf(uri), offsetAt(parsed.lineStarts, text.length, line, character), this.options.probe ?? diskProbe);
  }

  symbols(uri: string, version: number, text: string): DocumentSymbol[] {
    return documentSymbols(this.analyze(uri, version, text).result.parsed);
  }

  codeActions(uri: string, diagnostics: readonly Diagnostic[], canCreateFiles: boolean): CodeAction[] {
    return codeActions(uri, diagnostics, canCreateFiles);
  }

  /** In the older multi-instance form, paths start with the instance key: drop it for the schema. */
  private normaliser(parsed: ParsedYaml): (p: PathSegment[]) => PathSegment[] {
    const root = parsed.root;
    if (!root || root.kind !== 'map' || get(root, 'component')) return (p) => p;
    return (p) => {
      const first = p[0];
      if (typeof first !== 'string') return p;
      const inst = get(root, first);
      return inst && scalarText(get(inst, 'component')) !== undefined ? p.slice(1) : p;
    };
  }
}
