/**
 * Built-in test-event templates: one JSON file each in src/events/templates/ (copied to
 * dist/templates/ by the build). Shapes follow SCF's trigger events (the console's built-in
 * templates and the older SCF CLI's `generate-event`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EventTemplate {
  id: string;
  label: string;
  description: string;
  /** The trigger kind in serverless.yml `events:` this template stands for, if any. */
  trigger?: string;
  file: string;
}

export const BUILT_IN_TEMPLATES: readonly EventTemplate[] = [
  { id: 'hello-world', label: 'Hello World', description: 'a small JSON object', file: 'hello-world.json' },
  { id: 'apigateway', label: 'API Gateway request', description: 'POST /users/42 with a JSON body', trigger: 'apigw', file: 'apigateway.json' },
  { id: 'cos-object-created', label: 'COS object created', description: 'cos:ObjectCreated:Put', trigger: 'cos', file: 'cos-object-created.json' },
  { id: 'cos-object-removed', label: 'COS object removed', description: 'cos:ObjectRemove:Delete', trigger: 'cos', file: 'cos-object-removed.json' },
  { id: 'cmq-topic', label: 'CMQ topic message', description: 'one message from a CMQ topic subscription', trigger: 'cmq', file: 'cmq-topic.json' },
  { id: 'ckafka', label: 'CKafka message', description: 'two messages from a CKafka topic', trigger: 'ckafka', file: 'ckafka.json' },
  { id: 'timer', label: 'Timer', description: 'a timer trigger firing', trigger: 'timer', file: 'timer.json' },
  // Shapes from SCF's "Trigger Event Message Structure Summary" (583/31439): CLS's data is the log batch,
  // gzipped and base64-encoded (the CLS demos unpack it that way); MPS's is a workflow task's end; CLB's
  // the request headers and its JSON payload (583/52635).
  { id: 'cls', label: 'CLS logs', description: 'two log records from a CLS topic (gzip + base64, as CLS sends them)', trigger: 'cls', file: 'cls.json' },
  { id: 'mps', label: 'MPS workflow task', description: 'a finished transcoding workflow (WorkflowTaskEvent)', trigger: 'mps', file: 'mps.json' },
  { id: 'clb', label: 'CLB request', description: 'a request through a CLB listener with a JSON payload', trigger: 'clb', file: 'clb.json' },
];

/** Where the template files are: dist/templates next to the bundle, src/events/templates in tests. */
export function defaultTemplatesDir(): string {
  return join(__dirname, 'templates');
}

export function findTemplate(id: string): EventTemplate | undefined {
  return BUILT_IN_TEMPLATES.find((t) => t.id === id);
}

/** The template's JSON text, exactly as shipped (pretty-printed, 2 spaces). */
export function readTemplate(template: EventTemplate, dir = defaultTemplatesDir()): string {
  return readFileSync(join(dir, template.file), 'utf8');
}

/** Templates that fit a function's triggers first, then the rest in their usual order. */
export function templatesFor(triggerKinds: readonly string[]): EventTemplate[] {
  const kinds = new Set(triggerKinds.map((k) => k.toLowerCase()));
  const fits = (t: EventTemplate) => t.trigger !== undefined && kinds.has(t.trigger);
  return [...BUILT_IN_TEMPLATES.filter(fits), ...BUILT_IN_TEMPLATES.filter((t) => !fits(t))];
}
