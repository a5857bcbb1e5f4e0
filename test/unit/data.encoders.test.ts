import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode, encodeDirect, encodeFrames, encodeLatency, encodeRate, latencyStep } from '../../src/data/encoders.js';
import { denormalize, normalizeInPlace } from '../../src/data/transforms.js';
import { Rng } from '../../src/rng.js';
import { rejects } from '../support/data.fixtures.js';

const stats = { mean: [0.25, 0.5], std: [0.5, 0.25] };

test('direct: every step is the batch, time-major, and it says it is time-constant', () => {
  const x = Float32Array.from({ length: 2 * 2 * 1 * 2 }, (_, i) => i / 8 - 0.3);
  const e = encodeDirect(x, [2, 2, 1, 2], 3);
  assert.deepEqual(e.input.shape, [6, 2, 1, 2]);
  assert.equal(e.timeConstant, true);
  assert.deepEqual(e.frame!.shape, [2, 2, 1, 2]);
  for (let t = 0; t < 3; t++) assert.deepEqual(e.input.data.subarray(t * 8, t * 8 + 8), x);
  assert.equal(encode('direct', x, [2, 2, 1, 2], { T: 3 }).input.data.length, 24);
  rejects(() => encodeDirect(x, [2, 2, 1, 2], 0), 'E_ARG', 'T must be a positive integer');
});

test('rate: Bernoulli(clamp(x)) per step; mean firing matches p within 4 standard errors (seeded)', () => {
  const p = [0, 0.05, 0.3, 0.5, 0.9, 1, 1.7, -0.4];
  const B = 500;
  const x = new Float32Array(B * p.length);
  for (let b = 0; b < B; b++) x.set(p, b * p.length);
  const T = 20;
  const e = encodeRate(x, [B, 1, p.length, 1], { T, rng: new Rng(7) });
  assert.equal(e.timeConstant, false);
  assert.deepEqual(e.input.shape, [T * B, 1, p.length, 1]);
  const n = T * B;
  p.forEach((pk, k) => {
    const q = Math.min(1, Math.max(0, pk));
    let s = 0;
    for (let r = 0; r < n; r++) {
      const v = e.input.data[r * p.length + k]!;
      assert.ok(v === 0 || v === 1);
      s += v;
    }
    const se = Math.sqrt((q * (1 - q)) / n);
    assert.ok(Math.abs(s / n - q) <= 4 * se + 1e-12, `p=${pk}: rate ${s / n}`);
  });
  // same seed → same spikes; another seed → different spikes
  const again = encodeRate(x, [B, 1, p.length, 1], { T, rng: new Rng(7) });
  assert.deepEqual(again.input.data, e.input.data);
  assert.notDeepEqual(encodeRate(x, [B, 1, p.length, 1], { T, rng: new Rng(8) }).input.data, e.input.data);
  rejects(() => encodeRate(x, [B, 1, p.length, 1], { T }), 'E_ARG', 'needs an Rng');
});

test('rate and latency undo normalisation when given the stats', () => {
  const raw = Float32Array.from([1, 1, 0, 0]); // two pixels, two channels
  const norm = raw.slice();
  normalizeInPlace(norm, stats);
  assert.deepEqual(Array.from(norm), [1.5, 2, -0.5, -2]);
  const back = denormalize(norm, stats);
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(back[k]! - raw[k]!) < 1e-6);
  const r = encodeRate(norm, [1, 1, 2, 2], { T: 5, rng: new Rng(1), denormalize: stats });
  for (let t = 0; t < 5; t++) assert.deepEqual(Array.from(r.input.data.subarray(4 * t, 4 * t + 4)), [1, 1, 0, 0]);
  const l = encodeLatency(norm, [1, 1, 2, 2], { T: 5, denormalize: stats });
  assert.deepEqual(Array.from(l.input.data.subarray(0, 4)), [1, 1, 0, 0]);
});

test('latency: one spike per lit pixel, brighter pixels earlier, dark pixels never', () => {
  const T = 8;
  const v = [1, 0.9, 0.5, 0.26, 0.01, 0, -1, 2];
  assert.deepEqual(
    v.map((x) => latencyStep(x, T)),
    [0, 0, 4, 5, 7, -1, -1, 0],
  );
  const x = Float32Array.from(v);
  const e = encodeLatency(x, [1, 1, v.length, 1], { T });
  const first = v.map((_, k) => {
    let count = 0;
    let at = -1;
    for (let t = 0; t < T; t++) {
      if (e.input.data[t * v.length + k] === 1) {
        count++;
        if (at < 0) at = t;
      }
    }
    assert.ok(count <= 1, 'at most one spike');
    return at;
  });
  assert.deepEqual(first, [0, 0, 4, 5, 7, -1, -1, 0]);
  // order: for intensities in (0, 1], a brighter pixel never fires later
  for (let a = 0; a < 100; a++) {
    for (let b = 0; b < 100; b++) {
      const va = (a + 1) / 100;
      const vb = (b + 1) / 100;
      if (va > vb) assert.ok(latencyStep(va, T) <= latencyStep(vb, T));
    }
  }
});

test('frames: [B, T, H, W, C] event batches become time-major [T·B, H, W, C]', () => {
  const B = 2,
    T = 3,
    plane = 4;
  const x = Float32Array.from({ length: B * T * plane }, (_, i) => i);
  const e = encodeFrames(x, [B, T, 2, 1, 2]);
  assert.deepEqual(e.input.shape, [T * B, 2, 1, 2]);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = e.input.data.subarray((t * B + b) * plane, (t * B + b + 1) * plane);
      assert.deepEqual(Array.from(row), Array.from(x.subarray((b * T + t) * plane, (b * T + t + 1) * plane)));
    }
  }
  rejects(() => encode('frames', x, [B, T, 2, 1, 2], { T: 4 }), 'E_ARG', 'has 3 frames per sample but T = 4');
});
