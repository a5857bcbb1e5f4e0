import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchesOf, epochOrder, gatherBatch, subset } from '../../src/data/dataset.js';
import { U8ImageDataset } from '../../src/data/imageDataset.js';
import { padFill, randomCropFlip } from '../../src/data/transforms.js';
import { Rng } from '../../src/rng.js';
import { rejects } from '../support/data.fixtures.js';

function toyDataset(normalize: boolean): U8ImageDataset {
  const n = 7;
  const pixels = Uint8Array.from({ length: n * 3 * 2 * 2 }, (_, i) => (i * 11) % 256);
  return new U8ImageDataset({
    name: 'toy',
    pixels,
    labels: Uint8Array.from({ length: n }, (_, i) => i % 3),
    shape: [3, 2, 2],
    classes: ['a', 'b', 'c'],
    stats: { mean: [0.5, 0.25], std: [0.5, 0.25] },
    normalize,
  });
}

test('gatherBatch assembles [B, …] rows and labels from any indices, reusing buffers', () => {
  const ds = toyDataset(false);
  const b = gatherBatch(ds, [4, 0, 4]);
  assert.deepEqual(b.shape, [3, 3, 2, 2]);
  assert.deepEqual([...b.labels], [1, 0, 1]);
  for (let k = 0; k < 12; k++) {
    assert.equal(b.x[k], Math.fround((((48 + k) * 11) % 256) / 255));
    assert.equal(b.x[24 + k], b.x[k]);
    assert.equal(b.x[12 + k], Math.fround(((k * 11) % 256) / 255));
  }
  const again = gatherBatch(ds, [1, 2, 3], b);
  assert.equal(again.x, b.x, 'same buffer reused');
  assert.deepEqual([...again.labels], [1, 2, 0]);
  rejects(() => gatherBatch(ds, [7]), 'E_ARG', 'sample index 7 outside [0, 7)');
  const norm = toyDataset(true);
  const nb = gatherBatch(norm, [4]);
  assert.ok(Math.abs(nb.x[1]! - (((49 * 11) % 256) / 255 - 0.25) / 0.25) < 1e-6, 'channel 1 uses its own stats');
});

test('epoch order is a seeded permutation; batches cover it; subset keeps the first n', () => {
  const a = epochOrder(100, new Rng(3));
  const b = epochOrder(100, new Rng(3));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, epochOrder(100, new Rng(4)));
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    [...epochOrder(100)],
  );
  const sizes = [...batchesOf(a, 32)].map((x) => x.length);
  assert.deepEqual(sizes, [32, 32, 32, 4]);
  assert.deepEqual(
    [...batchesOf(a, 32, true)].map((x) => x.length),
    [32, 32, 32],
  );
  const ds = toyDataset(false);
  const s = subset(ds, 3);
  assert.equal(s.length, 3);
  assert.deepEqual([s.label(0), s.label(1), s.label(2)], [0, 1, 2]);
  const picked = subset(ds, [6, 5]);
  const out = new Float32Array(12);
  const ref = new Float32Array(12);
  picked.read(0, out, 0);
  ds.read(6, ref, 0);
  assert.deepEqual(out, ref);
});

/** Independent crop: build the zero-padded image explicitly, cut the window, then mirror. */
function cropRef(
  img: Float32Array,
  H: number,
  W: number,
  C: number,
  pad: number,
  oy: number,
  ox: number,
  mirror: boolean,
  fill: number[],
): Float32Array {
  const PH = H + 2 * pad,
    PW = W + 2 * pad;
  const padded = new Float32Array(PH * PW * C);
  for (let y = 0; y < PH; y++)
    for (let x = 0; x < PW; x++) for (let c = 0; c < C; c++) padded[(y * PW + x) * C + c] = fill[c]!;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) padded[((y + pad) * PW + x + pad) * C + c] = img[(y * W + x) * C + c]!;
  const out = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++)
        out[(y * W + x) * C + c] = padded[((y + oy) * PW + (mirror ? W - 1 - x : x) + ox) * C + c]!;
  return out;
}

test('random crop with padding + flip: deterministic under a seed and equal to pad-then-cut-then-mirror', () => {
  const B = 6,
    H = 5,
    W = 4,
    C = 2,
    pad = 2;
  const x = Float32Array.from({ length: B * H * W * C }, (_, i) => i + 1);
  const fill = [-7, -9];
  const a = randomCropFlip(x, [B, H, W, C], { pad, flip: true, fill }, new Rng(11));
  const b = randomCropFlip(x, [B, H, W, C], { pad, flip: true, fill }, new Rng(11));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, randomCropFlip(x, [B, H, W, C], { pad, flip: true, fill }, new Rng(12)));
  // replay the documented draw order: row offset, column offset, flip
  const rng = new Rng(11);
  let flips = 0;
  for (let s = 0; s < B; s++) {
    const oy = rng.int(2 * pad + 1),
      ox = rng.int(2 * pad + 1),
      mirror = rng.uniform() < 0.5;
    flips += mirror ? 1 : 0;
    const ref = cropRef(x.subarray(s * H * W * C, (s + 1) * H * W * C), H, W, C, pad, oy, ox, mirror, fill);
    assert.deepEqual(a.subarray(s * H * W * C, (s + 1) * H * W * C), ref);
  }
  assert.ok(flips > 0 && flips < B, 'seed 11 exercises both branches');
  // pad 0, no flip: identity
  assert.deepEqual(randomCropFlip(x, [B, H, W, C], { pad: 0, flip: false }, new Rng(1)), x);
});

test('event batches share one crop across their T frames; padFill is raw black after normalisation', () => {
  const B = 3,
    T = 4,
    H = 6,
    W = 6,
    C = 2;
  const x = Float32Array.from({ length: B * T * H * W * C }, (_, i) => (i % 97) + 1);
  const out = randomCropFlip(x, [B, T, H, W, C], { pad: 3, flip: false }, new Rng(5));
  const rng = new Rng(5);
  const plane = H * W * C;
  for (let b = 0; b < B; b++) {
    const oy = rng.int(7),
      ox = rng.int(7);
    for (let t = 0; t < T; t++) {
      const off = (b * T + t) * plane;
      assert.deepEqual(
        out.subarray(off, off + plane),
        cropRef(x.subarray(off, off + plane), H, W, C, 3, oy, ox, false, [0, 0]),
      );
    }
  }
  assert.deepEqual(padFill(toyDataset(false)), [0, 0]);
  assert.deepEqual(padFill(toyDataset(true)), [Math.fround(-1), Math.fround(-1)]);
  rejects(
    () => randomCropFlip(x, [B, T, H, W, C], { pad: -1, flip: false }, new Rng(1)),
    'E_ARG',
    'non-negative integer',
  );
});
