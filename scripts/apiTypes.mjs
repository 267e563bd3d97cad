// The programmatic API's types as one declaration file (dist/api.d.ts, package.json `exports` types):
// src/api/types.ts with every type it refers to inlined, and `createEmulator` declared with its type.
// Only that file's (small) import graph is compiled, without @types/node (AbortSignal comes from the
// DOM library), so this adds a second or two to the build.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function emitApiTypes(root, outFile) {
  const { generateDtsBundle } = await import('dts-bundle-generator');
  const dir = mkdtempSync(join(tmpdir(), 'scf-api-types-'));
  const config = join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', moduleResolution: 'node', skipLibCheck: true, types: [], lib: ['ES2022', 'DOM'] }, files: [join(root, 'src/api/types.ts')] }),
  );
  try {
    const [text] = generateDtsBundle([{ filePath: join(root, 'src/api/types.ts'), output: { noBanner: true } }], { preferredConfigPath: config });
    writeFileSync(outFile, `${text.replace(/\nexport \{\};\s*$/, '\n')}\nexport declare const createEmulator: CreateEmulator;\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
