import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { framesByCount, headerLength, parseAedat } from '../../src/data/aedat.js';
import { CIFAR10_CLASSES } from '../../src/data/cifar.js';
import { DvsCifar10, dvsFileName } from '../../src/data/dvsCifar10.js';
import { resizeBilinear } from '../../src/data/resize.js';
import { aedatBytes, put, type RawEvent, rejects, tempDir } from '../support/data.fixtures.js';

function randomEvents(seed: number, n: number): RawEvent[] {
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, (_, i) => ({ x: next() % 128, y: next() % 128, pol: next() & 1, t: 1000 + 7 * i }));
}

/** Independent framing: event i goes to frame min(⌊i/d⌋, T−1) with d = ⌊N/T⌋ (d = 0: all in the last frame). */
function framesRef(ev: RawEvent[], T: number): Float64Array {
  const out = new Float64Array(T * 128 * 128 * 2);
  const d = Math.floor(ev.length / T);
  ev.forEach((e, i) => {
    const f = d === 0 ? T - 1 : Math.min(Math.floor(i / d), T - 1);
    const x = 127 - e.x;
    const c = 1 - e.pol === 0 ? 0 : 1;
    out[((f * 128 + e.y) * 128 + x) * 2 + c]! += 1;
  });
  return out;
}

/** Independent float64 bilinear (align_corners=False, no antialias) of one channel-last frame stack. */
function resizeRef(
  src: ArrayLike<number>,
  F: number,
  H: number,
  W: number,
  C: number,
  h: number,
  w: number,
): Float64Array {
  const out = new Float64Array(F * h * w * C);
  const at = (f: number, y: number, x: number, c: number): number => src[((f * H + y) * W + x) * C + c]!;
  for (let f = 0; f < F; f++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < w; ox++)
        for (let c = 0; c < C; c++) {
          const sy = Math.max(0, ((oy + 0.5) * H) / h - 0.5);
          const sx = Math.max(0, ((ox + 0.5) * W) / w - 0.5);
          const y0 = Math.floor(sy),
            x0 = Math.floor(sx);
          const y1 = Math.min(y0 + 1, H - 1),
            x1 = Math.min(x0 + 1, W - 1);
          const fy = sy - y0,
            fx = sx - x0;
          out[((f * h + oy) * w + ox) * C + c] =
            (1 - fy) * ((1 - fx) * at(f, y0, x0, c) + fx * at(f, y0, x1, c)) +
            fy * ((1 - fx) * at(f, y1, x0, c) + fx * at(f, y1, x1, c));
        }
  return out;
}

test('aedat: header lines skipped, big-endian records, masks and the x-flip/polarity conventions', () => {
  const ev: RawEvent[] = [
    { x: 3, y: 5, pol: 1, t: 10 },
    { x: 127, y: 0, pol: 0, t: 0xfffffff0 },
    { x: 0, y: 127, pol: 1, t: 12 },
  ];
  const bytes = aedatBytes(ev);
  assert.equal(headerLength(bytes), bytes.length - 24);
  const p = parseAedat(bytes, 'f.aedat');
  assert.deepEqual([...p.x], [124, 0, 127]);
  assert.deepEqual([...p.y], [5, 0, 127]);
  assert.deepEqual([...p.p], [0, 1, 0]);
  assert.deepEqual([...p.t], [10, 0xfffffff0, 12]);
  // no header at all; bits outside the masks (e.g. bit 31, the APS flag) are ignored, as in the reference
  const raw = new Uint8Array(8);
  new DataView(raw.buffer).setUint32(0, 0x80000000 | (9 << 8) | (4 << 1), false);
  const q = parseAedat(raw, 'g.aedat');
  assert.deepEqual([q.x[0], q.y[0], q.p[0]], [123, 9, 1]);
});

test('framing by equal event counts matches an independent count, remainder in the last frame', () => {
  for (const [n, T] of [
    [10, 3],
    [1000, 7],
    [5, 5],
    [2, 4],
  ] as const) {
    const ev = randomEvents(n * 31 + T, n);
    const got = framesByCount(parseAedat(aedatBytes(ev), 'f'), T);
    assert.deepEqual(Array.from(got), Array.from(framesRef(ev, T)), `N=${n}, T=${T}`);
  }
  // concretely: 10 events, T = 3 → 3, 3, 4 events per frame
  const got = framesByCount(parseAedat(aedatBytes(randomEvents(1, 10)), 'f'), 3);
  const per = [0, 1, 2].map((f) => got.subarray(f * 32768, (f + 1) * 32768).reduce((a, b) => a + b, 0));
  assert.deepEqual(per, [3, 3, 4]);
});

test('bilinear resize equals the float64 reference; 4→2 averages pixel pairs', () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const dst = new Float32Array(4);
  resizeBilinear(src, 1, 4, 4, 1, 2, 2, dst);
  assert.deepEqual([...dst], [3.5, 5.5, 11.5, 13.5]);
  const frames = framesByCount(parseAedat(aedatBytes(randomEvents(9, 3000)), 'f'), 2);
  const out = new Float32Array(2 * 48 * 48 * 2);
  resizeBilinear(frames, 2, 128, 128, 2, 48, 48, out);
  const ref = resizeRef(frames, 2, 128, 128, 2, 48, 48);
  let worst = 0;
  for (let k = 0; k < out.length; k++) worst = Math.max(worst, Math.abs(out[k]! - ref[k]!));
  // the kernel computes source coordinates in float32 as PyTorch does (scale 128/48 rounded): weights differ from
  // exact float64 by < 4e-6, times counts of a few units
  assert.ok(worst < 1e-4, `max difference ${worst}`);
  // upsampling takes the same rule (edges clamp)
  const up = new Float32Array(16);
  resizeBilinear(Float32Array.from([0, 4, 8, 12]), 1, 2, 2, 1, 4, 4, up);
  assert.deepEqual(Array.from(up), Array.from(resizeRef([0, 4, 8, 12], 1, 2, 2, 1, 4, 4)));
});

test('DVS-CIFAR10 folder: per-class split by file index, [T, 48, 48, 2] samples, labels by class order', () => {
  const root = tempDir('dvs');
  const events = new Map<string, RawEvent[]>();
  CIFAR10_CLASSES.forEach((cls, c) => {
    for (let i = 0; i < 3; i++) {
      const ev = randomEvents(100 * c + i, 50 + 13 * i);
      events.set(`${cls}/${i}`, ev);
      put(join(root, dvsFileName(cls, i)), aedatBytes(ev));
    }
  });
  const T = 4;
  const train = new DvsCifar10('train', { dataDir: root, T, filesPerClass: 3, trainPerClass: 2 });
  const testSet = new DvsCifar10('test', { dataDir: root, T, filesPerClass: 3, trainPerClass: 2, cache: true });
  assert.equal(train.length, 20);
  assert.equal(testSet.length, 10);
  assert.deepEqual(train.sampleShape, [T, 48, 48, 2]);
  assert.equal(train.normalized, false);
  assert.deepEqual([train.label(0), train.label(1), train.label(2), train.label(19)], [0, 0, 1, 9]);
  assert.equal(testSet.label(3), 3);
  // train sample 5 is class 2 (bird), file 1; test sample 3 is class 3 (cat), file 2
  for (const [ds, i, key] of [
    [train, 5, 'bird/1'],
    [testSet, 3, 'cat/2'],
    [testSet, 3, 'cat/2'],
  ] as const) {
    const out = new Float32Array(T * 48 * 48 * 2 + 5);
    ds.read(i, out, 5);
    const ref = resizeRef(framesRef(events.get(key)!, T), T, 128, 128, 2, 48, 48);
    for (let k = 0; k < ref.length; k++) assert.ok(Math.abs(out[5 + k]! - ref[k]!) < 1e-4);
  }
  // the default split (1000 files per class, 0–899 train) needs the full set of files
  rejects(() => new DvsCifar10('test', { dataDir: root, T }), 'E_NOT_FOUND', 'expected 1000 files per class');
});

test('malformed event files and folders give typed one-line errors', () => {
  const good = aedatBytes(randomEvents(3, 4));
  rejects(
    () => parseAedat(good.subarray(0, good.length - 3), 'e.aedat'),
    'E_TRUNCATED',
    'not a whole number of 8-byte records',
  );
  rejects(
    () => parseAedat(good.subarray(0, good.length - 4), 'e.aedat'),
    'E_TRUNCATED',
    'not a whole number of 8-byte records',
  );
  rejects(() => parseAedat(aedatBytes([]), 'e.aedat'), 'E_TRUNCATED', 'no event records');
  rejects(
    () => new DvsCifar10('train', { dataDir: join(tempDir('dvs-none'), 'x'), T: 4 }),
    'E_NOT_FOUND',
    'pass --data-dir',
  );
  rejects(() => new DvsCifar10('train', { dataDir: tempDir('dvs-t'), T: 0 }), 'E_ARG', 'T must be a positive integer');
  const root = tempDir('dvs-bad');
  for (const cls of CIFAR10_CLASSES) put(join(root, dvsFileName(cls, 0)), good);
  put(join(root, dvsFileName('dog', 0)), good.subarray(0, good.length - 1));
  const ds = new DvsCifar10('train', { dataDir: root, T: 2, filesPerClass: 1, trainPerClass: 1 });
  const out = new Float32Array(2 * 48 * 48 * 2);
  ds.read(4, out, 0);
  const e = rejects(() => ds.read(5, out, 0), 'E_TRUNCATED', 'cifar10_dog_0.aedat');
  assert.ok(e.path!.endsWith(join('dog', 'cifar10_dog_0.aedat')));
});
