/** Hybrid training (spec §4.4): thresholds from the ANN's 99.9th-percentile activations, weights copied by name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { activationPercentiles, initFromAnn, neuronLayers } from '../../src/train/hybrid.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/rng.js';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import type { Sequential } from '../../src/nn/sequential.js';
import type { Tensor } from '../../src/tensor.js';

function randomImages(n: number): Dataset {
  const rng = new Rng(3);
  const data = new Float32Array(n * 28 * 28).map(() => rng.normal());
  return {
    name: 'noise', length: n, sampleShape: [28, 28, 1], classes: ['a', 'b'], stats: undefined, normalized: true,
    label: (i) => i % 2,
    read: (i, out, o) => out.set(data.subarray(i * 784, (i + 1) * 784), o),
  };
}

test('percentiles are the 99.9th quantile of relu(pre-activation), per neuron layer', () => {
  const { net: ann } = buildModel(reference, { model: 'mnistnet', input: [28, 28, 1], classes: 2, neuron: 'ann', T: 1, seed: 2 });
  const ds = randomImages(16);
  const layers = neuronLayers(ann.body);
  const pct = activationPercentiles(reference, ann, ds, { batches: 2, batchSize: 8, fraction: 0.999, seed: 1 });
  assert.deepEqual([...pct.keys()], layers.map((l) => l.opts.name));
  for (const l of layers) assert.equal(l.observeInput, null, 'hooks removed afterwards');
  // Independent computation, without the hook: walk the layers by hand in eval mode (T = 1, so batch order does not
  // matter) and keep relu of each neuron layer's input; then check the returned value's rank by counting, not sorting.
  const seen = new Map<string, Float32Array>();
  const x = new Float32Array(16 * 784);
  for (let i = 0; i < 16; i++) ds.read(i, x, i * 784);
  const ctx = { k: reference, T: 1, batch: 16, training: false, rng: new Rng(0) };
  let h: Tensor = { shape: [16, 28, 28, 1], data: x };
  for (const l of (ann.body as Sequential).layers) {
    if (l instanceof SpikingNeuron) seen.set(l.opts.name, h.data.map((v) => Math.max(v, 0)));
    h = l.forward(h, ctx);
  }
  assert.deepEqual([...seen.keys()], [...pct.keys()]);
  for (const [name, values] of seen) {
    // the order statistic of rank floor(0.999·(n − 1)) (0-based): fewer values lie below it, more at or below it
    const rank = Math.floor(0.999 * (values.length - 1));
    const p = pct.get(name)!;
    let below = 0;
    let atOrBelow = 0;
    for (const v of values) {
      if (v < p) below++;
      if (v <= p) atOrBelow++;
    }
    assert.ok(below <= rank && rank < atOrBelow, `${name}: ${p} has ${below} values below and ${atOrBelow} at or below, rank ${rank} of ${values.length}`);
  }
  assert.ok(pct.get('features.2')! > 0);
});

test('initFromAnn copies weights and BN statistics by name and sets Vth (×Δt for LIF, never below the bound)', () => {
  const { net: ann } = buildModel(reference, { model: 'mnistnet', input: [28, 28, 1], classes: 2, neuron: 'ann', T: 1, seed: 2 });
  const { net: snn } = buildModel(reference, { model: 'mnistnet', input: [28, 28, 1], classes: 2, neuron: 'lif', T: 4, seed: 7 });
  const pct = new Map([['features.2', 2.5], ['features.6', 4], ['classifier.2', 1e-9], ['classifier.5', 3]]);
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
