/**
 * A warm instance's context: the host sends the function's context once, with the instance's first
 * request, and then only each request's id (context.ts ContextSender); each bootstrap keeps it and
 * gives each request a fresh copy. What each handler sees must be what a context parsed whole gave:
 * the same keys in SCF's order, its own request id, and nothing a handler changed in an earlier
 * request's context. Real handler processes for each runtime whose interpreter is here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ContextSender, contextFor, contextTemplate } from '../../src/emulator/context';
import { Emulator } from '../../src/emulator/emulator';
import { DEFAULT_IDENTITY } from '../../src/emulator/environment';
import { resolveRuntime } from '../../src/emulator/runtimes';
import type { FunctionSpec } from '../../src/model';
import { functionSpec, invoke } from './helpers';

const SCF_ORDER = ['memory_limit_in_mb', 'time_limit_in_ms', 'request_id', 'environment', 'environ', 'function_version', 'function_name', 'namespace', 'tencentcloud_region', 'tencentcloud_appid', 'tencentcloud_uin'];

test('ContextSender: the whole context with an instance\'s first request, then only the id while the function\'s context is the same', () => {
  const spec = { name: 'fn', namespace: 'default', region: 'ap-guangzhou', memorySize: 128, timeout: 3 } as unknown as FunctionSpec;
  const t = contextTemplate(spec, { A: 'x"y' }, DEFAULT_IDENTITY);
  const sender = new ContextSender();
  const first = contextFor(t, 'id-1');
  assert.equal(sender.field(first), `"context":${JSON.stringify(first)}`);
  assert.equal(sender.field(contextFor(t, 'id "2"')), `"id":${JSON.stringify('id "2"')}`);
  // another instance has been sent nothing yet
  assert.equal(new ContextSender().field(contextFor(t, 'id-3')), `"context":${JSON.stringify(contextFor(t, 'id-3'))}`);
  // a function whose settings changed (another template): whole again, then ids again
  const t2 = contextTemplate({ ...spec, memorySize: 256 } as FunctionSpec, { A: 'x"y' }, DEFAULT_IDENTITY);
  assert.equal(sender.field(contextFor(t2, 'id-4')), `"context":${JSON.stringify(contextFor(t2, 'id-4'))}`);
  assert.equal(sender.field(contextFor(t2, 'id-5')), '"id":"id-5"');
  // a context not made by contextFor is sent whole, and so is the next one
  const plain = { ...contextFor(t2, 'id-6'), function_name: 'other' };
  assert.equal(sender.field(plain), `"context":${JSON.stringify(plain)}`);
  assert.equal(sender.field(contextFor(t2, 'id-7')), `"context":${JSON.stringify(contextFor(t2, 'id-7'))}`);
  for (const line of [sender.field(contextFor(t2, 'id-8'))]) assert.equal(JSON.parse(`{${line}}`).id, 'id-8');
});

const emulator = new Emulator({ callerEnv: { PATH: process.env.PATH, HOME: process.env.HOME } });
after(() => emulator.dispose());

/**
 * Each handler returns its context as it got it (keys in order, values), then changes it: a value
 * changed, a key added, one deleted.
 */
const HANDLERS: Record<string, { file: string; code: string }> = {
  nodejs: {
    file: 'index.js',
    code: `exports.main_handler = async (event, context) => {
  const seen = { keys: Object.keys(context), context: { ...context }, proto: Object.getPrototypeOf(context) === Object.prototype };
  context.function_name = 'changed';
  context.extra = 1;
  delete context.namespace;
  return seen;
};
exports.callback_handler = (event, context, callback) => {
  const seen = { keys: Object.keys(context), context: { ...context } };
  context.callbackWaitsForEmptyEventLoop = false;
  context.request_id = 'mine';
  callback(null, seen);
};
`,
  },
  python: {
    file: 'index.py',
    code: `def main_handler(event, context):
    seen = {"keys": sorted(context.keys()), "order": list(context.keys()), "context": dict(context), "type": type(context).__name__}
    context["function_name"] = "changed"
    context["extra"] = 1
    del context["namespace"]
    return seen
`,
  },
  php: {
    file: 'index.php',
    code: `<?php
function main_handler($event, $context) {
    $seen = array('keys' => array_keys(get_object_vars($context)), 'context' => $context, 'type' => get_class($context));
    $seen['context'] = json_decode(json_encode($context));
    $context->function_name = 'changed';
    $context->extra = 1;
    unset($context->namespace);
    return $seen;
}
`,
  },
};

function available(runtime: string): boolean {
  return resolveRuntime(runtime).ok;
}

const CASES: Array<{ runtime: string; family: keyof typeof HANDLERS; handler?: string }> = [
  { runtime: 'Nodejs18.15', family: 'nodejs' },
  { runtime: 'Nodejs18.15', family: 'nodejs', handler: 'index.callback_handler' },
  { runtime: 'Python3.9', family: 'python' },
  { runtime: 'Python2.7', family: 'python' },
  { runtime: 'Php7', family: 'php' },
];

describe("a warm instance's requests each get their own context", () => {
  for (const c of CASES) {
    const handler = c.handler ?? 'index.main_handler';
    const has = available(c.runtime) && (c.family !== 'php' || spawnSync('sh', ['-c', 'command -v php']).status === 0);
    test(`${c.runtime} (${handler}): SCF's keys, the request's own id, nothing of what an earlier request changed`, { skip: !has && `no local interpreter for ${c.runtime}` }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'scf-warm-context-'));
      writeFileSync(join(dir, HANDLERS[c.family]!.file), HANDLERS[c.family]!.code);
      const spec = functionSpec({ codeDir: dir, handler, runtime: c.runtime, name: 'ctx-fn', memorySize: 128, timeout: 3, variables: { GREETING: 'hi' } });
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const { result, text } = await invoke(emulator, spec, { i });
        assert.equal(result.statusCode, 200, `${result.errorMessage}\n${text}`);
        assert.equal(result.coldStart, i === 0);
        answers.push(result);
      }
      const seen = answers.map((a) => a.result as { keys: string[]; context: Record<string, unknown>; proto?: boolean; type?: string });
      assert.notEqual(answers[1]!.requestId, answers[2]!.requestId);
      for (let i = 0; i < 3; i++) {
        const s = seen[i]!;
        // Python 2's dicts have no order: its keys are compared sorted (they are sorted by the handler)
        assert.deepEqual(s.keys, c.family === 'python' ? [...SCF_ORDER].sort() : SCF_ORDER);
        assert.equal(s.context.request_id, answers[i]!.requestId);
        assert.deepEqual({ ...s.context, request_id: '' }, { ...seen[0]!.context, request_id: '' });
        assert.equal(s.context.function_name, 'ctx-fn');
        assert.equal(s.context.namespace, 'default');
        assert.equal(s.context.extra, undefined);
        assert.equal(s.context.callbackWaitsForEmptyEventLoop, undefined);
        if (c.family === 'nodejs') assert.equal(s.proto, handler === 'index.main_handler' ? true : undefined);
        if (c.family === 'python') assert.equal(s.type, 'dict');
        if (c.family === 'python' && c.runtime !== 'Python2.7') assert.deepEqual((s as { order?: string[] }).order, SCF_ORDER);
        if (c.family === 'php') assert.equal(s.type, 'stdClass');
      }
      assert.equal(seen[0]!.context.memory_limit_in_mb, 128);
      assert.equal(seen[0]!.context.time_limit_in_ms, 3000);
      assert.equal(seen[0]!.context.environ, 'GREETING=hi;SCF_NAMESPACE=default;SCF_NAMESPACE=default');
    });
  }
});
