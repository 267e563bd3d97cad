import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { Emulator } from '../../src/emulator/emulator';
import { FIXTURES, functionSpec, invoke } from './helpers';

const CLI = resolve(__dirname, '../../dist/cli.js');
const emulator = new Emulator();
after(() => emulator.dispose());

describe('details as SCF has them', () => {
  test('TRIGGER_SRC=timer in instances that timer events run, and not in the others', async () => {
    const spec = functionSpec({ codeDir: join(FIXTURES, 'python'), handler: 'index.echo', runtime: 'Python3.9' });
    const timer = await invoke(emulator, spec, { Type: 'Timer', TriggerName: 'every-minute', Time: '2026-01-01T00:00:00Z', Message: '' });
    assert.equal((timer.result.result as { env: Record<string, string> }).env.TRIGGER_SRC, 'timer');
    const plain = await invoke(emulator, spec, { key1: 'value1' });
    assert.equal((plain.result.result as { env: Record<string, string> }).env.TRIGGER_SRC, undefined);
  });

  test('437 names the handler once', async () => {
    const { result } = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'node'), handler: 'index.noSuchFunction' }), {});
    assert.equal(result.statusCode, 437);
    assert.equal(result.errorMessage!.split('"index.noSuchFunction"').length, 2, result.errorMessage);
  });

  test('the Custom Runtime demo (a file named bootstrap, curl output unhidden) with --json: the result is the last line, every time', () => {
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, [CLI, 'invoke', join(FIXTURES, 'custom-demo'), '--event-json', '{"key1":"v"}', '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; result?: unknown });
      assert.equal(lines.at(-1)!.type, 'result');
      assert.equal(lines.filter((l) => l.type === 'result').length, 1);
      assert.equal(lines.at(-1)!.result, `Echoing request: '{"key1":"v"}'`);
    }
  });
});
