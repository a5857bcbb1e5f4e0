/** `train`'s final line: one line of at most 100 columns (the terminal's width when narrower), the most detail that fits. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUMMARY_MOST, summaryWidth, trainSummary } from '../../src/cli/train-summary.js';
import type { TrainResult } from '../../src/train/loop.js';

function result(o: Partial<TrainResult> = {}): TrainResult {
  const history = Array.from({ length: o.epochs ?? 2 }, (_, i) => ({
    epoch: i + 1,
    trainLoss: 0.1,
    trainAccuracy: 0.97,
    valAccuracy: 0.985,
    testAccuracy: 0.9812,
    lr: 0.1,
    seconds: 30,
  }));
  return {
    testAccuracy: 0.9812,
    lastTestAccuracy: 0.9812,
    bestEpoch: 2,
    valAccuracy: 0.985,
    selection: { by: 'validation', images: 5000, trainImages: 55000, seed: 1 },
    epochs: 2,
    T: 4,
    neuron: 'if',
    dataset: 'mnist',
    model: 'mnistnet',
    backend: 'wasm',
    threads: 2,
    secondsPerEpoch: 30,
    imagesPerSecond: 1834.4,
    peakRssMB: 300,
    history,
    firingRates: [{ layer: 'features.2', firingRate: 0.187 }],
    thresholds: [],
    synOps: 6.54e6,
    analogMacs: 0,
    annMacs: 0,
    energyJoules: 6.9e-6,
    annEnergyJoules: 2.1e-5,
    energyConstantsPJ: { accumulate: 0.9, multiplyAccumulate: 4.6 },
    config: {} as TrainResult['config'],
    ...o,
  } as TrainResult;
}

test('the default run: the line today’s second line was, within 100 columns; rates and energy are left to --json', () => {
  const line = trainSummary(result());
  assert.equal(line, 'test accuracy 98.12% | epoch 2/2 chosen on 5000 validation images (98.50%) | mnist if T=4');
  assert.ok(line.length <= SUMMARY_MOST);
  assert.doesNotMatch(line, /\n|synops|µJ|firing/);
});

test('a short run has room for the speed and the backend', () => {
  const line = trainSummary(result({ selection: { by: 'validation', images: 51, trainImages: 512, seed: 1 } }));
  assert.equal(
    line,
    'test accuracy 98.12% | epoch 2/2 chosen on 51 validation images (98.50%) | mnist if T=4 | 1834 img/s',
  );
});

test('long values (100 epochs, a long dataset and neuron, T=128) and a run without validation still fit 100 and 80 columns', () => {
  const long = result({
    epochs: 100,
    bestEpoch: 87,
    dataset: 'cifar10-dvs',
    neuron: 'cubalif',
    T: 128,
    imagesPerSecond: 123456.7,
    selection: { by: 'validation', images: 10000, trainImages: 1_000_000, seed: 1 },
  });
  for (const width of [100, 80]) {
    const line = trainSummary(long, width);
    assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
    assert.match(line, /^test accuracy 98\.12% \| epoch 87\/100.* \| cifar10-dvs cubalif T=128/);
  }
  // narrower still, the epoch goes before the dataset, neuron and T
  assert.equal(trainSummary(long, 60), 'test accuracy 98.12% | cifar10-dvs cubalif T=128');
  assert.equal(trainSummary(long, 80), 'test accuracy 98.12% | epoch 87/100, val 98.50% | cifar10-dvs cubalif T=128');
  const last = trainSummary(result({ selection: { by: 'last-epoch', trainImages: 512 }, valAccuracy: null }));
  assert.equal(last, 'test accuracy 98.12% | last epoch (no validation split) | mnist if T=4 | 1834 img/s on wasm×2');
});

test('no path reaches the line, however long the checkpoint folder', () => {
  const deep = `/home/someone/${'very-long-folder-name/'.repeat(10)}run`;
  const line = trainSummary(result({ config: { checkpointDir: deep } as TrainResult['config'] }));
  assert.ok(!line.includes('/home') && line.length <= SUMMARY_MOST);
});

test('a width narrower than the accuracy cuts that one field, marked', () => {
  assert.equal(trainSummary(result(), 12), 'test accura…');
});

test('summaryWidth: 100 in a log or a wide terminal, the terminal’s width when narrower, 80 when it does not say', () => {
  assert.equal(summaryWidth({ isTTY: false, columns: undefined }), 100);
  assert.equal(summaryWidth({ isTTY: true, columns: 200 }), 100);
  assert.equal(summaryWidth({ isTTY: true, columns: 72 }), 72);
  assert.equal(summaryWidth({ isTTY: true, columns: 0 }), 80);
});
