/** scripts/seed-table.ts: groups by dataset, neuron and T; mean and sample std of the validation-chosen test accuracy. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderSeedTable, seedGroups } from '../../scripts/seed-table.js';

function result(dir: string, name: string, over: Record<string, unknown>): void {
  const r = {
    dataset: 'mnist',
    neuron: 'if',
    T: 4,
    model: 'mnistnet',
    epochs: 10,
    testAccuracy: 0.99,
    valAccuracy: 0.995,
    bestEpoch: 9,
    synOps: 4e6,
    energyJoules: 5e-6,
    annEnergyJoules: 2e-5,
    selection: { by: 'validation', images: 5000, trainImages: 55000, seed: 1 },
    ...over,
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(r));
}

describe('seed table', () => {
  it('averages the seeds of a group, with the sample standard deviation, and marks short groups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seeds-'));
    try {
      result(dir, 'a1', { testAccuracy: 0.99, selection: { by: 'validation', seed: 1 } });
      result(dir, 'a2', { testAccuracy: 0.992, selection: { by: 'validation', seed: 2 } });
      result(dir, 'a3', { testAccuracy: 0.994, selection: { by: 'validation', seed: 3 } });
      result(dir, 'b1', { T: 8, testAccuracy: 0.9, selection: { by: 'validation', seed: 1 } });
      result(dir, 'ann', { neuron: 'ann', T: 4, testAccuracy: 0.993 });
      const groups = seedGroups(dir, 3);
      assert.deepEqual(
        groups.map((g) => [g.neuron, g.T, g.runs.length, g.finished]),
        [
          ['ann', 1, 1, false],
          ['if', 4, 3, true],
          ['if', 8, 1, false],
        ],
      );
      const g = groups[1]!;
      assert.ok(Math.abs(g.meanTest - 0.992) < 1e-12);
      assert.ok(Math.abs(g.stdTest - 0.002) < 1e-12, `std ${g.stdTest}`); // values 0.990, 0.992, 0.994
      const table = renderSeedTable(groups, 3);
      assert.match(table, /\*\*99\.20 % ± 0\.20\*\*/);
      assert.match(table, /1 of 3 seeds only/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses a result whose epoch was chosen without a validation split, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seeds-'));
    try {
      result(dir, 'x', { selection: { by: 'last-epoch' } });
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed-table.ts', dir], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /x\.json: its epoch was not chosen on a validation split/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
