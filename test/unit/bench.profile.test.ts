/**
 * The step profile (src/bench/profile.ts) on the reference backend with a small mnistnet: its rows and the
 * remainder make up the step, every layer shows, a conv's FLOPs are 2·MACs of its geometry worked out by hand,
 * and profiling leaves the step's numbers as they were.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileTrainStep } from '../../src/bench/profile.js';
import { KernelProfile, profiledKernels, profileLayers } from '../../src/bench/profiled-kernels.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { crossEntropy } from '../../src/nn/loss.js';
import type { GradMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';

const B = 2;
const T = 2;

test('profile: rows plus remainder make the step, every layer appears, conv FLOPs are 2·MACs', () => {
  // one timed step: its median is that step, so no row can exceed what the step measured
  const p = profileTrainStep(reference, { model: 'mnistnet', neuron: 'if', T, batch: B, steps: 1, warmup: 1 }, {});
  const sum = p.rows.reduce((s, r) => s + r.ms, 0);
  assert.ok(Math.abs(sum + p.remainderMs - p.stepMs) < 1e-9);
  assert.ok(p.remainderMs >= 0, `remainder ${p.remainderMs} ms`);
  // one timed step: all of the remainder is that step's time outside the layers and kernels
  assert.ok(Math.abs(p.unbookedMs - p.remainderMs) < 1e-9 && Math.abs(p.variationMs) < 1e-9);
  assert.ok(p.rows.every((r) => r.ms >= 0));
  assert.ok(p.rows.filter((r) => r.op === 'gemm').reduce((s, r) => s + r.ms, 0) > 0);
  for (const pass of ['forward', 'loss', 'backward', 'optimiser'])
    assert.ok(
      p.rows.some((r) => r.pass === pass),
      pass,
    );
  // mnistnet: conv, BN, neuron, pool, conv, BN, neuron, pool, flatten, linear, BN, neuron, linear, BN, neuron
  const kinds = p.layers.map((l) => l.split(' ')[1]);
  assert.equal(kinds.filter((k) => k === 'conv2d').length, 2);
  assert.equal(kinds.filter((k) => k === 'linear').length, 2);
  assert.equal(kinds.filter((k) => k === 'neuron').length, 4);
  for (const layer of p.layers) {
    // each pooling follows a neuron, which writes it in its own forward (nn/neuron-pool.ts)
    const pooledByNeuron = layer.endsWith(' avgpool2d');
    assert.equal(
      p.rows.some((r) => r.layer === layer && r.pass === 'forward'),
      !pooledByNeuron,
      `${layer} forward`,
    );
    assert.ok(
      p.rows.some((r) => r.layer === layer && r.pass === 'backward'),
      `${layer} backward`,
    );
  }
  // first conv, 3×3 same padding, 1 → 32 channels on 28×28, run once per sample (B rows): MACs by hand
  const conv1 = p.rows.find((r) => r.layer === 'body.0.0 conv2d' && r.pass === 'forward' && r.op === 'gemm');
  assert.equal(conv1?.flop, 2 * (B * 28 * 28) * 32 * (3 * 3 * 1));
  // second conv, 32 → 64 on 14×14 over T·B rows: backward runs the filter gradient over T·B rows and, the neuron
  // below reading only its gradient's time sum (nn/summed-backward.ts), the input gradient over B rows; the filter
  // gradient of a sparse (spiking) input is event-driven and booked as sparse-gemm at its dense FLOPs
  const conv2 = (op: string) =>
    p.rows.find((r) => r.layer === 'body.3.0 conv2d' && r.pass === 'backward' && r.op === op);
  const macs = T * B * 14 * 14 * 64 * (3 * 3 * 32);
  assert.equal((conv2('gemm')?.flop ?? 0) + (conv2('sparse-gemm')?.flop ?? 0), 2 * macs + (2 * macs) / T);
  assert.equal(conv2('gemm')?.unit, 'GFLOP/s');
  assert.equal(conv2('gemm')?.ceiling, null); // no ceilings given
  // the reference backend has no worker threads to count; every step here made the same kernel calls
  assert.equal(p.parallelCalls, null);
  assert.ok(p.kernelCalls > 0 && p.smallCallMs > 0);
});

/** The loss and every parameter gradient of one training step's forward and backward. */
function oneStep(k: Kernels, profiled: boolean, gradMode: GradMode): { loss: number; grads: number[][] } {
  const profile = new KernelProfile();
  const kk = profiled ? profiledKernels(k, profile) : k;
  const { net } = buildModel(kk, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 10,
    neuron: 'if',
    T,
    seed: 0,
    gradMode,
  });
  if (profiled) {
    profileLayers(net.body, 'body', profile);
    profileLayers(net.readout, 'readout', profile);
  }
  const rng = new Rng(3);
  const x = kk.alloc(B * 28 * 28);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = Int32Array.from([3, 7]);
  const logits = net.forward({ shape: [B, 28, 28, 1], data: x }, { training: true, rng });
  const { loss, grad } = crossEntropy(logits, labels, kk, net.lossGrad(logits.data.length));
  net.backward(grad);
  if (profiled) assert.ok(profile.takeStep().length > 0);
  return { loss, grads: net.params().map((p) => Array.from(p.grad)) };
}

// representation mode too: there a batch-norm block hands its conv or linear the correction as a third argument
for (const gradMode of ['exact', 'representation'] as const) {
  test(`profiling changes no number of the step: the same loss and gradients with and without it (${gradMode})`, () => {
    const plain = oneStep(reference, false, gradMode);
    const profiled = oneStep(reference, true, gradMode);
    assert.ok(Number.isFinite(plain.loss));
    assert.ok(plain.grads.some((g) => g.some((v) => v !== 0)));
    assert.equal(profiled.loss, plain.loss);
    assert.deepEqual(profiled.grads, plain.grads);
  });
}
