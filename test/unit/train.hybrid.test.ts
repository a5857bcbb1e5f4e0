/** Hybrid training (docs/method.md §4.4): thresholds from the ANN's 99.9th-percentile activations, weights copied by name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { activationPercentiles, initFromAnn, neuronLayers } from '../../src/train/hybrid.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/rng.js';

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
  // independent computation: all activations of the same 16 images (eval mode, so batch order does not matter)
  const seen = new Map<string, number[]>(layers.map((l) => [l.opts.name, []]));
  for (const l of layers) l.observeInput = (x) => { const arr = seen.get(l.opts.name)!; for (const v of x.data) arr.push(Math.max(v, 0)); };
  const x = new Float32Array(16 * 784);
  for (let i = 0; i < 16; i++) ds.read(i, x, i * 784);
  ann.forward({ shape: [16, 28, 28, 1], data: x }, { training: false, rng: new Rng(0) });
  for (const l of layers) {
    const v = Float64Array.from(seen.get(l.opts.name)!).sort();
    const expected = v[Math.floor(0.999 * (v.length - 1))]!;
    assert.ok(Math.abs(pct.get(l.opts.name)! - expected) <= 1e-6 * Math.max(1, expected), `${l.opts.name}: ${pct.get(l.opts.name)} vs ${expected}`);
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
