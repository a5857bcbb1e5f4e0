/**
 * Commands are loaded only when they run: help loads no command module, no backend and no h5wasm. Seen by
 * tracing every module the process loads (test/support/module-trace.mjs), not by timing.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'spikerep-lazy-'));

/** The URLs of the modules `spikerep …argv` loads. */
function loaded(...argv: string[]): string[] {
  const trace = join(tmp, `${argv.join('_').replace(/\W/g, '')}.txt`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/module-trace.mjs', 'src/cli/bin.ts', ...argv],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SPIKEREP_MODULE_TRACE: trace },
    },
  );
  assert.equal(r.error, undefined);
  return readFileSync(trace, 'utf8').trim().split('\n');
}

const heavy = [
  'h5wasm',
  '/src/cli/train.ts',
  '/src/cli/import.ts',
  '/src/cli/export.ts',
  '/src/kernels/',
  '/src/nn/network.ts',
  '/src/data/registry.ts',
  '/src/train/loop.ts',
];

for (const argv of [['--help'], ['train', '--help'], ['import', '--help']]) {
  test(`spikerep ${argv.join(' ')} loads no command module, backend or h5wasm`, () => {
    const urls = loaded(...argv);
    assert.ok(
      urls.some((u) => u.endsWith('/src/cli/main.ts')),
      'the trace sees the CLI',
    );
    assert.ok(
      urls.some((u) => u.includes('/node_modules/commander/')),
      'the trace sees packages',
    );
    for (const h of heavy)
      assert.deepEqual(
        urls.filter((u) => u.includes(h)),
        [],
        `${h} not loaded`,
      );
  });
}

test('running a command loads its module (and only then)', () => {
  const urls = loaded('eval', '--checkpoint', join(tmp, 'none.ckpt'), '--backend', 'reference');
  assert.ok(urls.some((u) => u.endsWith('/src/cli/eval.ts')));
  assert.deepEqual(
    urls.filter((u) => u.includes('h5wasm') || u.endsWith('/src/cli/import.ts')),
    [],
  );
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
