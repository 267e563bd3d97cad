/**
 * A function's layers, mounted the way SCF mounts them under /opt (cloud.tencent.com/document/product/583/40159,
 * 583/84282): each layer's files are in /opt, bound layers are unpacked in order and a later layer's
 * file replaces an earlier one's. Locally each layer stays in its own folder (see src/model/layers.ts
 * for where that folder comes from), and the runtimes' search paths list them last layer first, so the
 * later layer still wins. SCF's built-in variables name /opt as (583/84282, facts §2):
 *   NODE_PATH         ...:/opt:/opt/node_modules
 *   PYTHONPATH        /var/user:/opt            (not /opt/python: that is AWS Lambda's layout)
 *   CLASSPATH         ...:/opt                  (Java)
 *   PHP_INI_SCAN_DIR  /var/user/php_extension:/opt/php_extension
 * Our choice for Java: a layer folder is read like the code folder (its classes, *.jar and lib/*.jar),
 * since a Java layer is usually a built jar; SCF's docs only name /opt.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { layerEnvKey } from '../model/layers';
import { fail, ok, type Outcome } from '../model/outcome';
import type { FunctionSpec, LayerBinding } from '../model/types';

export interface LayerSearchPaths {
  node: string[];
  python: string[];
  /** Java: folders read like the code folder (classes, *.jar, lib/*.jar). */
  java: string[];
  phpIni: string[];
}

/** The local folder holding `/opt/<sub>` of one layer, if the layer has it. */
function optPath(binding: LayerBinding, sub: string): string | undefined {
  if (!binding.dir) return undefined;
  const target = (binding.targetDir ?? '/').replace(/^\/+|\/+$/g, '');
  if (target === '') return sub === '' ? binding.dir : join(binding.dir, sub);
  if (sub === target) return binding.dir;
  if (sub.startsWith(`${target}/`)) return join(binding.dir, sub.slice(target.length + 1));
  return undefined; // the layer's files are all under /opt/<target>
}

export function layerSearchPaths(spec: FunctionSpec): LayerSearchPaths {
  const out: LayerSearchPaths = { node: [], python: [], java: [], phpIni: [] };
  const later = [...(spec.layers ?? [])].reverse();
  const add = (list: string[], path: string | undefined) => {
    if (path !== undefined && !list.includes(path)) list.push(path);
  };
  for (const b of later) {
    add(out.node, optPath(b, ''));
    add(out.node, optPath(b, 'node_modules'));
    add(out.python, optPath(b, ''));
    add(out.java, optPath(b, ''));
    add(out.phpIni, optPath(b, 'php_extension'));
  }
  return out;
}

/** Every layer of the function has a local folder: checked before any code runs. */
export function checkLayers(spec: FunctionSpec): Outcome {
  for (const b of spec.layers ?? []) {
    const what = `layer ${b.name}${b.version !== undefined ? ` (version ${b.version})` : ''}`;
    const where = `${spec.file}${b.range ? `:${b.range.line + 1}` : ''}`;
    if (!b.dir) {
      return fail(
        'emulator.layerNotFound',
        `${where}: ${what} of ${spec.name} has no local folder to mount as /opt: add the layer's \`component: layer\` serverless.yml beside this app, set its folder in the scf.layers setting (or --layer ${b.name}=<folder>), or put ${layerEnvKey(b.name)}=<folder> in ${join(spec.file, '..', '.env')}`,
        { file: spec.file, range: b.range },
      );
    }
    let isDir = false;
    try {
      isDir = statSync(b.dir).isDirectory();
    } catch {
      /* reported below */
    }
    if (!isDir) {
      const from = b.source === 'workspace' ? `the src of ${b.layerFile}` : b.source === 'setting' ? 'the scf.layers setting' : b.source === '.env' ? `${layerEnvKey(b.name)} in .env` : 'its configuration';
      return fail('emulator.layerNotFound', `${where}: ${what} of ${spec.name}: its folder ${b.dir} (from ${from}) does not exist; create it or fix ${from}`, { file: spec.file, range: b.range });
    }
  }
  return ok();
}
