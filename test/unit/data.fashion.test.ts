import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from '../../src/data/fashionMnist.js';
import { moments, rejects, tempDir } from '../support/data.fixtures.js';

// Reads the real files of the Debian package dataset-fashion-mnist. When it is missing, the loader's own error
// (which names the package to install) fails this test: .ci/run installs it.
test('Fashion-MNIST from the Debian package: sizes, classes, first labels, mean/std', () => {
  assert.equal(FASHION_MNIST_DEBIAN_DIR, '/usr/share/datasets/fashion-mnist');
  const train = loadFashionMnist('train', { normalize: false });
  const testSet = loadFashionMnist('test');
  assert.equal(train.length, 60000);
  assert.equal(testSet.length, 10000);
  assert.deepEqual(train.sampleShape, [28, 28, 1]);
  assert.deepEqual(
    Array.from({ length: 10 }, (_, i) => train.label(i)),
    [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
  );
  const perClass = (ds: typeof train): number[] => {
    const c = new Array<number>(10).fill(0);
    for (let i = 0; i < ds.length; i++) c[ds.label(i)]!++;
    return c;
  };
  assert.deepEqual(perClass(train), new Array(10).fill(6000));
  assert.deepEqual(perClass(testSet), new Array(10).fill(1000));
  const m = moments(train);
  assert.ok(Math.abs(m.mean - 0.286) < 5e-4, `mean ${m.mean}`);
  assert.ok(Math.abs(m.std - 0.353) < 5e-4, `std ${m.std}`);
});

test('a missing Fashion-MNIST folder names the Debian package and --data-dir', () => {
  const e = rejects(
    () => loadFashionMnist('train', { dataDir: join(tempDir('fm'), 'absent') }),
    'E_NOT_FOUND',
    'install the Debian package dataset-fashion-mnist',
  );
  assert.match(e.message, /--data-dir/);
});
