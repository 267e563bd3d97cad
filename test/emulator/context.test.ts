import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFor, contextJson, contextTemplate } from '../../src/emulator/context';
import { DEFAULT_IDENTITY } from '../../src/emulator/environment';
import type { FunctionSpec } from '../../src/model';

// The runtime's frame carries contextJson's text (instance.ts): it must be JSON.stringify's, byte for byte.
test('contextJson writes what JSON.stringify writes, for each request of a template, whatever its text holds', () => {
  const spec = { name: 'fn "quoted"\n', namespace: 'ns\\one', region: 'ap-guangzhou', memorySize: 256, timeout: 7.5 } as unknown as FunctionSpec;
  const t = contextTemplate(spec, { A: 'x"y', B: 'line\nbreak', C: '\u2028é😀', D: '\u0000' }, DEFAULT_IDENTITY);
  for (const id of ['11111111-2222-4333-8444-555555555555', 'a "quoted" id', '\u0000request_id\u0000', '']) {
    const c = contextFor(t, id);
    assert.equal(contextJson(c), JSON.stringify(c));
    assert.equal(JSON.parse(contextJson(c)).request_id, id);
  }
  // a context built some other way (no template) is serialised as it is
  const plain = { ...contextFor(t, 'x'), function_name: 'changed' };
  assert.equal(contextJson(plain), JSON.stringify(plain));
  assert.deepEqual(Object.keys(contextFor(t, 'x')).sort(), ['environ', 'environment', 'function_name', 'function_version', 'memory_limit_in_mb', 'namespace', 'request_id', 'tencentcloud_appid', 'tencentcloud_region', 'tencentcloud_uin', 'time_limit_in_ms']);
});
