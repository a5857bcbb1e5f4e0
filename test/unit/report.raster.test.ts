/** The spike raster of one sample: the spikes it records are the neurons' own, counted independently. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportHtml } from '../../src/report/html.js';
import { neuronLayers, sampleRaster } from '../../src/report/raster.js';
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

test('reportHtml escapes run strings and says what is missing', () => {
  const html = reportHtml({ run: { command: 'spikerep train --x "<script>"', history: [] } });
  assert.doesNotMatch(html, /"<script>"/);
  assert.match(html, /&#60;script&#62;/);
  assert.match(html, /data-missing="history"/);
});
