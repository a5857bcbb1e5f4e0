/**
 * Accuracy against T of one network: the sweep gives, at every T, the accuracy of a network built at that T from
 * the checkpoint's weights and evaluated here batch by batch; the smallest-T rule on hand-made numbers; the
 * sweep syntax and its one-line errors.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { subset } from '../../src/data/dataset.js';
import { openDataset } from '../../src/data/registry.js';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { networkTensors } from '../../src/nn/host-access.js';
import { countCorrect } from '../../src/nn/loss.js';
import { Rng } from '../../src/rng.js';
import { tensor } from '../../src/tensor.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import {
  defaultSweep,
  parseTSweep,
  smallestTSentence,
  smallestTWithin,
  sweepValues,
} from '../../src/train/smallest-t.js';
import { modelFromCheckpoint } from '../../src/train/state.js';
import { predict } from '../../src/train/step.js';
import { accuracyAgainstT } from '../../src/train/t-sweep.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const k = reference;

test('the sweep equals evaluating, at each T, a network built at that T from the checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-tsweep-'));
  try {
    // an MNIST network whose batch-norms make every layer spike (test/support/serve.fixture.ts), trained at T = 2
    const { path, config } = fixtureCheckpoint(dir, 'lif', 2);
    const { net: trained } = modelFromCheckpoint(k, path);
    const images = subset(await openDataset('mnist', 'test', { normalize: true }), 48);
    const points = accuracyAgainstT(k, trained, config, images, [1, 3, 4]);
    assert.deepEqual(
      points.map((p) => p.T),
      [1, 2, 3, 4],
      'the trained T joins the sweep',
    );
    const saved = loadCheckpoint(path).tensors;
    const x = new Float32Array(48 * 784);
    for (let i = 0; i < 48; i++) images.read(i, x, i * 784);
    const labels = Int32Array.from({ length: 48 }, (_, i) => images.label(i));
    for (const p of points) {
      const { net } = buildModel(k, {
        model: 'mnistnet',
        input: [28, 28, 1],
        classes: 10,
        neuron: config.neuron,
        T: p.T,
        seed: 9,
      });
      for (const t of networkTensors(net)) t.value.set(saved.get(t.name)!);
      const correct = countCorrect(predict(net, tensor([48, 28, 28, 1], x), new Rng(0)), labels);
      assert.equal(p.accuracy, correct / 48, `T = ${p.T}`);
      assert.equal(p.samples, 48);
      assert.ok(p.synOps >= 0 && p.energyJoules > 0, `T = ${p.T}: synaptic operations and energy`);
    }
    assert.ok(points[0]!.synOps < points[3]!.synOps, 'more steps, more spikes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('smallest T within a tolerance of the trained T, on hand-made accuracies', () => {
  const pts = [0.9, 0.974, 0.975, 0.98, 0.986, 0.9795].map((accuracy, i) => ({ T: i + 1, accuracy }));
  assert.equal(smallestTWithin(pts, 4, 0.5), 3, '97.5 is exactly 0.5 pp below 98.0: within');
  assert.equal(smallestTWithin(pts, 4, 0.6), 2);
  assert.equal(smallestTWithin(pts, 4, 0), 4, 'no tolerance: the trained T itself');
  assert.equal(smallestTWithin(pts, 6, 0.5), 3, 'higher accuracy than the trained T counts as within');
  assert.equal(smallestTWithin(pts, 5, 0.5), 5, 'the best accuracy: nothing smaller is within');
  assert.equal(smallestTWithin(pts, 7, 0.5), undefined, 'trained T not swept');
  assert.equal(
    smallestTSentence(pts, 4, 0.5),
    "smallest T within 0.5 pp of the trained T's accuracy (T = 4, 98.00 %): T = 3",
  );
  // non-monotone: the smallest qualifying T, even if a larger one falls outside
  const noisy = [0.97, 0.95, 0.97].map((accuracy, i) => ({ T: i + 1, accuracy }));
  assert.equal(smallestTWithin(noisy, 3, 0.5), 1);
});

test('sweep syntax: lists, ranges, the default 1 … 2T, the trained T always in', () => {
  assert.deepEqual(parseTSweep('1,2,4,8', '--t-sweep'), [1, 2, 4, 8]);
  assert.deepEqual(
    parseTSweep('1-16', '--t-sweep'),
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  assert.deepEqual(parseTSweep(' 8, 1-3 ,2', '--t-sweep'), [1, 2, 3, 8]);
  assert.deepEqual(defaultSweep(4), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(sweepValues([8, 1], 4), [1, 4, 8]);
  for (const bad of ['0', 'x', '', '3-1', '1,,2', '1.5', '-1', '0-4', '1-100000']) {
    assert.throws(
      () => parseTSweep(bad, '--t-sweep'),
      (e: Error) =>
        e.message === `--t-sweep: expected T values ≥ 1 as a list (1,2,4,8) or a range (1-16), got '${bad}'` &&
        !e.message.includes('\n'),
      bad,
    );
  }
});
