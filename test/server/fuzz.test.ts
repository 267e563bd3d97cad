/**
 * Fuzz: thousands of mutated serverless.yml documents. None may crash validation, completion, hover
 * or the outline, every diagnostic range must lie inside the text, and whenever the fast YAML reader
 * accepts a document it must read exactly what the `yaml` library reads (and `yaml` must find no error).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { validateServerlessText } from '../../src/schema/validate';
import { fastParse, patchParse, toValue, type YNode } from '../../src/schema/yaml';
import { ScfLanguageService } from '../../src/server/service';
import { pathToFileURL } from 'node:url';
import { mutate, rng, TYPED } from './mutate';

const fixtures = join(__dirname, '..', 'fixtures', 'server');
const seeds: { file: string; text: string }[] = [];
for (const group of ['valid', 'invalid']) {
  for (const name of readdirSync(join(fixtures, group))) {
    for (const f of ['serverless.yml', 'serverless.yaml']) {
      const p = join(fixtures, group, name, f);
      if (existsSync(p)) seeds.push({ file: p, text: readFileSync(p, 'utf8') });
    }
  }
}

function checkRanges(node: YNode | null, len: number, where: string): void {
  if (!node) return;
  assert.ok(node.start >= 0 && node.start <= node.end && node.end <= len, `node range ${node.start}-${node.end} in ${len}: ${where}`);
  if (node.kind === 'map') for (const p of node.pairs) {
    assert.ok(p.keyStart <= p.keyEnd && p.keyEnd <= len, where);
    checkRanges(p.value, len, where);
  }
  if (node.kind === 'seq') for (const it of node.items) checkRanges(it, len, where);
}

test('thousands of mutated documents: no crash, ranges inside the text, fast reader agrees with yaml', () => {
  const service = new ScfLanguageService({ syntaxErrors: true });
  // SCF_FUZZ_SEED / SCF_FUZZ_COUNT replay a failure or search longer; the default run is fixed.
  const r = rng(Number(process.env.SCF_FUZZ_SEED ?? 20261124));
  let fastAccepted = 0;
  let patchedCount = 0;
  const total = Number(process.env.SCF_FUZZ_COUNT ?? 4000);
  for (let i = 0; i < total; i++) {
    const seed = seeds[i % seeds.length]!;
    const text = i < seeds.length ? seed.text : mutate(seed.text, r);
    const where = `document #${i} from ${seed.file}:\n${JSON.stringify(text)}`;
    let result;
    try {
      result = validateServerlessText(text, { file: seed.file, env: {} });
    } catch (e) {
      assert.fail(`validation threw ${(e as Error).stack} on ${where}`);
    }
    for (const d of result.diagnostics) assert.ok(d.start >= 0 && d.start <= d.end && d.end <= text.length, `diagnostic ${d.code} ${d.start}-${d.end} outside ${where}`);
    checkRanges(result.parsed.root, text.length, where);

    const fast = fastParse(text);
    if (fast) {
      fastAccepted++;
      const doc = parseDocument(text, { prettyErrors: false });
      assert.deepEqual(doc.errors.map((e) => e.message), [], `fast reader accepted what yaml rejects: ${where}`);
      assert.deepEqual(toValue(fast.root), doc.toJS(), `fast reader disagrees with yaml: ${where}`);
    }

    if (fast) {
      // Typing one character: the patched tree must equal a fresh read of the new text.
      const at = Math.floor(r() * (text.length + 1));
      const typed = r() < 0.3 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + TYPED.charAt(Math.floor(r() * TYPED.length)) + text.slice(at);
      const patched = patchParse(fastParse(text)!, typed);
      if (patched) {
        const fresh = fastParse(typed);
        assert.ok(fresh, `patched a text the fast reader rejects: ${JSON.stringify(typed)}`);
        assert.deepEqual(patched.root, fresh.root, `patched tree differs from a fresh read: ${JSON.stringify(text)} -> ${JSON.stringify(typed)}`);
        assert.deepEqual(patched.lineStarts, fresh.lineStarts);
        patchedCount++;
      }
    }

    const uri = pathToFileURL(seed.file).toString() + `?${i}`;
    const lines = text.split('\n');
    try {
      for (let k = 0; k < 3; k++) {
        const line = Math.floor(r() * lines.length);
        const ch = Math.floor(r() * ((lines[line]?.length ?? 0) + 2));
        service.completion(uri, 1, text, line, ch);
        service.hover(uri, 1, text, line, ch);
      }
      service.symbols(uri, 1, text);
      service.codeActions(uri, service.diagnostics(uri, 1, text), true);
    } catch (e) {
      assert.fail(`a language feature threw ${(e as Error).stack} on ${where}`);
    }
    service.close(uri);
  }
  // The differential half only means something if the fast reader took a fair share of documents.
  assert.ok(fastAccepted > total / 5, `fast reader accepted ${fastAccepted} of ${total}`);
  assert.ok(patchedCount > total / 40, `only ${patchedCount} edits were patched`);
});
