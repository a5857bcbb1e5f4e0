/**
 * Threshold calibration from data (docs/method.md §4.5): each neuron layer's threshold becomes a percentile of its
 * input current on a few training batches, layer by layer in forward order, checked against a float64 forward of
 * a tiny network computed here; a calibrated run trains, deterministically; bad settings give one line.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reference } from '../../src/kernels/reference/index.js';
import { Builder } from '../../src/models/builder.js';
import { type NeuronChoice, neuronSpec } from '../../src/models/neurons.js';
import type { BatchNorm } from '../../src/nn/batchnorm.js';
import type { Linear } from '../../src/nn/linear.js';
import { Network } from '../../src/nn/network.js';
import { Sequential } from '../../src/nn/sequential.js';
import { neuronLayers } from '../../src/nn/walk.js';
import { Rng } from '../../src/rng.js';
import { calibrateThresholds } from '../../src/train/calibrate.js';
import {
  calibrationOf,
  DEFAULT_CALIBRATION,
  DEFAULT_CONFIG,
  type TrainConfig,
  trainConfig,
} from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { listRecipes, loadRecipe, resolveConfig } from '../../src/train/recipe.js';
import { gaussianImages } from '../support/data.fixtures.js';

const k = reference;
const IN = 4;
const HIDDEN = 6;
const CLASSES = 3;
const T = 3;
const ALPHA = 0.5;

// flatten → fc1 → bn1 → act1 → fc2 → bn2 → act2, IF or LIF, T = 3
function tinyNet(choice: NeuronChoice, seed: number): Network {
  const spec = neuronSpec(choice, { alpha: ALPHA });
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
  return new Network({ k, T, body, readout: b.readout(), inputShape: [2, 2, 1], classes: CLASSES });
}

/** Rows [R][inF] through a linear layer and a training-mode batch-norm (batch statistics, biased variance), float64. */
function linearBn(fc: Linear, bn: BatchNorm, rows: number[][]): number[][] {
  const out = fc.opts.outF;
  const z = rows.map((x) =>
    Array.from({ length: out }, (_, o) => {
      let s = fc.bias!.value[o]!;
      for (let i = 0; i < x.length; i++) s += fc.weight.value[o * x.length + i]! * x[i]!;
      return s;
    }),
  );
  return z.map((r) =>
    r.map((v, o) => {
      const col = z.map((q) => q[o]!);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
      return ((v - mean) / Math.sqrt(variance + 1e-5)) * bn.weight.value[o]! + bn.bias.value[o]!;
    }),
  );
}

/** IF spikes (Vth high) of currents[t][b][n] over the T steps, float64 (docs/method.md §1.1). */
function ifSpikes(currents: number[][][], vth: number): number[][][] {
  const u = currents[0]!.map((r) => r.map(() => 0));
  return currents.map((step) =>
    step.map((r, b) =>
      r.map((x, n) => {
        u[b]![n]! += x;
        const fire = u[b]![n]! >= ALPHA * vth;
        if (fire) u[b]![n]! -= vth;
        return fire ? vth : 0;
      }),
    ),
  );
}

/** The percentile as the nearest rank: sorted max(x, 0) in float64, element ⌊p/100·N⌋ (the last for p = 100). */
function percentile(values: number[], p: number): number {
  const v = values.map((x) => Math.max(x, 0)).sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));

test('calibrated IF thresholds are the percentile of each layer input current, layer 2 given layer 1 new threshold', () => {
  const ds = gaussianImages(60, 2);
  const net = tinyNet('if', 3);
  const seq = net.body as Sequential;
  const [fc1, bn1, , fc2, bn2] = [1, 2, 3, 4, 5].map((i) => seq.layers[i]) as [
    Linear,
    BatchNorm,
    unknown,
    Linear,
    BatchNorm,
  ];
  const runningBefore = [...bn1.runningMean, ...bn1.runningVar, ...bn2.runningMean, ...bn2.runningVar];
  // one batch of the whole set: the shuffle does not change the batch statistics or the percentile
  const set = calibrateThresholds(k, net, ds, { percentile: 90, batches: 1, batchSize: 60, seed: 1 });
  assert.deepEqual([...set.keys()], ['act1', 'act2'], 'every neuron layer, in forward order');

  const images = Array.from({ length: ds.length }, (_, i) => {
    const x = new Float32Array(IN);
    ds.read(i, x, 0);
    return [...x];
  });
  const c1 = linearBn(fc1, bn1, images);
  const vth1 = percentile(Array<number[][]>(T).fill(c1).flat(2), 90);
  const s1 = ifSpikes(Array<number[][]>(T).fill(c1), Math.fround(vth1));
  // layer 2's batch-norm sees the T·B rows of layer 1's spikes under its calibrated threshold
  const c2 = linearBn(fc2, bn2, s1.flat(1));
  const vth2 = percentile(c2.flat(), 90);
  assert.ok(close(set.get('act1')!, vth1), `act1: ${set.get('act1')} vs ${vth1}`);
  assert.ok(close(set.get('act2')!, vth2), `act2: ${set.get('act2')} vs ${vth2}`);
  // against the other order (layer 2 measured under layer 1's initial threshold of 6) the answer differs
  const c2Initial = linearBn(fc2, bn2, ifSpikes(Array<number[][]>(T).fill(c1), 6).flat(1));
  assert.ok(!close(percentile(c2Initial.flat(), 90), vth2), 'layer 2 depends on layer 1 calibration');

  const layers = neuronLayers(net.body);
  assert.deepEqual(
    layers.map((l) => l.vth.value[0]),
    [Math.fround(set.get('act1')!), Math.fround(set.get('act2')!)],
  );
  for (const l of layers) assert.equal(l.observeInput, null, 'hooks removed afterwards');
  assert.deepEqual(
    [...bn1.runningMean, ...bn1.runningVar, ...bn2.runningMean, ...bn2.runningVar],
    runningBefore,
    'running statistics unchanged',
  );
});

test('LIF thresholds are the percentile times Δt; 100 is the maximum; the bound holds', () => {
  const ds = gaussianImages(40, 2);
  const net = tinyNet('lif', 3);
  const seq = net.body as Sequential;
  const [fc1, bn1] = [1, 2].map((i) => seq.layers[i]) as [Linear, BatchNorm];
  const set = calibrateThresholds(k, net, ds, { percentile: 100, batches: 1, batchSize: 40, seed: 1 });
  const c1 = linearBn(
    fc1,
    bn1,
    Array.from({ length: 40 }, (_, i) => {
      const x = new Float32Array(IN);
      ds.read(i, x, 0);
      return [...x];
    }),
  );
  const config = neuronLayers(net.body)[0]!.opts.config;
  assert.ok(config.kind === 'lif');
  const dt = config.dt;
  assert.ok(close(set.get('act1')!, Math.max(...c1.flat()) * dt), `${set.get('act1')}`);

  // currents far below the bound: every layer gets the bound
  const tiny = gaussianImages(40, 1e-12);
  const quiet = tinyNet('if', 4);
  for (const l of quiet.params()) if (l.role !== 'threshold') l.value.fill(1e-9);
  const bounded = calibrateThresholds(k, quiet, tiny, { percentile: 99, batches: 1, batchSize: 40, seed: 1 });
  const bound = neuronLayers(quiet.body)[0]!.opts.config.vthBound;
  assert.deepEqual(
    [...bounded],
    [
      ['act1', bound],
      ['act2', bound],
    ],
  );
});

const small: TrainConfig = {
  ...DEFAULT_CONFIG,
  trainLimit: 64,
  testLimit: 32,
  batchSize: 32,
  testBatchSize: 64,
  T: 2,
  epochs: 1,
  warmupIters: 0,
  backend: 'reference',
  calibrateVth: 99.9,
  calibrateBatches: 2,
};

test('a calibrated MNIST run trains, records its thresholds in order and is deterministic for a seed', async () => {
  const a = await train(k, small);
  const b = await train(k, small);
  assert.ok(a.calibration !== undefined);
  assert.equal(a.calibration.percentile, 99.9);
  assert.equal(a.calibration.batches, 2);
  const names = Object.keys(a.calibration.thresholds);
  assert.deepEqual(names, ['features.2', 'features.6', 'classifier.2', 'classifier.5'], 'forward order');
  for (const v of Object.values(a.calibration.thresholds)) assert.ok(v > 0 && v !== 6, `calibrated, got ${v}`);
  assert.deepEqual(a.calibration, b.calibration);
  assert.deepEqual(
    a.history,
    b.history.map((h, i) => ({ ...h, seconds: a.history[i]!.seconds })),
  );
  assert.ok(Number.isFinite(a.history[0]!.trainLoss));
});

test('bad calibration settings give one line naming the setting', () => {
  for (const [over, message] of [
    [{ calibrateVth: -1 }, /^calibrateVth: percentile must be in \[0, 100\], got -1$/],
    [{ calibrateVth: 100.5 }, /^calibrateVth: percentile must be in \[0, 100\], got 100.5$/],
    [{ calibrateBatches: 0 }, /^calibrateBatches: must be an integer ≥ 1, got 0$/],
    [{ calibrateVth: 99, hybridAnnEpochs: 1 }, /both set the thresholds/],
    [{ calibrateVth: 99, neuron: 'relu' }, /no threshold to calibrate/],
    [{ calibrateVth: 99, vth: 2 }, /^calibrateVth: `calibrateVth` and `vth` both set the initial thresholds: use one$/],
  ] as const) {
    assert.throws(
      () => trainConfig(over as Partial<TrainConfig>),
      (e: Error) => {
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});

test('unset, calibration takes the default percentile unless the thresholds come from elsewhere; 0 turns it off', () => {
  const of = (over: Partial<TrainConfig>): number | undefined => calibrationOf(trainConfig(over));
  assert.equal(of({}), DEFAULT_CALIBRATION);
  assert.equal(of({ neuron: 'lif' }), DEFAULT_CALIBRATION);
  assert.equal(of({ vth: 2 }), undefined, 'a threshold given is kept');
  assert.equal(of({ hybridAnnEpochs: 1 }), undefined, "hybrid training's ANN sets them");
  assert.equal(of({ neuron: 'relu' }), undefined, 'nothing to calibrate');
  assert.equal(of({ calibrateVth: 0 }), undefined);
  assert.equal(of({ calibrateVth: 99.9 }), 99.9);
  for (const name of listRecipes()) assert.equal(calibrationOf(resolveConfig(loadRecipe(name))), undefined, name);
});
