/** The spike raster of one sample: the spikes it records are the neurons' own, counted independently. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { neuronLabels } from '../../src/nn/layer-labels.js';
import { reportHtml } from '../../src/report/html.js';
import { neuronLayers, sampleIndices, sampleRaster } from '../../src/report/raster.js';
import { Rng } from '../../src/rng.js';
import { randomImages, run, smallNet } from '../support/export.nir-fixtures.js';

for (const kind of ['if', 'lif'] as const) {
  test(`${kind}: per-layer spike counts equal the neurons' own counters; prediction equals the network's`, () => {
    const net = smallNet(kind);
    const x = randomImages(1, 21);
    const neurons = neuronLayers(net.body);
    assert.equal(neurons.length, 4);
    for (const n of neurons) n.startCounting();
    const r = sampleRaster(net, x, { maxShown: 16 });
    for (const n of neurons) n.stopCounting();
    assert.equal(r.layers.length, 4);
    r.layers.forEach((l, i) => {
      const counted = neurons[i]!.counted;
      assert.equal(l.neurons * r.T, counted.neuronSteps);
      const total = l.ratePerStep.reduce((a, v) => a + v * l.neurons, 0);
      assert.ok(Math.abs(total - counted.spikes) < 1e-6, `${l.layer}: ${total} vs ${counted.spikes}`);
      assert.ok(l.shown.length <= 16 && l.spikes.length === r.T);
    });
    assert.ok(
      r.layers.some((l) => l.spikes.flat().some((v) => v === 1)),
      'some spikes shown',
    );
    assert.equal(r.prediction, run(net, x, 1).pred[0]);
    for (const n of neurons) assert.equal(Object.hasOwn(n, 'forward'), false, 'the observer is removed');
  });
}

test('each lane shows a fixed seeded sample of neurons, not the most active; the output lane every class', () => {
  const net = smallNet('if');
  const a = sampleRaster(net, randomImages(1, 21), { maxShown: 16 });
  const b = sampleRaster(net, randomImages(1, 22), { maxShown: 16 });
  const c = sampleRaster(net, randomImages(1, 21), { maxShown: 16, seed: 9 });
  for (let i = 0; i < 3; i++) {
    const la = a.layers[i]!;
    assert.equal(la.output, false);
    assert.equal(la.shown.length, 16);
    assert.deepEqual(la.shown, b.layers[i]!.shown, 'the same neurons for another image');
    assert.notDeepEqual(la.shown, c.layers[i]!.shown, 'another seed, another sample');
    assert.deepEqual(
      la.shown,
      [...new Set(la.shown)].sort((x, y) => x - y),
      'distinct, in index order',
    );
    assert.ok(la.shown.every((j) => Number.isInteger(j) && j >= 0 && j < la.neurons));
  }
  const out = a.layers[3]!;
  assert.equal(out.output, true);
  assert.deepEqual(
    out.shown,
    Array.from({ length: 10 }, (_, j) => j),
  );
  // the output rate of a class: the steps its neuron fired, over T (counted here from the shown spikes)
  a.outputRates.forEach((rate, j) => {
    const fired = out.spikes.reduce((n, row) => n + row[j]!, 0);
    assert.equal(rate, fired / a.T);
    assert.ok(rate >= 0 && rate <= 1);
  });
});

test('sampleIndices: n distinct indices drawn uniformly (every index about equally often)', () => {
  const rng = new Rng(1);
  const hits = new Array<number>(20).fill(0);
  for (let r = 0; r < 2000; r++) for (const i of sampleIndices(20, 5, rng)) hits[i]!++;
  // 2000 draws of 5 of 20: 500 per index expected; binomial sd ≈ 19
  for (const h of hits) assert.ok(Math.abs(h - 500) < 100, `hits ${hits}`);
  assert.deepEqual(sampleIndices(4, 10, rng), [0, 1, 2, 3]);
});

test('layer labels name each neuron layer after the layer that feeds it', () => {
  const { net } = buildModel(reference, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 10,
    neuron: 'if',
    T: 2,
    seed: 1,
  });
  assert.deepEqual(Object.fromEntries(neuronLabels(net.body, 10)), {
    'features.2': 'conv 1 (32 ch)',
    'features.6': 'conv 2 (64 ch)',
    'classifier.2': 'fc 1 (256)',
    'classifier.5': 'output (10 classes)',
  });
  const { net: resnet } = buildModel(reference, {
    model: 'resnet18',
    input: [32, 32, 3],
    classes: 10,
    neuron: 'if',
    T: 1,
    seed: 1,
  });
  const labels = [...neuronLabels(resnet.body, 10).values()];
  assert.equal(new Set(labels).size, labels.length, 'no two layers share a label');
  assert.equal(labels.at(-1), 'output (10 classes)');
});

test('reportHtml escapes run strings and says what is missing', () => {
  const html = reportHtml({ run: { command: 'spikerep train --x "<script>"', history: [] } });
  assert.doesNotMatch(html, /"<script>"/);
  assert.match(html, /&#60;script&#62;/);
  assert.match(html, /data-missing="history"/);
});
