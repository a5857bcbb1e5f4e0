/**
 * The activation-memory check that refuses a huge T or batch size before anything is allocated: the largest
 * per-sample tensor is read off the model descriptions by hand, and the refusal sits exactly at the budget.
 */

import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { checkActivationMemory, largestActivation } from '../../src/train/memory-budget.js';

const mnistNet = (T: number) =>
  buildModel(reference, { model: 'mnistnet', input: [28, 28, 1], classes: 10, neuron: 'if', T }).net;

test('the largest tensor one sample makes per step: the first convolution output of each model', () => {
  // mnistnet: conv3×3 1→32 keeps 28×28 (padding 1); everything after is pooled smaller
  assert.equal(largestActivation(mnistNet(1)), 28 * 28 * 32);
  // VGG-11 and PreAct-ResNet-18 on 32×32×3: 64 channels at full resolution
  for (const model of ['vgg11', 'resnet18'] as const) {
    const { net } = buildModel(reference, { model, input: [32, 32, 3], classes: 10, neuron: 'if', T: 1 });
    assert.equal(largestActivation(net), 32 * 32 * 64, model);
  }
});

test('T × batch beyond the wasm heap or the machine is refused in one line naming both settings', () => {
  const bytesPerStep = 28 * 28 * 32 * 4;
  const net = mnistNet(4);
  // the wasm heap holds 4 GiB: a batch that just fits passes, one more sample does not
  const fits = Math.floor((4 * 1024 ** 3) / (bytesPerStep * 4));
  checkActivationMemory(net, { batch: fits, timeChunk: undefined, batchSetting: 'batchSize' }, 'wasm');
  assert.throws(
    () => checkActivationMemory(net, { batch: fits + 1, timeChunk: undefined, batchSetting: 'batchSize' }, 'wasm'),
    (e: unknown) =>
      e instanceof SpikerepError &&
      e.code === 'E_ARG' &&
      /^`T` 4 × `batchSize` \d+ needs at least 4\.00 GiB for one layer's activations, more than the 4\.00 GiB the wasm backend can address: lower `T` or `batchSize` \(or run in time chunks: `timeChunk`\)$/.test(
        e.message,
      ),
  );
  // time chunks hold only K steps at once
  checkActivationMemory(net, { batch: fits * 2, timeChunk: 2, batchSetting: 'batchSize' }, 'wasm');
  // other backends: the machine's memory
  const overMachine = Math.ceil(totalmem() / (bytesPerStep * 4)) + 1;
  assert.throws(
    () =>
      checkActivationMemory(
        net,
        { batch: overMachine, timeChunk: undefined, batchSetting: 'testBatchSize' },
        'reference',
      ),
    /of memory on this machine: lower `T` or `testBatchSize`/,
  );
});
