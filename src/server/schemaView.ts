/**
 * Which schema describes a place in a serverless.yml: the schema of the component of the instance
 * the place is in (scf, multi-scf, http, layer), with the path inside that instance. The older
 * multi-instance form (`<key>: { component, inputs }`) starts paths with the instance key.
 */
import { componentKind } from '../model/components';
import type { ComponentKind } from '../model/types';
import { schemaAtPath, type JsonSchema } from '../schema/schema';
import { get, nodeAtPath, scalarText, type ParsedYaml, type YMap, type YNode } from '../schema/yaml';
import type { PathSegment } from './cursor';

export interface SchemaView {
  /** The schema of the value at a path from the document's root; undefined where none applies. */
  schemaAt(path: PathSegment[]): JsonSchema | undefined;
  /** The path inside the instance (the older form's instance key dropped). */
  instancePath(path: PathSegment[]): PathSegment[];
  /** The instance's mapping and component, for the place at a path. */
  instanceAt(path: PathSegment[]): { map: YMap | undefined; kind: ComponentKind | undefined };
}

/** The component a text names on its first top-level `component:` line (for a document mid-edit). */
function componentInText(text: string): string | undefined {
  return /^component\s*:\s*["']?([^"'#\s]+)/m.exec(text)?.[1];
}

export function schemaView(parsed: ParsedYaml | undefined, text: string): SchemaView {
  const root: YNode | null | undefined = parsed?.root;
  const single = root?.kind === 'map' && get(root, 'component') ? root : undefined;
  const keyed = (p: PathSegment[]): YMap | undefined => {
    if (single || root?.kind !== 'map' || typeof p[0] !== 'string') return undefined;
    const inst = get(root, p[0]);
    return inst?.kind === 'map' && scalarText(get(inst, 'component')) !== undefined ? inst : undefined;
  };
  const instanceAt = (p: PathSegment[]) => {
    const k = keyed(p);
    if (k) return { map: k, kind: componentKind(scalarText(get(k, 'component'))) };
    if (single) return { map: single, kind: componentKind(scalarText(get(single, 'component'))) };
    const named = componentInText(text);
    // No component yet (a new file): the scf component's schema offers what to type.
    return { map: root?.kind === 'map' ? root : undefined, kind: named === undefined ? 'scf' : componentKind(named) };
  };
  const instancePath = (p: PathSegment[]) => (keyed(p) ? p.slice(1) : p);
  return {
    instanceAt,
    instancePath,
    schemaAt(path) {
      const { map, kind } = instanceAt(path);
      if (!kind) return undefined; // a component we do not check: nothing to offer
      return schemaAtPath(instancePath(path), kind, (p) => (map ? scalarText(nodeAtPath(map, p)) : undefined));
    },
  };
}
