/**
 * Hybrid training (docs/method.md §4.4): the ANN it pre-trains is a ReLU network trained with the reference's ANN settings,
 * thresholds come from the 99.9th percentile of that ANN's activations, weights are copied by name.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { reference } from '../../src/kernels/reference/index.js';
import { Builder } from '../../src/models/builder.js';
import { buildModel } from '../../src/models/index.js';
import { type NeuronChoice, neuronSpec } from '../../src/models/neurons.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import type { Linear } from '../../src/nn/linear.js';
import { Network } from '../../src/nn/network.js';
import { trainMode } from '../../src/nn/run-mode.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/rng.js';
import { tensor } from '../../src/tensor.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { activationPercentiles, hybridWarmStart, initFromAnn, neuronLayers } from '../../src/train/hybrid.js';
import { makeProgress } from '../../src/train/progress.js';
import { gaussianImages } from '../support/data.fixtures.js';

const k = reference;

test("the hybrid ANN's activation is ReLU: values above Vth pass unclamped, the gradient passes where x > 0", () => {
  const { net, spec } = buildModel(k, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 2,
    neuron: 'relu',
    T: 4,
    seed: 2,
  });
  assert.equal(spec.mode, 'relu');
  assert.equal(net.T, 1, 'an ANN runs one step');
  const layer = new Builder(k, new Rng(0), neuronSpec('relu')).neuron('act');
  assert.equal(layer.vth.value[0], 6, 'the threshold it would have as an IF neuron');
  const x = [-2, -0.5, 0, 0.25, 5.5, 6, 7.5, 100];
  const ctx = { k, T: 1, batch: 1, rng: new Rng(0), mode: trainMode(1) };
  const y = layer.forward(tensor([1, x.length], Float32Array.from(x)), ctx);
  assert.deepEqual([...y.data], [0, 0, 0, 0.25, 5.5, 6, 7.5, 100]);
  const dy = [1, 2, 3, 4, 5, 6, 7, 8];
  const dx = layer.backward(tensor([1, x.length], Float32Array.from(dy)), ctx);
  assert.deepEqual([...dx.data], [0, 0, 0, 4, 5, 6, 7, 8], 'ReLU backward: 1 where x > 0, also above Vth');
  assert.deepEqual(layer.params(), [], 'a ReLU has no threshold to train');
  assert.equal(layer.vth.grad[0], 0);
});

// A two-layer ANN whose activations the test can compute on its own: flatten → fc1 → bn1 → act1 → fc2 → bn2 → act2.
const IN = 4;
const HIDDEN = 6;
const CLASSES = 3;

function tinyNet(choice: NeuronChoice, seed: number): Network {
  const spec = neuronSpec(choice);
  const b = new Builder(k, new Rng(seed), spec);
  const body = new Sequential([
    b.flatten(),
    b.linear('fc1', IN, HIDDEN),
    b.bn('bn1', HIDDEN),
    b.neuron('act1'),
    b.linear('fc2', HIDDEN, CLASSES),
    b.bn('bn2', CLASSES),
    b.neuron('act2'),
  ]);
  const T = spec.mode === 'relu' || spec.mode === 'ann' ? 1 : 2;
  return new Network({ k, T, body, readout: b.readout(), inputShape: [2, 2, 1], classes: CLASSES });
}

/** Gives the batch-norms running statistics and affine parameters far from the identity (eval mode uses them). */
function perturbBatchNorms(net: Network, seed: number): void {
  const rng = new Rng(seed);
  const visit = (l: unknown): void => {
    if (l instanceof Sequential) l.layers.forEach(visit);
    if (l instanceof BatchNorm) {
      for (let c = 0; c < l.runningMean.length; c++) {
        l.runningMean[c] = rng.normal();
        l.runningVar[c] = 0.5 + rng.uniform();
        l.weight.value[c] = 1 + rng.uniform();
        l.bias.value[c] = 0.5 * rng.normal();
      }
    }
  };
  visit(net.body);
}

/** Float64 forward of the tiny ReLU ANN in eval mode: every value each neuron layer receives, relu'd, per layer. */
function reluActivations(net: Network, ds: Dataset): Map<string, number[]> {
  const seq = net.body as Sequential;
  const [fc1, bn1, , fc2, bn2] = [1, 2, 3, 4, 5].map((i) => seq.layers[i]) as [
    Linear,
    BatchNorm,
    unknown,
    Linear,
    BatchNorm,
  ];
  const affine = (fc: Linear, bn: BatchNorm, x: number[]): number[] => {
    const out = fc.opts.outF;
    return Array.from({ length: out }, (_, o) => {
      let z = fc.bias!.value[o]!;
      for (let i = 0; i < x.length; i++) z += fc.weight.value[o * x.length + i]! * x[i]!;
      return ((z - bn.runningMean[o]!) / Math.sqrt(bn.runningVar[o]! + 1e-5)) * bn.weight.value[o]! + bn.bias.value[o]!;
    });
  };
  const relu = (v: number[]): number[] => v.map((a) => Math.max(a, 0));
  const acts = new Map<string, number[]>([
    ['act1', []],
    ['act2', []],
  ]);
  const x = new Float32Array(IN);
  for (let s = 0; s < ds.length; s++) {
    ds.read(s, x, 0);
    const a1 = relu(affine(fc1, bn1, [...x]));
    const a2 = relu(affine(fc2, bn2, a1));
    acts.get('act1')!.push(...a1);
    acts.get('act2')!.push(...a2);
  }
  return acts;
}

/** The q-quantile as the smallest value v with more than q·N of the values ≤ v (counted, not indexed). */
function quantile(values: number[], q: number): number {
  let best = Infinity;
  for (const v of values) {
    if (v >= best) continue;
    let atMost = 0;
    for (const w of values) if (w <= v) atMost++;
    if (atMost > q * values.length) best = v;
  }
  return best;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

test('percentiles are the 99.9th quantile of the ReLU ANN activations, per neuron layer', () => {
  const ann = tinyNet('relu', 2);
  perturbBatchNorms(ann, 9);
  const ds = gaussianImages(500, 4); // 3000 and 1500 values: the quantile is not simply the maximum
  const pct = activationPercentiles(k, ann, ds, { batches: 5, batchSize: 100, fraction: 0.999, seed: 1 });
  assert.deepEqual([...pct.keys()], ['act1', 'act2']);
  for (const l of neuronLayers(ann.body)) assert.equal(l.observeInput, null, 'hooks removed afterwards');
  for (const [name, values] of reluActivations(ann, ds)) {
    const expected = quantile(values, 0.999);
    assert.ok(expected > 0 && expected < Math.max(...values), `${name}: a quantile inside the range`);
    assert.ok(close(pct.get(name)!, expected), `${name}: ${pct.get(name)} vs ${expected}`);
  }
});

test("hybridWarmStart trains the ReLU ANN with the reference's ANN settings and sets thresholds from its activations", async () => {
  const ds = gaussianImages(500, 4);
  const cfg: TrainConfig = {
    ...DEFAULT_CONFIG,
    neuron: 'if',
    hybridAnnEpochs: 3,
    batchSize: 100,
    lr: 0.05,
    optimizer: 'adam',
    weightDecay: 0,
    seed: 4,
  };
  const snn = tinyNet('if', 7);
  let annCfg: TrainConfig | undefined;
  let ann: Network | undefined;
  // the training loop stands in: it builds the network the config names and hands it over untrained
  const trainFn = async (_k: unknown, c: TrainConfig, hooks: { onFinish: (n: Network) => void }) => {
    annCfg = c;
    ann = tinyNet(c.neuron, 2);
    perturbBatchNorms(ann, 9);
    hooks.onFinish(ann);
    return { testAccuracy: 0.5 };
  };
  const r = await hybridWarmStart(k, cfg, snn, ds, makeProgress({ quiet: true }), trainFn);
  assert.ok(annCfg !== undefined && ann !== undefined);
  assert.deepEqual(
    {
      neuron: annCfg.neuron,
      epochs: annCfg.epochs,
      optimizer: annCfg.optimizer,
      momentum: annCfg.momentum,
      lr: annCfg.lr,
      weightDecay: annCfg.weightDecay,
      batchSize: annCfg.batchSize,
      hybridAnnEpochs: annCfg.hybridAnnEpochs,
    },
    {
      neuron: 'relu',
      epochs: 3,
      optimizer: 'sgd',
      momentum: 0.9,
      lr: 0.1,
      weightDecay: 1e-4,
      batchSize: 256,
      hybridAnnEpochs: 0,
    },
  );
  assert.equal(r.annTestAccuracy, 0.5);
  // 5 batches of the SNN's 100 cover all 500 images, so the thresholds are the quantiles over the whole set
  const acts = reluActivations(ann, ds);
  assert.ok(
    acts.get('act1')!.some((v) => v > 6),
    'some activations exceed the IF default Vth, which a clamp would cut',
  );
  for (const [name, values] of acts) {
    const expected = quantile(values, 0.999);
    assert.ok(close(r.thresholds[name]!, expected), `${name}: ${r.thresholds[name]} vs ${expected}`);
    const vth = snn.params().find((p) => p.name === `${name}.vth`)!;
    assert.equal(vth.value[0], Math.fround(r.thresholds[name]!));
  }
  const annParams = new Map(ann.params().map((p) => [p.name, p.value]));
  for (const p of snn.params()) if (p.role !== 'threshold') assert.deepEqual(p.value, annParams.get(p.name), p.name);
});

test('initFromAnn copies weights and BN statistics by name and sets Vth (×Δt for LIF, never below the bound)', () => {
  const { net: ann } = buildModel(k, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 2,
    neuron: 'relu',
    T: 1,
    seed: 2,
  });
  const { net: snn } = buildModel(k, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 2,
    neuron: 'lif',
    T: 4,
    seed: 7,
  });
  const pct = new Map([
    ['features.2', 2.5],
    ['features.6', 4],
    ['classifier.2', 1e-9],
    ['classifier.5', 3],
  ]);
  const set = initFromAnn(snn, ann, pct);
  const annParams = new Map(ann.params().map((p) => [p.name, p.value]));
  for (const p of snn.params()) {
    if (p.role !== 'threshold') assert.deepEqual(p.value, annParams.get(p.name), p.name);
  }
  assert.ok(Math.abs(set.get('features.2')! - 2.5 * 0.05) < 1e-12);
  assert.ok(Math.abs(set.get('features.6')! - 4 * 0.05) < 1e-12);
  assert.equal(set.get('classifier.2'), 0.0005, 'clamped to the LIF bound');
  const vth = snn.params().find((p) => p.name === 'features.2.vth')!;
  assert.equal(vth.value[0], Math.fround(0.125));
});
