/**
 * A short MNIST training on the webgpu backend reaches the wasm backend's test accuracy on the same seed, within
 * 0.3 percentage points: the same data order, initial weights and recipe, with float32 sums in another order (so
 * a few spikes flip and the runs drift apart slightly). Skipped with the reason where there is no WebGPU adapter,
 * never under CI. On lavapipe (a software adapter) it takes about a minute.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { SKIP } from '../support/kernels.webgpu-setup.js';

const run: TrainConfig = {
  ...DEFAULT_CONFIG,
  trainLimit: 1024,
  testLimit: 2000,
  batchSize: 64,
  testBatchSize: 500,
  T: 2,
  epochs: 1,
  warmupIters: 0,
};

test('a short MNIST run on webgpu matches wasm on the same seed within 0.3 pp', { skip: SKIP }, async () => {
  const accuracy: Record<string, number> = {};
  for (const backend of ['wasm', 'webgpu'] as const) {
    const k = await createKernels(backend);
    try {
      const r = await train(k, { ...run, backend });
      accuracy[backend] = r.testAccuracy;
    } finally {
      disposeKernels(k);
    }
  }
  const { wasm, webgpu } = accuracy as { wasm: number; webgpu: number };
  assert.ok(wasm > 0.8, `wasm learned: ${wasm}`);
  assert.ok(Math.abs(webgpu - wasm) <= 0.003, `webgpu ${webgpu} vs wasm ${wasm}`);
});
