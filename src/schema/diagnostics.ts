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
};

/** Every rule the validator has: its code, default severity and documentation. */
export const RULES = {
  'scf.yaml.syntax': { severity: 'error', href: DOC.yaml },
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
  'scf.src.folderMissing': { severity: 'error', href: DOC.config },
  'scf.web.bootstrapMissing': { severity: 'error', href: DOC.web },
  'scf.web.bootstrapNotExecutable': { severity: 'warning', href: DOC.web },
  'scf.customRuntime.bootstrapMissing': { severity: 'error', href: DOC.web },
  'scf.timer.cronFields': { severity: 'error', href: DOC.timer },
  'scf.timer.cronInvalid': { severity: 'error', href: DOC.timer },
  'scf.trigger.duplicateName': { severity: 'error', href: DOC.triggers },
} as const satisfies Record<string, { severity: Severity; href: string }>;

export type RuleCode = keyof typeof RULES;

export function diag(code: RuleCode, message: string, start: number, end: number, fixes?: QuickFix[], severity?: Severity): ScfDiagnostic {
  const rule = RULES[code];
  return { code, severity: severity ?? rule.severity, message, start, end, href: rule.href, ...(fixes && fixes.length ? { fixes } : {}) };
}
