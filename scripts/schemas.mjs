// Writes what schemas/serverless-scf.schema.json takes from the runtime table (src/model/runtimes.ts):
// the `runtime` enum and default. Run by the build (scripts/build.mjs); `node scripts/schemas.mjs --check`
// only reports a stale file (exit 1). test/model/runtimes.test.ts fails when the committed file is stale.
import { build } from 'esbuild';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_FILE = join(root, 'schemas', 'serverless-scf.schema.json');

/** The runtime table module, compiled from TypeScript on the fly (esbuild, a few ms). */
async function loadRuntimeTable() {
  const out = await build({ entryPoints: [join(root, 'src/model/runtimes.ts')], bundle: true, write: false, format: 'cjs', platform: 'node', logLevel: 'warning' });
  const module = { exports: {} };
  new Function('module', 'exports', out.outputFiles[0].text)(module, module.exports);
  return module.exports;
}

/** The schema text with the runtime enum and default written from the table. */
export async function schemaWithRuntimes(text) {
  const { RUNTIMES, DEFAULT_RUNTIME } = await loadRuntimeTable();
  const tree = parseTree(text);
  const at = ['definitions', 'inputs', 'properties', 'runtime'];
  const enumNode = findNodeAtLocation(tree, [...at, 'enum']);
  const defaultNode = findNodeAtLocation(tree, [...at, 'default']);
  if (!enumNode || !defaultNode) throw new Error(`${SCHEMA_FILE}: no definitions.inputs.properties.runtime.enum/default to write the runtimes into`);
  // One line per family, as a person would write it; the indentation follows the file's.
  const lineStart = text.lastIndexOf('\n', enumNode.offset) + 1;
  const indent = /^\s*/.exec(text.slice(lineStart))[0];
  const families = [];
  for (const r of RUNTIMES) {
    const last = families[families.length - 1];
    if (last && last.family === r.family) last.names.push(r.name);
    else families.push({ family: r.family, names: [r.name] });
  }
  const lines = families.map((f) => `${indent}  ${f.names.map((n) => JSON.stringify(n)).join(', ')}`);
  const enumText = `[\n${lines.join(',\n')}\n${indent}]`;
  const edits = [
    { offset: defaultNode.offset, length: defaultNode.length, text: JSON.stringify(DEFAULT_RUNTIME) },
    { offset: enumNode.offset, length: enumNode.length, text: enumText },
  ].sort((a, b) => b.offset - a.offset);
  let result = text;
  for (const e of edits) result = result.slice(0, e.offset) + e.text + result.slice(e.offset + e.length);
  return result;
}

/** Rewrites the schema file if it is stale; returns whether it was. */
export async function writeSchemas({ check = false } = {}) {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  const next = await schemaWithRuntimes(text);
  if (next === text) return false;
  if (!check) writeFileSync(SCHEMA_FILE, next);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const stale = await writeSchemas({ check });
  if (stale && check) {
    console.error(`${SCHEMA_FILE} is stale: its runtime enum differs from src/model/runtimes.ts; run npm run build (or node scripts/schemas.mjs)`);
    process.exit(1);
  }
  if (stale) console.log(`wrote the runtime enum into ${SCHEMA_FILE}`);
}
