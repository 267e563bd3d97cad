/**
 * Validation of a TCSAM template.yaml with the serverless.yml rules: the template is converted
 * (./convert.ts), the converted text is checked by the same validator as serverless.yml, and each
 * problem is moved back onto the template property it came from (`memorySize` -> `MemorySize` of that
 * function, or of `Globals: Function:` when the value is inherited). Problems reading the template
 * itself (CodeUri a zip, no functions ...) and its warnings come first. Offsets are into the template
 * text, so the language server and `scf-toolkit validate` can report them like any other diagnostic.
 */
import { dirname, join } from 'node:path';
import { parseDocument, isMap, isScalar, type Document, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { validateServerlessText } from './validate';
import type { FileProbe } from './checks/context';
import { boundMessage, type ScfDiagnostic } from './diagnostics';
import { convertTcsamText } from '../model/convert';
import { lineStarts } from '../model/lines';
import { readTcsam, TCSAM_FUNCTION_TYPE, TCSAM_NAMESPACE_TYPE } from '../model/tcsam';
import type { SourceRange } from '../model/types';

export interface TcsamValidateOptions {
  /** Absolute path of the template (relative CodeUri and handler files are checked beside it). */
  file: string;
  env?: NodeJS.ProcessEnv;
  probe?: FileProbe;
}

/** scf component `inputs` key -> TCSAM property. */
const PROPERTY: Record<string, string> = {
  handler: 'Handler',
  runtime: 'Runtime',
  memorySize: 'MemorySize',
  timeout: 'Timeout',
  initTimeout: 'InitTimeout',
  src: 'CodeUri',
  environment: 'Environment',
  events: 'Events',
  description: 'Description',
  vpcConfig: 'VpcConfig',
  role: 'Role',
  type: 'Type',
  name: '',
  namespace: '',
};

export function validateTcsamText(text: string, options: TcsamValidateOptions): ScfDiagnostic[] {
  const starts = lineStarts(text);
  const offsets = (r: SourceRange | undefined): { start: number; end: number } => {
    if (!r) return { start: 0, end: Math.min(text.length, 1) };
    const start = (starts[r.line] ?? text.length) + r.column;
    const end = (starts[r.endLine] ?? text.length) + r.endColumn;
    return { start, end: Math.max(end, start + 1) };
  };
  const read = readTcsam(text, options.file);
  if (!read.ok) return [{ code: read.error.code, severity: 'error', message: boundMessage(read.error.message.replace(/^.*?:\d+:\d+: /, '')), ...offsets(read.error.range) }];
  const out: ScfDiagnostic[] = read.value.warnings.map((w) => ({ code: w.code, severity: 'warning', message: boundMessage(w.message), ...offsets(w.range) }));

  const converted = convertTcsamText(text, options.file);
  if (!converted.ok) return out;
  const target = join(dirname(options.file), 'serverless.yml');
  const { diagnostics } = validateServerlessText(converted.value.text, { file: target, env: options.env ?? {}, ...(options.probe ? { probe: options.probe } : {}) });
  const convertedDoc = parseDocument(converted.value.text, { keepSourceTokens: false });
  const template = parseDocument(text);
  for (const d of diagnostics) {
    const where = locateInConverted(convertedDoc, d.start, converted.value.functionNames);
    const node = where ? templateNode(template, where.functionName, where.inputsKey) : undefined;
    const range = node?.range ?? functionKeyRange(template, where?.functionName);
    const property = where?.inputsKey ? PROPERTY[where.inputsKey] : undefined;
    const prefix = where ? `${where.functionName}${property ? ` ${property}` : ''}: ` : '';
    out.push({ code: d.code, severity: d.severity, message: `${prefix}${d.message}`, start: range?.[0] ?? 0, end: range?.[1] ?? 1, ...(d.href ? { href: d.href } : {}) });
  }
  return out;
}

/** Which function (scf instance) and which `inputs` key of the converted text an offset falls in. */
function locateInConverted(doc: Document, offset: number, names: string[]): { functionName: string; inputsKey?: string } | undefined {
  const top = doc.contents;
  if (!isMap(top)) return undefined;
  let instance: YAMLMap | undefined;
  let functionName: string | undefined;
  if (top.has('component')) {
    instance = top;
    functionName = names[0];
  } else {
    for (const pair of top.items) {
      if (isMap(pair.value) && contains(pair, offset)) {
        instance = pair.value;
        functionName = isScalar(pair.key) ? String(pair.key.value) : undefined;
      }
    }
  }
  if (!instance || !functionName) return undefined;
  const inputs = instance.get('inputs', true);
  if (!isMap(inputs)) return { functionName };
  const pair = inputs.items.find((p) => contains(p, offset));
  return { functionName, inputsKey: pair && isScalar(pair.key) ? String(pair.key.value) : undefined };
}

/** The template node the converted `inputs.<key>` of a function came from: its own property, or the global one. */
function templateNode(doc: Document, functionName: string, inputsKey: string | undefined): YamlNode | undefined {
  const fn = findFunction(doc, functionName);
  if (!fn || !inputsKey) return undefined;
  const property = PROPERTY[inputsKey];
  if (!property) return undefined;
  const props = fn.get('Properties', true);
  const own = isMap(props) ? (props.get(property, true) as YamlNode | undefined) : undefined;
  if (own) return own;
  if (property === 'Events') return (fn.get('Events', true) as YamlNode | undefined) ?? undefined;
  const globals = doc.get('Globals', true);
  const global = isMap(globals) ? globals.get('Function', true) : undefined;
  return isMap(global) ? (global.get(property, true) as YamlNode | undefined) : undefined;
}

function findFunction(doc: Document, name: string): YAMLMap | undefined {
  return findFunctionPair(doc, name)?.value as YAMLMap | undefined;
}

function findFunctionPair(doc: Document, name: string): Pair | undefined {
  const resources = doc.get('Resources', true);
  if (!isMap(resources)) return undefined;
  for (const ns of resources.items) {
    if (!isMap(ns.value)) continue;
    if (ns.value.get('Type') === TCSAM_FUNCTION_TYPE && isScalar(ns.key) && String(ns.key.value) === name) return ns;
    if (ns.value.get('Type') !== TCSAM_NAMESPACE_TYPE) continue;
    for (const fn of ns.value.items) {
      if (isScalar(fn.key) && String(fn.key.value) === name && isMap(fn.value) && fn.value.get('Type') === TCSAM_FUNCTION_TYPE) return fn;
    }
  }
  return undefined;
}

function functionKeyRange(doc: Document, name: string | undefined): [number, number] | undefined {
  const pair = name ? findFunctionPair(doc, name) : undefined;
  const key = pair?.key as YamlNode | undefined;
  return key?.range ? [key.range[0], key.range[1]] : undefined;
}

function contains(pair: Pair, offset: number): boolean {
  const key = pair.key as YamlNode | null;
  const value = pair.value as YamlNode | null;
  const start = key?.range?.[0] ?? value?.range?.[0];
  const end = value?.range?.[2] ?? value?.range?.[1] ?? key?.range?.[2];
  return start !== undefined && end !== undefined && offset >= start && offset < Math.max(end, start + 1);
}

