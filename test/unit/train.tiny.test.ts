/**
 * The end-to-end check: a tiny convolutional network (323 parameters) learns a small generated problem to
 * 100 % training accuracy with each neuron mode — DSR-IF, DSR-LIF, the BPTT baseline and the ANN of the same shape.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Builder } from '../../src/models/builder.js';
import { type NeuronChoice, neuronSpec } from '../../src/models/neurons.js';
import { countCorrect } from '../../src/nn/loss.js';
import { Network } from '../../src/nn/network.js';
import { Sequential } from '../../src/nn/sequential.js';
import { sgd } from '../../src/optim/sgd.js';
import { Rng } from '../../src/rng.js';
import { predict, trainStep } from '../../src/train/step.js';
import { testKernels } from '../support/kernels.under-test.js';

const kernels = await testKernels();

const S = 6; // 6×6 images, 3 classes: a horizontal bar, a vertical bar, a diagonal, at random positions with noise
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
    for (let r = 0; r < S; r++) {
      for (let c = 0; c < S; c++) {
        const on = cls === 0 ? r === at : cls === 1 ? c === at : flip ? r === c : r + c === S - 1;
        x[i * S * S + r * S + c] = (on ? 1 : 0) + 0.1 * rng.normal();
      }
    }
  }
  return { x, labels };
}

// Thresholds start low enough (logits in [0, 2]) that some currents exceed them and the thresholds train.
// CubaLIF's synaptic current builds up over the steps (Ī is about a third of the input at T = 4): a lower start.
const vthFor = (choice: NeuronChoice): number =>
  choice === 'cubalif' ? 0.03 : choice === 'lif' || choice === 'bptt' ? 0.1 : 2;

function tinyNet(choice: NeuronChoice, T: number): Network {
  const k = kernels;
  const spec = neuronSpec(choice, { vth: vthFor(choice) });
  const b = new Builder(k, new Rng(3), spec);
  const body = new Sequential([
    b.conv('conv', 1, 8, 3),
    b.bn('bn1', 8),
    b.neuron('sn1'),
    b.pool(2),
    b.flatten(),
    b.linear('fc', 72, 3),
    b.bn('bn2', 3),
    b.neuron('sn2'),
  ]);
  return new Network({
    k,
    T: spec.mode === 'ann' ? 1 : T,
    body,
    readout: b.readout(),
    inputShape: [S, S, 1],
    classes: 3,
  });
}

for (const choice of ['if', 'lif', 'cubalif', 'bptt', 'ann'] as const) {
  test(`tiny convnet reaches 100% training accuracy with neuron '${choice}'`, () => {
    const { x, labels } = problem(11, 16);
    const net = tinyNet(choice, 4);
    const params = net.params();
    const nParams = params.reduce((a, p) => a + p.value.length, 0);
    assert.ok(nParams > 100 && nParams < 400, `a few hundred parameters, got ${nParams}`);
    const opt = sgd({ momentum: 0.9, weightDecay: 0 });
    let state = opt.init(params, kernels);
    const rng = new Rng(5);
    const batch = { x: { shape: [labels.length, S, S, 1], data: x }, labels };
    const vths = params.filter((p) => p.role === 'threshold');
    assert.equal(vths.length, 2);
    let vthGradSeen = 0;
    let accuracy = 0;
    let steps = 0;
    for (; steps < 300 && accuracy < 1; steps++) {
      state = trainStep(net, params, opt, state, batch, 0.1, rng).state;
      vthGradSeen += Math.abs(vths[1]!.grad[0]!);
      if (steps % 10 === 9) accuracy = countCorrect(predict(net, batch.x, rng), labels) / labels.length;
    }
    assert.equal(accuracy, 1, `${choice}: training accuracy ${accuracy} after ${steps} steps`);
    // the thresholds are trained too: the output layer's received gradient and moved
    assert.ok(vthGradSeen > 0, 'the output threshold received gradient');
    assert.notEqual(vths[1]!.value[0], Math.fround(vthFor(choice)), `${vths[1]!.name} was trained`);
  });
}

test('a training step allocates nothing once shapes are stable (buffers are reused across batches)', () => {
  let allocs = 0;
  const counting = new Proxy(kernels, {
    get(target, prop, receiver) {
      if (prop === 'alloc')
        return (n: number) => {
          allocs++;
          return target.alloc(n);
        };
      return Reflect.get(target, prop, receiver);
    },
  });
  for (const choice of ['if', 'lif', 'cubalif', 'bptt', 'ann'] as const) {
    const spec = neuronSpec(choice);
    const b = new Builder(counting, new Rng(3), spec);
    const body = new Sequential([
      b.conv('c', 1, 4, 3),
      b.bn('bn', 4),
      b.neuron('sn1'),
      b.dropout(0.2),
      b.pool(2),
      b.flatten(),
      b.linear('fc', 36, 3),
      b.bn('bn2', 3),
      b.neuron('sn2'),
    ]);
    const net = new Network({
      k: counting,
      T: spec.mode === 'ann' ? 1 : 3,
      body,
      readout: b.readout(),
      inputShape: [S, S, 1],
      classes: 3,
    });
    const params = net.params();
    const opt = sgd({ momentum: 0.9 });
    let state = opt.init(params, counting);
    const { x, labels } = problem(1, 4);
    const batch = { x: { shape: [labels.length, S, S, 1], data: x }, labels };
    const rng = new Rng(2);
    for (let i = 0; i < 2; i++) state = trainStep(net, params, opt, state, batch, 0.01, rng).state;
    allocs = 0;
    state = trainStep(net, params, opt, state, batch, 0.01, rng).state;
    assert.equal(allocs, 0, `${choice}: ${allocs} allocations in a steady-state step`);
  }
});
