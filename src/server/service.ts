/**
 * The language service: one object the server calls for each feature, keeping the last analysis
 * of each document (by version) so hover, completion and code actions reuse it.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, Hover, Location } from 'vscode-languageserver';
import { diskProbe, type FileProbe } from '../schema/checks/context';
import { validateServerlessText, type ValidationResult } from '../schema/validate';
import { get, offsetAt, parseYaml, patchParse, scalarText, type ParsedYaml } from '../schema/yaml';
import { isTcsamText } from '../model/tcsam';
import { validateTcsamText } from '../schema/validateTcsam';
import { codeActions } from './codeActions';
import { complete } from './completion';
import { toLspDiagnostic } from './convert';
import type { PathSegment } from './cursor';
import { handlerDefinition } from './definition';
import { hover } from './hover';
import { documentSymbols } from './symbols';

export interface ServiceOptions {
  /** Report YAML syntax errors (off when another YAML extension already reports them). */
  syntaxErrors: boolean;
  probe?: FileProbe;
  env?: NodeJS.ProcessEnv;
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

/** Files we publish diagnostics for: serverless.yml, and template.yaml when it is a TCSAM template. */
export function isCheckedFile(uri: string): boolean {
  return isServerlessFile(uri) || /^template\.ya?ml$/i.test(basename(uri.split('?')[0]!.split('#')[0]!));
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
    // Typing inside one value re-reads just that value (the rest of the tree is reused).
    const patched = cached ? patchParse(cached.result.parsed, text) : undefined;
    const file = filePathOf(uri);
    // A TCSAM template.yaml (the older SCF CLI) is checked with the same rules, on its own properties.
    const result: ValidationResult = isTcsamText(text)
      ? { parsed: parseYaml(text), diagnostics: validateTcsamText(text, { file: file ?? '/template.yaml', env: this.options.env, probe: this.options.probe ?? diskProbe }) }
      : /(^|[\\/])template\.ya?ml$/i.test(uri)
        ? { parsed: parseYaml(text), diagnostics: [] } // a template.yaml of another tool (e.g. AWS SAM) is not ours to check
        : validateServerlessText(text, { file, probe: this.options.probe ?? diskProbe, env: this.options.env, parsed: patched });
    const lastGood = result.parsed.errors.length === 0 ? result.parsed : cached?.lastGood;
    const analysis: Analysis = { version, text, result, lastGood };
    this.analyses.set(uri, analysis);
    return analysis;
  }

  /** Forget the cached analysis (a referenced file changed on disk). */
  invalidate(uri?: string): void {
    if (uri) this.analyses.delete(uri);
    else this.analyses.clear();
  }

  close(uri: string): void {
    this.analyses.delete(uri);
  }

  diagnostics(uri: string, version: number, text: string): Diagnostic[] {
    const { result } = this.analyze(uri, version, text);
    const list = this.options.syntaxErrors ? result.diagnostics : result.diagnostics.filter((d) => d.code !== 'scf.yaml.syntax');
    return list.map((d) => toLspDiagnostic(d, result.parsed.lineStarts));
  }

  completion(uri: string, version: number, text: string, line: number, character: number): CompletionItem[] {
    const a = this.analyze(uri, version, text);
    return complete({ text, line, character, normalisePath: this.normaliser(a.lastGood ?? a.result.parsed) });
  }

  hover(uri: string, version: number, text: string, line: number, character: number): Hover | undefined {
    const a = this.analyze(uri, version, text);
    const parsed = a.result.parsed;
    return hover(parsed, offsetAt(parsed.lineStarts, text.length, line, character), this.normaliser(parsed)) ?? undefined;
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
