import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATASET_NAMES, isDatasetName, openDataset } from '../../src/data/registry.js';
import { cifarBytes, cifarImage, put, rejectsAsync, tempDir } from '../support/data.fixtures.js';

test('openDataset by name: MNIST from the package, CIFAR from --data-dir, DVS needs T', async () => {
  assert.deepEqual(
    [...DATASET_NAMES],
    [
      'mnist',
      'fashion-mnist',
      'cifar10',
      'cifar100',
      'dvs-cifar10',
      'n-mnist',
      'dvs-gesture',
      'shd',
      'ssc',
      'timeseries',
      'spoken-digits',
    ],
  );
  assert.equal(isDatasetName('cifar100'), true);
  assert.equal(isDatasetName('svhn'), false);
  const mnist = await openDataset('mnist', 'test', { normalize: false });
  assert.equal(mnist.length, 10000);
  assert.equal(mnist.normalized, false);
  const dir = tempDir('reg');
  put(join(dir, 'cifar-100-binary', 'test.bin'), cifarBytes([{ labels: [1, 2], hwc: cifarImage(5) }]));
  const c100 = await openDataset('cifar100', 'test', { dataDir: dir });
  assert.deepEqual([c100.length, c100.label(0), c100.normalized], [1, 2, true]);
  await rejectsAsync(openDataset('dvs-cifar10', 'train', { dataDir: dir }), 'E_ARG', 'dvs-cifar10 needs T');
  await rejectsAsync(openDataset('n-mnist', 'train', { dataDir: dir }), 'E_ARG', 'n-mnist needs T');
  await rejectsAsync(openDataset('dvs-gesture', 'test', { dataDir: dir }), 'E_ARG', 'dvs-gesture needs T');
  await rejectsAsync(openDataset('cifar10', 'train', { dataDir: dir }), 'E_NOT_FOUND', 'cifar-10-batches-bin');
  await rejectsAsync(openDataset('shd', 'train', { dataDir: dir }), 'E_ARG', 'shd needs T');
  await rejectsAsync(openDataset('ssc', 'test', { dataDir: dir, T: 10 }), 'E_NOT_FOUND', 'ssc_test.h5');
  await rejectsAsync(openDataset('timeseries', 'train', {}), 'E_ARG', 'timeseries needs --data-dir');
  await rejectsAsync(openDataset('spoken-digits', 'test', { dataDir: dir }), 'E_NOT_FOUND', 'spoken-digits.sh');
});
