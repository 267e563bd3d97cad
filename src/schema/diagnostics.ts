/**
 * What the validator reports, independent of LSP: offsets into the text, a stable code, a severity,
 * a message that says what to do, a docs link and the quick fixes that apply.
 */
export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export type QuickFix =
  | { title: string; kind: 'edit'; edits: TextEdit[]; preferred?: boolean }
  /** Create a file (absolute path) with content; `executable` asks for mode 755 where the client can. */
  | { title: string; kind: 'createFile'; path: string; content: string; executable?: boolean; preferred?: boolean };

export interface ScfDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  /** Documentation for the rule (LSP codeDescription.href). */
  href?: string;
  fixes?: QuickFix[];
}

const DOC = {
  config: 'https://github.com/serverless-components/tencent-scf/blob/master/docs/configure.md',
  handler: 'https://cloud.tencent.com/document/product/583/9210',
  limits: 'https://cloud.tencent.com/document/product/583/11637',
  env: 'https://cloud.tencent.com/document/product/583/30228',
  web: 'https://cloud.tencent.com/document/product/583/56126',
  timer: 'https://cloud.tencent.com/document/product/583/9708',
  triggers: 'https://cloud.tencent.com/document/product/583/39901',
  yaml: 'https://yaml.org/spec/1.2.2/',
  multiScf: 'https://github.com/serverless-components/tencent-multi-scf/blob/master/docs/configure.md',
  http: 'https://github.com/serverless-components/tencent-http/blob/master/docs/configure.md',
  layer: 'https://github.com/serverless-components/tencent-layer/blob/master/docs/configure.md',
  layers: 'https://cloud.tencent.com/document/product/583/40159',
  apps: 'https://github.com/scf-toolkit/scf-toolkit-vscode/blob/main/docs/apps.md',
};

/** Every rule the validator has: its code, default severity and documentation. */
export const RULES = {
  'scf.yaml.syntax': { severity: 'error', href: DOC.yaml },
  /** The file passed a reading bound (size, nesting, alias expansion): see docs/reliability.md. */
  'scf.yaml.limit': { severity: 'error', href: DOC.yaml },
  'scf.file.notMapping': { severity: 'error', href: DOC.config },
  'scf.schema.missingProperty': { severity: 'error', href: DOC.config },
  'scf.schema.unknownKey': { severity: 'warning', href: DOC.config },
  'scf.schema.type': { severity: 'error', href: DOC.config },
  'scf.schema.enum': { severity: 'error', href: DOC.config },
  'scf.schema.range': { severity: 'error', href: DOC.config },
  'scf.schema.trigger': { severity: 'error', href: DOC.triggers },
  'scf.function.nameInvalid': { severity: 'error', href: DOC.limits },
  'scf.memory.invalid': { severity: 'error', href: DOC.limits },
  'scf.timeout.outOfRange': { severity: 'error', href: DOC.limits },
  'scf.initTimeout.outOfRange': { severity: 'warning', href: DOC.limits },
  'scf.env.keyInvalid': { severity: 'error', href: DOC.env },
  'scf.env.keyLength': { severity: 'error', href: DOC.env },
  'scf.env.keyReserved': { severity: 'error', href: DOC.env },
  'scf.handler.form': { severity: 'error', href: DOC.handler },
  'scf.handler.fileMissing': { severity: 'error', href: DOC.handler },
  'scf.handler.functionMissing': { severity: 'warning', href: DOC.handler },
  'scf.handler.binaryMissing': { severity: 'warning', href: DOC.handler },
  'scf.handler.ignoredForWeb': { severity: 'information', href: DOC.web },
  'scf.runtime.deprecated': { severity: 'information', href: DOC.config },
  'scf.src.folderMissing': { severity: 'error', href: DOC.config },
  'scf.web.bootstrapMissing': { severity: 'error', href: DOC.web },
  'scf.web.bootstrapNotExecutable': { severity: 'warning', href: DOC.web },
  'scf.customRuntime.bootstrapMissing': { severity: 'error', href: DOC.web },
  'scf.timer.cronFields': { severity: 'error', href: DOC.timer },
  'scf.timer.cronInvalid': { severity: 'error', href: DOC.timer },
  'scf.trigger.duplicateName': { severity: 'error', href: DOC.triggers },
  'scf.trigger.unknownFunction': { severity: 'error', href: DOC.multiScf },
  'scf.multiScf.sharedName': { severity: 'error', href: DOC.multiScf },
  'scf.multiScf.duplicateName': { severity: 'error', href: DOC.multiScf },
  'scf.apigw.duplicateApi': { severity: 'error', href: DOC.multiScf },
  'scf.apigw.duplicateService': { severity: 'warning', href: DOC.multiScf },
  'scf.http.runtimeMismatch': { severity: 'error', href: DOC.http },
  'scf.http.frameworkUnsupported': { severity: 'warning', href: DOC.http },
  'scf.http.entryMissing': { severity: 'error', href: DOC.http },
  'scf.http.defaultName': { severity: 'information', href: DOC.http },
  'scf.http.apiTimeout': { severity: 'warning', href: DOC.http },
  'scf.layer.nameInvalid': { severity: 'error', href: DOC.layer },
  'scf.layers.tooMany': { severity: 'error', href: DOC.layers },
  'scf.layers.nameInvalid': { severity: 'error', href: DOC.layers },
  'scf.layers.notLocal': { severity: 'information', href: DOC.apps },
  'scf.layers.runtime': { severity: 'warning', href: DOC.layers },
  'scf.component.notChecked': { severity: 'information', href: DOC.apps },
} as const satisfies Record<string, { severity: Severity; href: string }>;

export type RuleCode = keyof typeof RULES;

export function diag(code: RuleCode, message: string, start: number, end: number, fixes?: QuickFix[], severity?: Severity): ScfDiagnostic {
  const rule = RULES[code];
  return { code, severity: severity ?? rule.severity, message: boundMessage(message), start, end, href: rule.href, ...(fixes && fixes.length ? { fixes } : {}) };
}

/** Longest run of non-space characters a message shows whole (a path fits; a 5 MB value does not). */
const MAX_TOKEN = 200;
const MAX_MESSAGE = 2000;

/**
 * A message that quotes a value from the file quotes at most the start and end of a long one, so a
 * 5 MB line makes a 300-character message rather than a 5 MB one in every problem, JSON record and
 * LSP notification.
 */
export function boundMessage(message: string): string {
  if (message.length <= MAX_TOKEN) return message;
  // The middle of a very long message goes first, so the rest of the work is on 2,000 characters.
  const cut = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 500)} …(${message.length - MAX_MESSAGE + 200} characters)… ${message.slice(-300)}` : message;
  // `\S+` matches each run whole (linear); `\S{201,}` would rescan every shorter run.
  return cut.replace(/\S+/g, (t) => (t.length > MAX_TOKEN ? `${t.slice(0, 80)}…(${t.length - 120} characters)…${t.slice(-40)}` : t));
}
