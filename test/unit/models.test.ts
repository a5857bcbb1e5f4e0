/** The model zoo matches the architectures of docs/method.md §4 (parameter counts equal the PyTorch peer's, bench/torch_dsr.py). */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildModel } from '../../src/models/index.js';
import { AdaptiveAvgPool2d } from '../../src/nn/adaptive-avgpool.js';
import type { Layer } from '../../src/nn/layer.js';
import type { NormBlock } from '../../src/nn/norm-block.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/rng.js';
import { testKernels } from '../support/kernels.under-test.js';

const kernels = await testKernels();

import { evalMode, trainMode } from '../../src/nn/run-mode.js';

const count = (ps: { value: Float32Array }[]): number => ps.reduce((a, p) => a + p.value.length, 0);

test('mnistnet: 825 186 parameters (as the PyTorch peer) and 4 thresholds', () => {
  const { net } = buildModel(kernels, { model: 'mnistnet', input: [28, 28, 1], classes: 10, neuron: 'if', T: 4 });
  assert.equal(count(net.params()), 825_186);
  assert.equal(net.params().filter((p) => p.role === 'threshold').length, 4);
});

test('PreAct-ResNet-18: 11 176 945 parameters, 19 thresholds, shortcut from the first neuron of each block', () => {
  const { net } = buildModel(kernels, { model: 'resnet18', input: [32, 32, 3], classes: 10, neuron: 'lif', T: 5 });
  assert.equal(count(net.params()), 11_176_945);
  assert.equal(net.params().filter((p) => p.role === 'threshold').length, 19);
  const body = net.body as Sequential;
  // stem conv → block 1's BN, as one batch-norm block; then per PreAct block its first neuron, and the block's two
  // paths (conv1 → BN → neuron → conv2, and the shortcut) summed into the next BN (docs/method.md §3), as one block
  const blocks = body.layers.filter((l): l is NormBlock => l.kind === 'norm-block');
  assert.equal(blocks.length, 10);
  const stem = blocks[0]!;
  assert.equal(stem.branches.length, 1);
  assert.equal(stem.branches[0]!.weight!.kind, 'conv2d');
  assert.equal(stem.branches[0]!.weight!.params().length, 1, 'stem conv has no bias');
  assert.equal(stem.bn.opts.name, 'layer1.0.bn1');
  const residual = blocks.slice(1, 9);
  for (const [i, b] of residual.entries()) {
    assert.equal(body.layers[body.layers.indexOf(b) - 1]!.kind, 'neuron', 'both paths start from the neuron');
    assert.equal(b.branches.length, 2);
    assert.equal(b.branches[0]!.weight!.params()[0]!.name, `layer${(i >> 1) + 1}.${i & 1}.conv2.weight`);
    assert.equal(b.bn.opts.name, i === 7 ? 'bn' : `layer${((i + 1) >> 1) + 1}.${(i + 1) & 1}.bn1`);
  }
  assert.equal(residual.filter((b) => b.branches[1]!.weight !== null).length, 3, 'three projection shortcuts');
  // the head: (…→ BN) → neuron → global average pool → neuron → flatten → (linear → BN1d) → neuron
  const kinds = body.layers.slice(-7).map((l: Layer) => l.kind);
  assert.deepEqual(kinds, ['norm-block', 'neuron', 'adaptive-avgpool2d', 'neuron', 'flatten', 'norm-block', 'neuron']);
  // the parameters in the reference code's order (its state_dict), which checkpoints and the optimiser follow
  const names = net.params().map((p) => p.name);
  assert.deepEqual(names.slice(0, 12), [
    'conv1.weight',
    'layer1.0.bn1.weight',
    'layer1.0.bn1.bias',
    'layer1.0.relu1.vth',
    'layer1.0.conv1.weight',
    'layer1.0.conv1.bias',
    'layer1.0.bn2.weight',
    'layer1.0.bn2.bias',
    'layer1.0.relu2.vth',
    'layer1.0.conv2.weight',
    'layer1.0.conv2.bias',
    'layer1.1.bn1.weight',
  ]);
});

test('PreAct-ResNet-18 on 28×28 input: the head averages the whole 4×4 map, as on 32×32', () => {
  // 28 → 28, 14, 7, 4 through the stages: a fixed AvgPool(H/8 = 3.5) would not average the 16 values
  const { net } = buildModel(kernels, { model: 'resnet18', input: [28, 28, 1], classes: 10, neuron: 'ann', T: 1 });
  assert.deepEqual(net.body.outputShape([2, 28, 28, 1], { T: 1, batch: 2 }), [2, 10]);
  const layers = (net.body as Sequential).layers;
  const pool = layers.find((l) => l.kind.includes('pool'))!;
  const before = layers.slice(0, layers.indexOf(pool));
  let shape = [2, 28, 28, 1];
  for (const l of before) shape = l.outputShape(shape, { T: 1, batch: 2 });
  assert.deepEqual(shape, [2, 4, 4, 512]);
  const ctx = { k: kernels, T: 1, batch: 1, rng: new Rng(0), mode: evalMode(1) };
  const x = { shape: [1, 4, 4, 2], data: new Float32Array(32).map((_, i) => i) };
  const y = pool.forward(x, ctx);
  assert.deepEqual(y.shape, [1, 1, 1, 2]);
  // channel c holds c, c + 2, …, c + 30: mean 15 + c
  assert.deepEqual(Array.from(kernels.toHost(y.data)), [15, 16]);
});

test('VGG-11 on 48×48 DVS frames: 9 thresholds, 1×1 map replicated 7×7 into a 25088-input linear, output [B, 10]', () => {
  const { net } = buildModel(kernels, { model: 'vgg11', input: [48, 48, 2], classes: 10, neuron: 'if', T: 2, seed: 1 });
  assert.equal(net.params().filter((p) => p.role === 'threshold').length, 9);
  const fc = net.params().find((p) => p.name === 'classifier.0.weight')!;
  assert.deepEqual(fc.shape, [10, 25088]);
  let sq = 0;
  for (const v of fc.value) sq += v * v;
  assert.ok(Math.abs(Math.sqrt(sq / fc.value.length) - 0.01) < 0.0005, 'linear init N(0, 0.01)');
  const shape = net.body.outputShape([2 * 2, 48, 48, 2], { T: 2, batch: 2 });
  assert.deepEqual(shape, [4, 10]);
});

test('AdaptiveAvgPool2d: 1×1 → 7×7 replicates; its gradient is the sum over copies', () => {
  const pool = new AdaptiveAvgPool2d({ size: 7 });
  const ctx = { k: kernels, T: 1, batch: 2, rng: new Rng(0), mode: trainMode(1) };
  const x = { shape: [2, 1, 1, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const y = pool.forward(x, ctx);
  assert.deepEqual(y.shape, [2, 7, 7, 3]);
  kernels.toHost(y.data);
  for (let p = 0; p < 49; p++)
    assert.deepEqual(Array.from(y.data.subarray(3 * 49 + p * 3, 3 * 49 + p * 3 + 3)), [4, 5, 6]);
  const dy = { shape: y.shape, data: new Float32Array(y.data.length).map((_, i) => (i % 3) + 1) };
  const dx = pool.backward(dy, ctx);
  assert.deepEqual(Array.from(kernels.toHost(dx.data)), [49, 98, 147, 49, 98, 147]);
  // multiples use an ordinary average pool
  const x2 = { shape: [1, 14, 14, 1], data: new Float32Array(196).fill(2) };
  assert.deepEqual(pool.forward(x2, ctx).shape, [1, 7, 7, 1]);
  assert.throws(() => pool.forward({ shape: [1, 5, 5, 1], data: new Float32Array(25) }, ctx), /E_UNSUPPORTED|only 1×1/);
});
