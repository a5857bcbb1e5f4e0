/** The per-step training curve: windowed means that match the batches' own numbers, a bounded point count. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pointsPerEpoch, StepCurve } from '../../src/train/step-curve.js';

test('windows of batches: the mean loss and accuracy weighted by batch size, the last window partial', () => {
  // 7 batches, 1 epoch → 50 points per epoch at most: one point per batch
  const one = new StepCurve(7, 0, 1);
  for (let b = 0; b < 7; b++) one.add(b + 1, b, 10, b + 1, b);
  assert.equal(one.points.length, 7);
  assert.deepEqual(one.points[2], { step: 3, epoch: 3 / 7, loss: 3, accuracy: 0.2 });

  // 230 batches in the 3rd of 100 epochs → 5 points per epoch: windows of 46 batches
  const batches = 230;
  const curve = new StepCurve(batches, 2, 100);
  const sizes = Array.from({ length: batches }, (_, b) => (b === batches - 1 ? 7 : 32));
  for (let b = 0; b < batches; b++) curve.add(Math.sin(b) + 2, b % 33, sizes[b]!, 1000 + b + 1, b);
  assert.equal(curve.points.length, 5);
  const last = curve.points.at(-1)!;
  assert.equal(last.epoch, 3);
  assert.equal(last.step, 1000 + batches);
  // the last window by hand: batches 184 … 229
  let loss = 0;
  let correct = 0;
  let seen = 0;
  for (let b = 184; b < batches; b++) {
    loss += (Math.sin(b) + 2) * sizes[b]!;
    correct += b % 33;
    seen += sizes[b]!;
  }
  assert.ok(Math.abs(last.loss - loss / seen) < 1e-12);
  assert.ok(Math.abs(last.accuracy - correct / seen) < 1e-12);
});

test('points per epoch: 50 for short runs, about 400 over a long one, never under 5', () => {
  assert.equal(pointsPerEpoch(1), 50);
  assert.equal(pointsPerEpoch(8), 50);
  assert.equal(pointsPerEpoch(20), 20);
  assert.equal(pointsPerEpoch(100), 5);
  assert.equal(pointsPerEpoch(1000), 5);
});
