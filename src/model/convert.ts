/**
 * TCSAM template.yaml -> serverless.yml (`component: scf`). One function gives the usual one-instance
 * file; several give the multi-instance form (`<function>: {component: scf, name, inputs}` per function),
 * which the model, the validator and `scf-toolkit invoke --function` all read.
 */
import { basename } from 'node:path';
import { Document } from 'yaml';
import { readTcsam } from './tcsam';
import type { ModelError, ModelWarning } from './types';
import { ok, type Outcome } from './outcome';

export interface ConvertResult {
  /** The serverless.yml text. */
  text: string;
  functionNames: string[];
  /** What could not be carried over, or was read with a choice of ours (also written as comments). */
  warnings: ModelWarning[];
}

export function convertTcsamText(text: string, file: string): Outcome<ConvertResult, ModelError> {
  const read = readTcsam(text, file);
  if (!read.ok) return read;
  const { functions, warnings } = read.value;
  const notes = [...warnings];
  const dropped = droppedProperties(text);
  for (const d of dropped) notes.push({ code: 'tcsam.dropped', message: d });

  const instances = functions.map((f) => ({ component: 'scf', name: f.spec.name, inputs: f.inputs }));
  const body = instances.length === 1 ? instances[0]! : Object.fromEntries(instances.map((i) => [i.name, i]));
  const doc = new Document(body);
  const header = [
    `Converted from ${basename(file)} (TCSAM) by SCF Toolkit: "SCF: Convert template.yaml to serverless.yml".`,
    ...(instances.length > 1 ? [`${instances.length} functions, one scf instance each; pick one with --function NAME.`] : []),
    ...notes.map((n) => `Note: ${n.message}`),
  ];
  doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  const yaml = doc.toString({ lineWidth: 0, indent: 2 });
  return ok({ text: yaml, functionNames: functions.map((f) => f.spec.name), warnings: notes });
}

/** TCSAM settings with no serverless.yml counterpart that we leave out, named so the user can see. */
function droppedProperties(text: string): string[] {
  const out: string[] = [];
  if (/^\s*Policies\s*:/m.test(text)) out.push('Policies (CAM policies attached to the role) is not carried over; attach them to the role named by `role` instead');
  if (/TencentCloud::Serverless::Api/.test(text)) out.push('TencentCloud::Serverless::Api resources are not carried over; declare the API as an `apigw` trigger under `events`');
  return out;
}
