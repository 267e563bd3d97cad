/** Re-reading only the edited value of a large file gives the same tree as reading it all again. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastParse, patchParse } from '../../src/schema/yaml';
import { generate } from '../../bench/validate.files';

test('typing anywhere in a 5,000-line file: patched tree equals a fresh read', () => {
  let text = generate(5000).text;
  let parsed = fastParse(text)!;
  assert.ok(parsed);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let patched = 0;
  for (let i = 0; i < 150; i++) {
    const at = Math.floor(rand() * text.length);
    const next = rand() < 0.5 ? text.slice(0, at) + 'q' + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    const fresh = fastParse(next);
    const p = patchParse(parsed, next);
    if (p) {
      patched++;
      assert.ok(fresh, `patched a text the reader rejects (edit at ${at})`);
      assert.deepEqual(p.root, fresh.root, `edit at ${at}`);
      assert.deepEqual(p.lineStarts, fresh.lineStarts);
    }
    // Keep going from a fresh read (patchParse reuses and updates the previous tree in place).
    text = next;
    parsed = fresh ?? fastParse(generate(5000).text)!;
    if (!fresh) text = generate(5000).text;
  }
  assert.ok(patched > 25, `only ${patched} of 150 edits were patched`);
});
