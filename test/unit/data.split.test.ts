/** The validation split: drawn by seed, disjoint from what is trained on, the same whatever the train limit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { defaultValidationSize, holdOut } from '../../src/data/split.js';
import { isSpikerepError } from '../../src/errors.js';

/** n one-pixel samples whose pixel is their index, so a split's members can be read back. */
function indexed(n: number): Dataset {
  return {
    name: 'indexed',
    length: n,
    sampleShape: [1, 1, 1],
    classes: ['a', 'b'],
    stats: undefined,
    normalized: false,
    label: (i) => i % 2,
    read: (i, out, offset) => {
      out[offset] = i;
    },
  };
}

function members(ds: Dataset): number[] {
  const out = new Float32Array(1);
  return Array.from({ length: ds.length }, (_, i) => {
    ds.read(i, out, 0);
    return out[0]!;
  });
}

test('holdOut draws `size` samples by seed; train and validation are disjoint, cover the set and keep its order', () => {
  const { train, val } = holdOut(indexed(1000), 100, 7);
  const v = members(val!);
  const t = members(train);
  assert.equal(v.length, 100);
  assert.equal(t.length, 900);
  assert.deepEqual(
    [...v, ...t].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(
    v,
    [...v].sort((a, b) => a - b),
    'validation in dataset order',
  );
  assert.deepEqual(
    t,
    [...t].sort((a, b) => a - b),
    'training in dataset order',
  );
  assert.ok(v[99]! - v[0]! > 500, `drawn across the set, not its first images: ${v[0]} … ${v[99]}`);
  assert.deepEqual(members(holdOut(indexed(1000), 100, 7).val!), v, 'the same seed draws the same split');
  assert.notDeepEqual(members(holdOut(indexed(1000), 100, 8).val!), v, 'another seed draws another');
  assert.equal(val!.label(0), v[0]! % 2, 'labels follow their samples');
});

test('holdOut with 0 keeps the whole set and no validation; too many is one clear error', () => {
  const ds = indexed(50);
  const r = holdOut(ds, 0, 1);
  assert.equal(r.train, ds);
  assert.equal(r.val, undefined);
  assert.throws(
    () => holdOut(ds, 50, 1),
    (e) => isSpikerepError(e) && /cannot hold out 50 validation images from a training set of 50/.test(e.message),
  );
});

test('default validation size: 5000 for MNIST and Fashion-MNIST, a tenth elsewhere, a tenth of a train limit at most', () => {
  assert.equal(defaultValidationSize('mnist', 60000), 5000);
  assert.equal(defaultValidationSize('fashion-mnist', 60000), 5000);
  assert.equal(defaultValidationSize('cifar10', 50000), 5000);
  assert.equal(defaultValidationSize('dvs-cifar10', 9000), 900);
  assert.equal(defaultValidationSize('mnist', 60000, 10000), 1000);
  assert.equal(defaultValidationSize('mnist', 60000, 96), 10);
  assert.equal(defaultValidationSize('mnist', 3), 2, 'a tiny set keeps one image to train on');
});
