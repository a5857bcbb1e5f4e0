/**
 * Bench timers stop when the device has finished: device-sync.ts's `finish` on the webgpu backend returns only
 * after the GPU has run what was queued. Seen by timing: after `finish`, reading the result back costs a copy, not
 * the queued work (before the device thread waited for submitted work, `finish` returned in milliseconds and the
 * next read paid for seconds of kernels on lavapipe). Skipped with the reason where there is no adapter, except
 * under CI.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finish, settled } from '../../src/bench/device-sync.js';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import { reference } from '../../src/kernels/reference/index.js';
import { SKIP } from '../support/kernels.webgpu-setup.js';

const N = 1 << 21;
const ADDS = 12;

test('finish returns after the queued kernels have run, not when they were recorded', { skip: SKIP }, async () => {
  const k = await createKernels('webgpu');
  try {
    const a = k.alloc(N),
      c = k.alloc(N);
    for (let i = 0; i < N; i++) a[i] = i % 7;
    k.elementwise([a], c, { op: 'copy' });
    finish(k);
    // heavy enough that running it (≈ 1 s on lavapipe) dwarfs copying the result back
    const t0 = performance.now();
    for (let i = 0; i < ADDS; i++) k.elementwise([a, c], c, { op: 'add' });
    const recorded = performance.now();
    finish(k);
    const finished = performance.now();
    k.toHost(c);
    const read = performance.now();
    const finishMs = finished - recorded;
    const readMs = read - finished;
    assert.ok(
      readMs < finishMs,
      `finish took ${finishMs.toFixed(1)} ms, reading back afterwards ${readMs.toFixed(1)} ms (recording ${(recorded - t0).toFixed(1)} ms)`,
    );
    // and the work did run: c = a · (1 + ADDS), exact in float32 for these small integers
    for (const i of [0, 1, 6, N - 1]) assert.equal(c[i], (i % 7) * (1 + ADDS));
  } finally {
    disposeKernels(k);
  }
});

test('finish and settled run on a backend without a queue as plain calls', () => {
  let calls = 0;
  finish(reference);
  settled(reference, () => calls++)();
  assert.equal(calls, 1);
});
