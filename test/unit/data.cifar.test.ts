import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CIFAR_STATS, CIFAR10_CLASSES, loadCifar, parseCifarBatch } from '../../src/data/cifar.js';
import { CIFAR100_CLASSES } from '../../src/data/cifar100Classes.js';
import { cifarBytes, cifarImage, put, rejects, tempDir } from '../support/data.fixtures.js';

/** A CIFAR-10 tree as the archive unpacks it: 5 training batches of 2 records, a test batch of 3. */
function cifar10Tree(): string {
  const root = tempDir('cifar10');
  const dir = join(root, 'cifar-10-batches-bin');
  for (let b = 1; b <= 5; b++) {
    const recs = [0, 1].map((k) => ({ labels: [(2 * b + k) % 10], hwc: cifarImage(10 * b + k) }));
    put(join(dir, `data_batch_${b}.bin`), cifarBytes(recs));
  }
  put(join(dir, 'test_batch.bin'), cifarBytes([3, 8, 9].map((l, k) => ({ labels: [l], hwc: cifarImage(100 + k) }))));
  put(join(dir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n'));
  return root;
}

test('CIFAR-10 batches: all five training files in order, planes converted to channels-last', () => {
  const root = cifar10Tree();
  const train = loadCifar('cifar10', 'train', { dataDir: root, normalize: false });
  assert.equal(train.length, 10);
  assert.deepEqual(train.sampleShape, [32, 32, 3]);
  assert.deepEqual(
    Array.from({ length: 10 }, (_, i) => train.label(i)),
    [2, 3, 4, 5, 6, 7, 8, 9, 0, 1],
  );
  // sample 7 is batch 4, record 1: its pixel (y, x, c) must be the byte written at c·1024 + y·32 + x
  const img = cifarImage(41);
  const out = new Float32Array(3072);
  train.read(7, out, 0);
  for (const [y, x, c] of [
    [0, 0, 0],
    [0, 0, 2],
    [5, 31, 1],
    [31, 7, 2],
    [17, 3, 0],
  ] as const) {
    assert.equal(out[(y * 32 + x) * 3 + c], Math.fround(img[(y * 32 + x) * 3 + c]! / 255));
  }
  // the dataset folder itself is accepted too
  const testSet = loadCifar('cifar10', 'test', { dataDir: join(root, 'cifar-10-batches-bin') });
  assert.deepEqual([testSet.label(0), testSet.label(1), testSet.label(2)], [3, 8, 9]);
  testSet.read(2, out, 0);
  const raw = cifarImage(102);
  const { mean, std } = CIFAR_STATS.cifar10;
  for (let k = 0; k < 3072; k += 97) assert.ok(Math.abs(out[k]! - (raw[k]! / 255 - mean[k % 3]!) / std[k % 3]!) < 1e-6);
  assert.equal(testSet.classes[8], 'ship');
});

test('CIFAR-100: coarse then fine label byte; fine is the label; 100 class names', () => {
  const root = tempDir('cifar100');
  const dir = join(root, 'cifar-100-binary');
  put(
    join(dir, 'train.bin'),
    cifarBytes([
      { labels: [4, 30], hwc: cifarImage(1) },
      { labels: [19, 99], hwc: cifarImage(2) },
    ]),
  );
  put(join(dir, 'test.bin'), cifarBytes([{ labels: [0, 0], hwc: cifarImage(3) }]));
  const train = loadCifar('cifar100', 'train', { dataDir: root });
  assert.equal(train.length, 2);
  assert.deepEqual([train.label(0), train.label(1)], [30, 99]);
  assert.deepEqual([...train.coarseLabels!], [4, 19]);
  assert.equal(CIFAR100_CLASSES.length, 100);
  assert.equal(train.classes[30], 'dolphin');
  assert.deepEqual(train.stats, CIFAR_STATS.cifar100);
  const out = new Float32Array(3072);
  loadCifar('cifar100', 'test', { dataDir: root, normalize: false }).read(0, out, 0);
  assert.equal(out[3 * 33 + 1], Math.fround(cifarImage(3)[3 * 33 + 1]! / 255));
});

test('malformed CIFAR batches: truncated, wrong size, labels out of range, missing files', () => {
  const one = cifarBytes([{ labels: [1], hwc: cifarImage(1) }]);
  rejects(
    () => parseCifarBatch(one.subarray(0, 3000), 'cifar10', 'b.bin'),
    'E_TRUNCATED',
    'not a whole number of 3073-byte records',
  );
  rejects(() => parseCifarBatch(new Uint8Array(0), 'cifar10', 'b.bin'), 'E_TRUNCATED', 'batch of 0 bytes');
  // a CIFAR-10 record read as CIFAR-100 has the wrong size
  rejects(() => parseCifarBatch(one, 'cifar100', 'b.bin'), 'E_TRUNCATED', '3074-byte records (2 label byte(s)');
  rejects(
    () => parseCifarBatch(cifarBytes([{ labels: [10], hwc: cifarImage(1) }]), 'cifar10', 'b.bin'),
    'E_LABEL',
    'label 10 in record 0 is outside [0, 10)',
  );
  rejects(
    () => parseCifarBatch(cifarBytes([{ labels: [20, 5], hwc: cifarImage(1) }]), 'cifar100', 'b.bin'),
    'E_LABEL',
    'coarse label 20',
  );
  rejects(
    () => parseCifarBatch(cifarBytes([{ labels: [2, 100], hwc: cifarImage(1) }]), 'cifar100', 'b.bin'),
    'E_LABEL',
    'label 100 in record 0 is outside [0, 100)',
  );
  const root = cifar10Tree();
  const dir = join(root, 'cifar-10-batches-bin');
  put(join(dir, 'data_batch_3.bin'), one.subarray(0, one.length - 1));
  const e = rejects(() => loadCifar('cifar10', 'train', { dataDir: root }), 'E_TRUNCATED', 'data_batch_3.bin');
  assert.ok(e.message.startsWith(join(dir, 'data_batch_3.bin')));
  rejects(() => loadCifar('cifar10', 'test', { dataDir: tempDir('empty') }), 'E_NOT_FOUND', 'pass --data-dir');
});
