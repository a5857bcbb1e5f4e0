/**
 * Quantisation-aware training end to end: the tiny convnet of train.tiny.test.ts, every conv and linear on 4-bit
 * weights (per layer and per channel), learns its generated problem; the forward really runs on the grid.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Builder } from '../../src/models/builder.js';
import { neuronSpec } from '../../src/models/neurons.js';
import type { Conv2d } from '../../src/nn/conv2d.js';
import type { Linear } from '../../src/nn/linear.js';
import { countCorrect } from '../../src/nn/loss.js';
import { Network } from '../../src/nn/network.js';
import { type QuantScale, weightScales } from '../../src/nn/quant.js';
import { Sequential } from '../../src/nn/sequential.js';
import { sgd } from '../../src/optim/sgd.js';
import { Rng } from '../../src/rng.js';
import { predict, trainStep } from '../../src/train/step.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();
const S = 6;

/** Horizontal bar, vertical bar or diagonal at random positions, with noise (as train.tiny.test.ts). */
function problem(seed: number, perClass: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const n = 3 * perClass;
  const x = new Float32Array(n * S * S);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 3;
    labels[i] = cls;
    const at = rng.int(S);
    const flip = rng.uniform() < 0.5;
    for (let r = 0; r < S; r++)
      for (let c = 0; c < S; c++) {
        const on = cls === 0 ? r === at : cls === 1 ? c === at : flip ? r === c : r + c === S - 1;
        x[i * S * S + r * S + c] = (on ? 1 : 0) + 0.1 * rng.normal();
      }
  }
  return { x, labels };
}

for (const scale of ['layer', 'channel'] as QuantScale[]) {
  test(`a 4-bit (${scale} scale) tiny convnet learns its problem with the straight-through estimator`, () => {
    const spec = neuronSpec('if', { vth: 2 });
    const b = new Builder(k, new Rng(3), spec, { bits: 4, scale });
    const conv = b.conv('conv', 1, 8, 3);
    const fc = b.linear('fc', 72, 3);
    const body = new Sequential([
      conv,
      b.bn('bn1', 8),
      b.neuron('sn1'),
      b.pool(2),
      b.flatten(),
      fc,
      b.bn('bn2', 3),
      b.neuron('sn2'),
    ]);
    const net = new Network({ k, T: 4, body, readout: b.readout(), inputShape: [S, S, 1], classes: 3 });
    const params = net.params();
    const opt = sgd({ momentum: 0.9, weightDecay: 0 });
    let state = opt.init(params, k);
    const rng = new Rng(5);
    const { x, labels } = problem(11, 16);
    const batch = { x: { shape: [labels.length, S, S, 1], data: x }, labels };
    const before = Float32Array.from(k.toHost(conv.weight.value));
    let accuracy = 0;
    let steps = 0;
    for (; steps < 300 && accuracy < 1; steps++) {
      state = trainStep(net, params, opt, state, batch, 0.1, rng).state;
      if (steps % 10 === 9) accuracy = countCorrect(predict(net, batch.x, rng), labels) / labels.length;
    }
    assert.ok(accuracy >= 0.95, `training accuracy ${accuracy} after ${steps} steps`);
    assert.notDeepEqual(Float32Array.from(k.toHost(conv.weight.value)), before, 'the float weights trained');
    // what the forward runs on is on the 4-bit grid of the trained float weights
    for (const [layer, rows] of [
      [conv, 8],
      [fc, 3],
    ] as [Conv2d | Linear, number][]) {
      const wq = k.toHost(layer.forwardWeight(k));
      const scales = weightScales(k.toHost(layer.weight.value), rows, { bits: 4, scale });
      const per = wq.length / scales.length;
      for (let i = 0; i < wq.length; i++) {
        const level = wq[i]! / scales[Math.floor(i / per)]!;
        assert.ok(Math.abs(level - Math.round(level)) < 1e-3 && Math.abs(level) <= 7.001, `level ${level}`);
      }
    }
  });
}
