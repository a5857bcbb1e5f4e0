/**
 * SIGKILL at random moments and inside checkpoint writes, resume each time: no checkpoint is ever lost or damaged,
 * and the final weights equal an uninterrupted run with the same seed, bit for bit (short form of
 * scripts/kill-resume.ts, on the reference and the wasm backend).
 */

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { killResume } from '../../scripts/kill-resume-lib.js';
import '../support/cli.command.js'; // fails when dist/ is missing or older than src/

const cases = [
  {
    backend: 'wasm',
    kills: 4,
    args: ['--train-limit', '128', '--test-limit', '32', '--batch-size', '32', '--T', '2', '--threads', '1'],
  },
  {
    backend: 'reference',
    kills: 3,
    args: ['--train-limit', '32', '--test-limit', '16', '--batch-size', '16', '--T', '1'],
  },
] as const;

for (const c of cases) {
  test(`${c.backend}: killed ${c.kills} times (random and mid-checkpoint), resumed: bit-identical to an uninterrupted run`, async () => {
    const workDir = join(tmpdir(), `spikerep-killtest-${c.backend}-${process.pid}`);
    try {
      // warm-up longer than one epoch, so a resume lands mid-warm-up and the schedule position must be restored
      const trainArgs = [...c.args, '--epochs', '3', '--warmup', '5', '--backend', c.backend, '--seed', '3'];
      const r = await killResume({ trainArgs, kills: c.kills, seed: 11, workDir, compiled: true });
      const killed = r.points.filter((p) => !p.finished);
      assert.ok(killed.length >= 2, `at least two kills landed: ${JSON.stringify(r.points)}`);
      assert.ok(
        killed.some((p) => p.inWrite),
        `a kill landed inside a checkpoint write: ${JSON.stringify(r.points)}`,
      );
      assert.equal(r.survived, r.kills, 'every kill left a readable last.ckpt that never went back an epoch');
      assert.deepEqual(r.mismatches, []);
      assert.ok(r.identical);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
}
