/**
 * The training loop on real MNIST files: a short run learns (accuracy asserted), the same seed gives bit-identical
 * weights and metrics, and a run resumed from its checkpoint ends exactly where an uninterrupted run does.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';

const small: TrainConfig = {
  ...DEFAULT_CONFIG,
  trainLimit: 96,
  testLimit: 64,
  batchSize: 32,
  testBatchSize: 64,
  T: 2,
  epochs: 1,
  warmupIters: 0,
  backend: 'reference',
};

test('a short MNIST run (250 steps) learns: test accuracy above 90 %', async () => {
  const k = await createKernels('wasm');
  try {
    const r = await train(k, { ...DEFAULT_CONFIG, trainLimit: 8000, testLimit: 1000, batchSize: 32, T: 4, epochs: 1 });
    assert.ok(r.testAccuracy > 0.9, `test accuracy ${r.testAccuracy}`);
    assert.equal(r.firingRates.length, 4);
    for (const f of r.firingRates) assert.ok(f.firingRate > 0 && f.firingRate < 1, `${f.layer} rate ${f.firingRate}`);
    assert.ok(r.synOps > 0 && r.energyJoules > 0 && r.energyJoules < r.annEnergyJoules);
  } finally {
    disposeKernels(k);
  }
});

test('same seed, same backend: bit-identical weights and metrics (reference and wasm)', async () => {
  for (const backend of ['reference', 'wasm'] as const) {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'spikerep-det-'));
      const k = await createKernels(backend);
      try {
        const r = await train(k, { ...small, backend, checkpointDir: dir });
        runs.push({ r, weights: loadCheckpoint(join(dir, 'last.ckpt')).tensors });
      } finally {
        disposeKernels(k);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const [a, b] = runs;
    assert.deepEqual(
      a!.r.history.map((h) => [h.trainLoss, h.testAccuracy]),
      b!.r.history.map((h) => [h.trainLoss, h.testAccuracy]),
    );
    assert.deepEqual(a!.r.firingRates, b!.r.firingRates);
    assert.equal(a!.weights.size, b!.weights.size);
    for (const [name, v] of a!.weights) assert.deepEqual(v, b!.weights.get(name), `${backend}: ${name} differs`);
  }
});

test('a run killed after epoch 1 and resumed from last.ckpt ends exactly where an uninterrupted run ends', async () => {
  const once = mkdtempSync(join(tmpdir(), 'spikerep-once-'));
  const twice = mkdtempSync(join(tmpdir(), 'spikerep-twice-'));
  const k = await createKernels('wasm');
  try {
    const cfg = { ...small, backend: 'wasm' as const, epochs: 2 };
    await train(k, { ...cfg, checkpointDir: once });
    const killAfterFirst = {
      onEpoch: (r: { epoch: number }) => {
        if (r.epoch === 1) throw new Error('killed');
      },
    };
    await assert.rejects(train(k, { ...cfg, checkpointDir: twice }, killAfterFirst), /killed/);
    assert.ok(existsSync(join(twice, 'last.ckpt')));
    const resumed = await train(k, { ...cfg, checkpointDir: twice, resume: true });
    assert.equal(resumed.history.length, 2);
    const a = loadCheckpoint(join(once, 'last.ckpt')).tensors;
    const b = loadCheckpoint(join(twice, 'last.ckpt')).tensors;
    assert.equal(a.size, b.size);
    for (const [name, v] of a) assert.deepEqual(v, b.get(name), `${name} differs after resume`);
  } finally {
    disposeKernels(k);
    rmSync(once, { recursive: true, force: true });
    rmSync(twice, { recursive: true, force: true });
  }
});

test('the kept epoch is chosen on validation images held out of the training set; a run stopped after an epoch resumes to the same end', async () => {
  const whole = mkdtempSync(join(tmpdir(), 'spikerep-val-'));
  const staged = mkdtempSync(join(tmpdir(), 'spikerep-stop-'));
  const k = await createKernels('wasm');
  try {
    const cfg = { ...small, backend: 'wasm' as const, epochs: 3, valSplit: 64, schedule: 'cosine-step' as const };
    const r = await train(k, { ...cfg, checkpointDir: whole });
    assert.deepEqual(r.selection, { by: 'validation', images: 64, trainImages: 96, seed: 1 });
    const vals = r.history.map((h) => h.valAccuracy!);
    assert.ok(
      vals.every((v) => v >= 0 && v <= 1 && Number.isInteger(v * 64)),
      `accuracies on 64 images: ${vals}`,
    );
    assert.equal(r.bestEpoch, vals.indexOf(Math.max(...vals)) + 1, 'the first epoch with the best validation accuracy');
    assert.equal(r.valAccuracy, Math.max(...vals));
    assert.equal(r.testAccuracy, r.history[r.bestEpoch - 1]!.testAccuracy, 'the reported test accuracy is its epoch’s');
    assert.equal(r.lastTestAccuracy, r.history[2]!.testAccuracy);
    const best = loadCheckpoint<{ run: { epoch: number } }>(join(whole, 'best.ckpt')).meta.run;
    assert.equal(best.epoch, r.bestEpoch, 'best.ckpt holds the epoch validation chose');

    const first = await train(k, { ...cfg, checkpointDir: staged }, { stopAfter: 1 });
    assert.equal(first.history.length, 1, 'stopped after one epoch');
    const rest = await train(k, { ...cfg, checkpointDir: staged, resume: true });
    assert.deepEqual(
      rest.history.map((h) => ({ ...h, seconds: 0 })),
      r.history.map((h) => ({ ...h, seconds: 0 })),
    );
    const a = loadCheckpoint(join(whole, 'last.ckpt')).tensors;
    const b = loadCheckpoint(join(staged, 'last.ckpt')).tensors;
    for (const [name, v] of a) assert.deepEqual(v, b.get(name), `${name} differs after stop and resume`);

    const none = await train(k, { ...cfg, epochs: 1, valSplit: 0 });
    assert.deepEqual(none.selection, { by: 'last-epoch', trainImages: 96 });
    assert.equal(none.history[0]!.valAccuracy, null);
  } finally {
    disposeKernels(k);
    rmSync(whole, { recursive: true, force: true });
    rmSync(staged, { recursive: true, force: true });
  }
});

test('hybrid training: a ReLU-ANN epoch first learns, then the SNN starts from its weights and percentile thresholds and learns', async () => {
  const k = await createKernels('wasm');
  try {
    // 1024 images: 4 ANN steps (batch 256, lr 0.1), then 32 SNN steps; chance is 10 %
    const r = await train(k, { ...small, backend: 'wasm', trainLimit: 1024, testLimit: 256, hybridAnnEpochs: 1 });
    assert.ok(r.hybrid !== undefined);
    assert.ok(r.hybrid.annTestAccuracy > 0.5, `ANN test accuracy ${r.hybrid.annTestAccuracy}`);
    assert.ok(r.testAccuracy > 0.5, `SNN test accuracy ${r.testAccuracy}`);
    const set = Object.entries(r.hybrid.thresholds);
    assert.ok(set.length >= 3, `thresholds set: ${set.length}`);
    for (const [, v] of set) assert.ok(v > 0.01 && v < 6, `threshold ${v} comes from activations, not the default 6`);
  } finally {
    disposeKernels(k);
  }
});
