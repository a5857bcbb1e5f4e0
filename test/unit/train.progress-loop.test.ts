/**
 * What the training loop shows while it runs: a bar per epoch, then one for the validation images and one for the
 * test images, each counting images up to the set's size. Each set is evaluated once per epoch, so the end of a
 * run evaluates the test set once (the metrics are gathered in that same pass), and a resumed run that has no
 * epoch left evaluates it once too.
 */

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { reference } from '../../src/kernels/reference/index.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import type { Progress } from '../../src/train/progress.js';
import { tempDir } from '../support/data.fixtures.js';

const tmp = tempDir('progress-loop');
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Bar {
  label: string;
  total: number;
  transient: boolean;
  updates: number[];
  fields: string[];
}

function recording(): Progress & { bars: Bar[]; logs: string[] } {
  const bars: Bar[] = [];
  const logs: string[] = [];
  return {
    bars,
    logs,
    start(label, total, o = {}) {
      bars.push({ label, total, transient: o.transient === true, updates: [], fields: [] });
    },
    update(done, fields) {
      const bar = bars[bars.length - 1]!;
      bar.updates.push(done);
      bar.fields = Object.keys(fields);
    },
    stop() {},
    log(line) {
      logs.push(line);
    },
  };
}

const tiny: TrainConfig = {
  ...DEFAULT_CONFIG,
  trainLimit: 40,
  testLimit: 50,
  batchSize: 20,
  testBatchSize: 20,
  T: 2,
  epochs: 2,
  warmupIters: 0,
  backend: 'reference',
};

test('each epoch: its training bar, then the validation and the test images counted, each evaluated once', async () => {
  const progress = recording();
  const dir = join(tmp, 'run');
  const r = await train(reference, { ...tiny, checkpointDir: dir }, { progress });
  assert.deepEqual(
    progress.bars.map((b) => [b.label, b.total, b.transient]),
    [
      ['epoch 1/2', 2, false],
      ['eval val', 4, true],
      ['eval test', 50, true],
      ['epoch 2/2', 2, false],
      ['eval val', 4, true],
      ['eval test', 50, true],
    ],
  );
  assert.deepEqual(progress.bars[0]!.updates, [1, 2]);
  assert.deepEqual(progress.bars[0]!.fields, ['loss', 'acc', 'img/s']);
  assert.deepEqual(progress.bars[1]!.updates, [4], 'four validation images: one batch');
  assert.deepEqual(progress.bars[2]!.updates, [20, 40, 50], 'test images counted batch by batch');
  assert.deepEqual(progress.bars[2]!.fields, ['img/s']);
  // the result's test accuracy and metrics come from those passes: nothing evaluated after the last epoch's
  assert.equal(r.lastTestAccuracy, r.history[1]!.testAccuracy);
  assert.ok(r.firingRates.length > 0);

  // a resumed run with no epoch left evaluates the test set once, for its metrics
  const resumed = recording();
  const again = await train(reference, { ...tiny, checkpointDir: dir, resume: true }, { progress: resumed });
  assert.deepEqual(
    resumed.bars.map((b) => b.label),
    ['eval test'],
  );
  assert.equal(again.lastTestAccuracy, r.lastTestAccuracy);
  assert.deepEqual(again.firingRates, r.firingRates);
});
