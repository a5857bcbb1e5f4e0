/**
 * NaN and ±Inf stop a run with one line saying where: in a sample when a batch is gathered, in the loss or in a
 * weight after a step (the end-to-end case, a huge --lr through the CLI, is in robust.input.test.ts).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dataset, gatherBatch } from '../../src/data/dataset.js';
import { SpikerepError } from '../../src/errors.js';
import { reference } from '../../src/kernels/reference/index.js';
import type { Param } from '../../src/nn/param.js';
import { checkFinite, requireFiniteTensor } from '../../src/train/finite.js';

function dataset(bad: number, value: number): Dataset {
  return {
    name: 'custom-train',
    length: 6,
    sampleShape: [2, 2, 1],
    classes: ['a', 'b'],
    stats: undefined,
    normalized: false,
    label: (i) => i % 2,
    read: (i, out, offset) => {
      for (let k = 0; k < 4; k++) out[offset + k] = i === bad && k === 2 ? value : i + k / 10;
    },
  };
}

function refuses(fn: () => unknown, fragment: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof SpikerepError && e.code === 'E_NAN' && fragment.test(e.message) && !e.message.includes('\n'),
  );
}

test('a sample holding NaN or ±Inf is refused when its batch is gathered, naming the sample and value', () => {
  for (const v of [NaN, Infinity, -Infinity]) {
    const ds = dataset(4, v);
    assert.equal(gatherBatch(ds, [0, 1, 2]).x.length, 12, 'clean batches pass');
    refuses(() => gatherBatch(ds, [1, 4]), new RegExp(`^custom-train: sample 4 holds ${String(v)} at value 2$`));
  }
});

test('a non-finite loss or weight stops training with the step and learning rate; finite values pass', () => {
  const p = (values: number[]): Param => ({ name: 'fc.weight', value: Float32Array.from(values) }) as unknown as Param;
  checkFinite(reference, 2.3, [p([1, -2, 3e38])], 1, 1, { lr: 0.1, weightDecay: 5e-4 });
  refuses(
    () => checkFinite(reference, NaN, [p([1])], 2, 5, { lr: 0.1, weightDecay: 5e-4 }),
    /^lr: the training loss became NaN at epoch 2, step 5 \(learning rate 0\.1/,
  );
  refuses(
    () => checkFinite(reference, 1, [p([1, 2]), p([0, -Infinity])], 1, 3, { lr: 1e30, weightDecay: 0 }),
    /weight fc\.weight\[1\] became -Infinity at epoch 1, step 3/,
  );
  refuses(
    () => checkFinite(reference, 1, [p([NaN])], 1, 1, { lr: 1, weightDecay: 0 }),
    /weight fc\.weight\[0\] became NaN/,
  );
});

test('weights that diverge under a huge weight decay blame the weight decay, not the learning rate', () => {
  const p = { name: 'fc.weight', value: Float32Array.from([Infinity]) } as unknown as Param;
  // a weight decay ≥ 1: the decay term alone overshoots and grows the weights every step
  refuses(
    () => checkFinite(reference, 1, [p], 1, 2, { lr: 1e-3, weightDecay: 1e30 }),
    /^weightDecay: weight fc\.weight\[0\] became Infinity at epoch 1, step 2 \(weight decay 1e\+30 with learning rate 0\.001: the weights diverged; try a much lower `weightDecay`\)/,
  );
  refuses(
    () => checkFinite(reference, NaN, [], 1, 1, { lr: 0.5, weightDecay: 4 }),
    /^weightDecay: the training loss became NaN/,
  );
  // an ordinary weight decay leaves the learning rate as the suspect, however large lr × weightDecay
  refuses(() => checkFinite(reference, NaN, [], 1, 1, { lr: 1e30, weightDecay: 5e-4 }), /^lr: .*try a lower `lr`/);
});

test('a checkpoint tensor holding NaN or ±Inf is refused, naming the tensor and the first bad index', () => {
  requireFiniteTensor(Float32Array.from([0, -3.5, 3e38]), 'fc.weight', 'best.ckpt');
  for (const v of [NaN, Infinity, -Infinity]) {
    refuses(
      () => requireFiniteTensor(Float32Array.from([1, 2, v, NaN]), 'features.0.weight', 'best.ckpt'),
      new RegExp(`^best\\.ckpt: tensor features\\.0\\.weight holds ${String(v)} at index 2: `),
    );
  }
});
