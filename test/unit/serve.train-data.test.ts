/**
 * The training panel's images (serve/train-data.ts): the first n images and labels of a split, byte for byte as
 * the dataset loaders read them; refused queries name what was expected; a dataset that is not installed is
 * listed with the loader's reason.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from '../../src/data/fashionMnist.js';
import { isDirectory } from '../../src/data/files.js';
import { loadMnist } from '../../src/data/mnist.js';
import { TrainingData } from '../../src/serve/train-data.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

test('the first n images of a split, then their labels, as the loader stores them', async () => {
  const data = new TrainingData();
  const n = 7;
  const bytes = await data.bytes(q(`dataset=mnist&split=test&n=${n}`));
  assert.ok(Buffer.isBuffer(bytes));
  const ds = loadMnist('test', { normalize: false });
  assert.equal(bytes.length, n * 784 + n);
  for (let i = 0; i < n; i++) {
    assert.deepEqual(bytes.subarray(i * 784, (i + 1) * 784), Buffer.from(ds.rawSample(i)), `image ${i}`);
    assert.equal(bytes[n * 784 + i], ds.label(i), `label ${i}`);
  }
});

test('a bad query is refused with what was expected', async () => {
  const data = new TrainingData();
  const refusal = async (s: string): Promise<string> => {
    const r = await data.bytes(q(s));
    assert.ok(!Buffer.isBuffer(r), s);
    return r.badQuery;
  };
  assert.equal(
    await refusal('dataset=cifar10&split=train&n=1'),
    'dataset must be mnist or fashion-mnist, got "cifar10"',
  );
  assert.equal(await refusal('dataset=mnist&split=val&n=1'), 'split must be train or test, got "val"');
  assert.equal(await refusal('dataset=mnist&split=test&n=0'), 'n must be an integer in [1, 10000], got "0"');
  assert.equal(await refusal('dataset=mnist&split=test&n=10001'), 'n must be an integer in [1, 10000], got "10001"');
  assert.equal(await refusal('dataset=mnist&split=test&n=1e3'), 'n must be an integer in [1, 10000], got "1e3"');
  assert.equal(await refusal('dataset=mnist&split=test'), 'n must be an integer in [1, 10000], got ""');
});

test('the datasets offered: sizes and normalisation where installed, the reason where not', async () => {
  const info = await new TrainingData({ 'fashion-mnist': '/nonexistent/fashion' }).info();
  const mnist = info.find((d) => d.name === 'mnist');
  assert.deepEqual(mnist, {
    name: 'mnist',
    shape: [28, 28, 1],
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    stats: { mean: [0.1307], std: [0.3081] },
    train: 60000,
    test: 10000,
  });
  const fashion = info.find((d) => d.name === 'fashion-mnist');
  assert.ok(fashion !== undefined && 'missing' in fashion);
  assert.match(fashion.missing, /Fashion-MNIST folder not found: install the Debian package dataset-fashion-mnist/);
});

test('Fashion-MNIST from the Debian package, when installed', {
  skip: isDirectory(FASHION_MNIST_DEBIAN_DIR) ? false : 'dataset-fashion-mnist is not installed',
}, async () => {
  const bytes = await new TrainingData().bytes(q('dataset=fashion-mnist&split=train&n=3'));
  assert.ok(Buffer.isBuffer(bytes));
  const ds = loadFashionMnist('train', { normalize: false });
  assert.deepEqual(bytes.subarray(0, 784), Buffer.from(ds.rawSample(0)));
  assert.deepEqual([...bytes.subarray(3 * 784)], [ds.label(0), ds.label(1), ds.label(2)]);
});
