/**
 * The namespace's init script (sandbox.ts INIT_SCRIPT) in each POSIX shell installed here: it sets the
 * process and open-file limits and says nothing on the runtime's stderr, whichever shell /bin/sh is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { INIT_SCRIPT } from '../../src/emulator/sandbox';

const SHELLS = ['/bin/sh', '/bin/dash', '/usr/bin/dash', '/bin/bash', '/usr/bin/bash', '/bin/busybox', '/usr/bin/mksh'].filter((s) => existsSync(s));

describe('the init script in each shell', { skip: process.platform !== 'linux' && 'the sandbox is Linux\'s' }, () => {
  for (const shell of SHELLS) {
    test(`${shell}: the process limit and the open files set, nothing on stderr`, () => {
      const args = shell.endsWith('busybox') ? ['sh', '-c', INIT_SCRIPT] : ['-c', INIT_SCRIPT];
      // as the sandbox starts it: $1 tasks, $2 open files, no network, no cgroups; then the "runtime"
      const r = spawnSync(shell, [...args, 'scf-init', '123', '456', '', '', '', '', '/bin/cat', '/proc/self/limits'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'the init prints nothing on the runtime\'s stderr');
      assert.match(r.stdout, /^Max processes\s+123\s/m);
      assert.match(r.stdout, /^Max open files\s+456\s/m);
    });
  }
});
