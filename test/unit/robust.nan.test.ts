/**
 * NaN and ±Inf stop a run with one line saying where: in a sample when a batch is gathered, in the loss or in a
 * weight after a step (the end-to-end case, a huge --lr through the CLI, is in robust.input.test.ts).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dataset, gatherBatch } from '../../src/data/dataset.js';
import { SpikerepError } from '../../src/errors.js';
import type { Param } from '../../src/nn/param.js';
import { checkFinite } from '../../src/train/finite.js';

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
  checkFinite(2.3, [p([1, -2, 3e38])], 1, 1, 0.1);
  refuses(
    () => checkFinite(NaN, [p([1])], 2, 5, 0.1),
    /^lr: the training loss became NaN at epoch 2, step 5 \(learning rate 0\.1/,
  );
  refuses(
    () => checkFinite(1, [p([1, 2]), p([0, -Infinity])], 1, 3, 1e30),
    /weight fc\.weight\[1\] became -Infinity at epoch 1, step 3/,
  );
  refuses(() => checkFinite(1, [p([NaN])], 1, 1, 1), /weight fc\.weight\[0\] became NaN/);
});
