/** The model zoo matches the architectures of docs/method.md §4 (parameter counts equal the PyTorch peer's, bench/torch_dsr.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng.js';
import { buildModel } from '../../src/models/index.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Residual } from '../../src/nn/residual.js';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { AdaptiveAvgPool2d } from '../../src/nn/adaptive-avgpool.js';
import type { Layer } from '../../src/nn/layer.js';
import { testKernels } from '../support/kernels.under-test.js';

const kernels = await testKernels();

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
  const blocks = body.layers.filter((l): l is Sequential => l instanceof Sequential);
  assert.equal(blocks.length, 8);
  for (const b of blocks) {
    // BN → neuron → Residual(main, shortcut): both branches start from the neuron's spikes (docs/method.md §3)
    assert.equal(b.layers[1] instanceof SpikingNeuron, true);
    assert.equal(b.layers[2] instanceof Residual, true);
  }
  const projections = blocks.filter((b) => (b.layers[2] as Residual).shortcut !== null).length;
  assert.equal(projections, 3);
  // the head: BN → neuron → AvgPool(4) → neuron → flatten → linear → BN1d → neuron
  const kinds = body.layers.slice(-8).map((l: Layer) => l.kind);
  assert.deepEqual(kinds, ['batchnorm', 'neuron', 'avgpool2d', 'neuron', 'flatten', 'linear', 'batchnorm', 'neuron']);
  assert.equal(body.layers[0]!.kind, 'conv2d');
  assert.equal(body.layers[0]!.params().length, 1, 'stem conv has no bias');
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
  const ctx = { k: kernels, T: 1, batch: 2, training: true, rng: new Rng(0) };
  const x = { shape: [2, 1, 1, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const y = pool.forward(x, ctx);
  assert.deepEqual(y.shape, [2, 7, 7, 3]);
  for (let p = 0; p < 49; p++) assert.deepEqual(Array.from(y.data.subarray(3 * 49 + p * 3, 3 * 49 + p * 3 + 3)), [4, 5, 6]);
  const dy = { shape: y.shape, data: new Float32Array(y.data.length).map((_, i) => (i % 3) + 1) };
  const dx = pool.backward(dy, ctx);
  assert.deepEqual(Array.from(dx.data), [49, 98, 147, 49, 98, 147]);
  // multiples use an ordinary average pool
  const x2 = { shape: [1, 14, 14, 1], data: new Float32Array(196).fill(2) };
  assert.deepEqual(pool.forward(x2, ctx).shape, [1, 7, 7, 1]);
  assert.throws(() => pool.forward({ shape: [1, 5, 5, 1], data: new Float32Array(25) }, ctx), /E_UNSUPPORTED|only 1×1/);
});
