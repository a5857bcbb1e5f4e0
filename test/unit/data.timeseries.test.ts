import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { gatherBatch } from '../../src/data/dataset.js';
import { loadTimeSeries } from '../../src/data/timeSeries.js';
import { npyBytes } from '../../src/io/npy.js';
import { readNpz } from '../../src/io/npz.js';
import { put, rejectsAsync, tempDir, zipBytes } from '../support/data.fixtures.js';

// three samples of 4 steps × 2 channels: sample n, step t, channel c holds 100n + 10t + c
const N = 3;
const T = 4;
const C = 2;
const x = Float32Array.from({ length: N * T * C }, (_, k) => {
  const n = Math.floor(k / (T * C));
  const t = Math.floor((k % (T * C)) / C);
  return 100 * n + 10 * t + (k % C);
});
const y = Float32Array.from([2, 0, 1]);

async function expectSet(dir: string, split: 'train' | 'test' = 'train'): Promise<void> {
  const ds = await loadTimeSeries(split, { dataDir: dir, channels: C });
  assert.deepEqual(ds.sampleShape, [T, C]);
  assert.equal(ds.length, N);
  assert.deepEqual([ds.label(0), ds.label(1), ds.label(2)], [2, 0, 1]);
  const b = gatherBatch(ds, [0, 1, 2]);
  assert.deepEqual(b.x, x);
  assert.equal(b.x[1 * T * C + 3 * C + 1], 131, 'sample 1, step 3, channel 1');
}

for (const deflate of [false, true]) {
  test(`time series from .npz (${deflate ? 'np.savez_compressed' : 'np.savez'})`, async () => {
    const dir = tempDir('ts-npz');
    put(
      join(dir, 'train.npz'),
      zipBytes(
        [
          { name: 'x.npy', data: npyBytes([N, T, C], x) },
          { name: 'y.npy', data: npyBytes([N], y) },
        ],
        deflate,
      ),
    );
    await expectSet(dir);
    const arrays = await readNpz(join(dir, 'train.npz'));
    assert.deepEqual([...arrays.keys()], ['x', 'y']);
  });
}

test('time series from a pair of .npy files, with class names from classes.txt', async () => {
  const dir = tempDir('ts-npy');
  put(join(dir, 'test_x.npy'), npyBytes([N, T, C], x));
  put(join(dir, 'test_y.npy'), npyBytes([N], y));
  put(join(dir, 'classes.txt'), 'left\nright\nstop\n');
  await expectSet(dir, 'test');
  const ds = await loadTimeSeries('test', { dataDir: dir });
  assert.deepEqual(ds.classes, ['left', 'right', 'stop']);
  // [N, time] is one channel
  const flat = tempDir('ts-2d');
  put(join(flat, 'train_x.npy'), npyBytes([N, T * C], x));
  put(join(flat, 'train_y.npy'), npyBytes([N], y));
  const one = await loadTimeSeries('train', { dataDir: flat });
  assert.deepEqual(one.sampleShape, [T * C, 1]);
  assert.deepEqual(one.classes, ['0', '1', '2']);
});

test('time series from CSV: label then time-major values, an optional header', async () => {
  const dir = tempDir('ts-csv');
  const rows = [0, 1, 2].map((n) => [y[n], ...x.subarray(n * T * C, (n + 1) * T * C)].join(','));
  put(join(dir, 'train.csv'), `label,values...\n${rows.join('\n')}\n`);
  await expectSet(dir);
});

test('bad time-series files give one line naming the file and what was expected', async () => {
  const dir = tempDir('ts-bad');
  await rejectsAsync(loadTimeSeries('train', { dataDir: dir }), 'E_NOT_FOUND', 'train.npz, train_x.npy');
  put(join(dir, 'train_x.npy'), npyBytes([12], x.subarray(0, 12)));
  put(join(dir, 'train_y.npy'), npyBytes([N], y));
  let e = await rejectsAsync(loadTimeSeries('train', { dataDir: dir }), 'E_SHAPE', 'expected [N, time, channels]');
  assert.ok(e.message.includes('train_x.npy'));
  put(join(dir, 'train_x.npy'), npyBytes([N, T, C], x));
  put(join(dir, 'train_y.npy'), npyBytes([2], y.subarray(0, 2)));
  e = await rejectsAsync(loadTimeSeries('train', { dataDir: dir }), 'E_SHAPE', 'expected 3 labels');
  assert.ok(e.message.includes('train_y.npy'));
  put(join(dir, 'train_y.npy'), npyBytes([N], Float32Array.from([1, 0.5, 2])));
  await rejectsAsync(loadTimeSeries('train', { dataDir: dir }), 'E_LABEL', 'label 0.5 of sample 1');
  put(join(dir, 'train_y.npy'), npyBytes([N], Float32Array.from([1, 0, 4])));
  put(join(dir, 'classes.txt'), 'a\nb\n');
  await rejectsAsync(loadTimeSeries('train', { dataDir: dir }), 'E_LABEL', 'classes.txt names only 2');
  const csv = tempDir('ts-bad-csv');
  put(join(csv, 'test.csv'), '0,1,2,3,4\n1,1,2,3\n');
  await rejectsAsync(loadTimeSeries('test', { dataDir: csv, channels: 2 }), 'E_SHAPE', 'row 2 has 4 cells');
  put(join(csv, 'test.csv'), '0,1,2,3\n');
  await rejectsAsync(loadTimeSeries('test', { dataDir: csv, channels: 2 }), 'E_SHAPE', 'multiple of 2 channels');
  put(join(csv, 'test.csv'), '0,1,x\n');
  await rejectsAsync(loadTimeSeries('test', { dataDir: csv }), 'E_FORMAT', "column 3 is not a number: 'x'");
  const npz = tempDir('ts-bad-npz');
  put(join(npz, 'train.npz'), zipBytes([{ name: 'data.npy', data: npyBytes([N, T, C], x) }]));
  await rejectsAsync(loadTimeSeries('train', { dataDir: npz }), 'E_FORMAT', "expected arrays 'x' and 'y'");
  put(join(npz, 'test.npz'), 'PK but not a zip');
  await rejectsAsync(loadTimeSeries('test', { dataDir: npz }), 'E_FORMAT', 'not a readable .npz');
});
