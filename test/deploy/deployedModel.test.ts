import { test } from 'node:test';
import assert from 'node:assert/strict';
import { functionNodes, scopesOf, statusKind, targetNodes } from '../../src/views/deployedModel';

test('the Deployed view looks where the workspace functions live, and shows status', () => {
  assert.deepEqual(scopesOf([]), [{ region: 'ap-guangzhou', namespace: 'default' }]);
  assert.deepEqual(scopesOf([{ region: 'ap-shanghai', namespace: 'default' }, { region: 'ap-guangzhou', namespace: 'ns' }, { region: 'ap-shanghai', namespace: 'default' }]).map((s) => `${s.region}/${s.namespace}`), ['ap-guangzhou/ns', 'ap-shanghai/default']);
  assert.equal(statusKind('Active'), 'active');
  assert.equal(statusKind('Updating'), 'busy');
  assert.equal(statusKind('CreateFailed'), 'failed');
  const nodes = functionNodes('local', { region: 'ap-guangzhou', namespace: 'default' }, [
    { name: 'hello', namespace: 'default', runtime: 'Nodejs16.13', status: 'Active', statusDesc: '', type: 'Event', modTime: '2026-01-01 00:00:00', description: '' },
    { name: 'old', namespace: 'default', runtime: 'Python3.9', status: 'UpdateFailed', statusDesc: '', type: 'Event', modTime: '', description: '' },
  ], false, new Set(['hello']));
  assert.deepEqual(nodes.map((n) => [n.label, 'description' in n ? n.description : '']), [['hello', 'Active · Nodejs16.13'], ['old', 'UpdateFailed · Python3.9 · not in this workspace']]);
  assert.deepEqual(targetNodes('tencent', undefined).map((n) => 'description' in n && n.description), ['not running', 'default target']);
});
