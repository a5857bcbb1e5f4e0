import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSpikerepError } from '../../src/errors.js';
import { reference } from '../../src/kernels/reference/index.js';
import { makeParam } from '../../src/nn/param.js';
import { adam } from '../../src/optim/adam.js';
import { cosineStepWarmup, cosineWarmup } from '../../src/optim/schedule.js';
import { sgd } from '../../src/optim/sgd.js';

test('cosine schedule with linear warm-up follows docs/method.md §4.4', () => {
  const s = cosineWarmup(0.1, 200, 400);
  assert.equal(s(0, 0), 0.1 / 400); // first iteration: lr0·(0+1)/400
  assert.ok(Math.abs(s(0, 199) - (0.1 * 200) / 400) < 1e-15);
  assert.equal(s(0, 400), 0.1); // warm-up over, epoch 0: full lr
  assert.ok(Math.abs(s(100, 5000) - 0.05) < 1e-15); // half-way: ½·lr0
  assert.ok(Math.abs(s(1, 10_000) - 0.5 * 0.1 * (1 + Math.cos(Math.PI / 200))) < 1e-15);
  assert.ok(s(199, 1e6) > 0 && s(199, 1e6) < 1e-5);
});

test('per-step cosine schedule anneals over every step to 0, after the same linear warm-up', () => {
  const s = cosineStepWarmup(0.1, 1000, 100);
  assert.equal(s(0, 0), (0.5 * 0.1 * (1 + Math.cos(0)) * 1) / 100);
  assert.ok(Math.abs(s(0, 99) - 0.5 * 0.1 * (1 + Math.cos((Math.PI * 99) / 1000)) * (100 / 100)) < 1e-15);
  assert.ok(Math.abs(s(1, 500) - 0.05) < 1e-15, 'half-way through the steps: ½·lr0, whatever the epoch');
  assert.equal(s(2, 1000), 0);
  assert.equal(s(3, 1200), 0, 'past the end it stays at 0');
  for (let i = 101; i < 1000; i++) assert.ok(s(0, i) < s(0, i - 1), `falls at step ${i}`);
});

test('schedule and optimisers refuse bad settings with a one-line error naming the flag', () => {
  for (const f of [
    () => cosineWarmup(-1, 10),
    () => cosineWarmup(0.1, 0),
    () => cosineStepWarmup(0.1, 0),
    () => cosineStepWarmup(0.1, 10, -1),
    () => sgd({ momentum: 1 }),
    () => adam({ eps: 0 }),
  ]) {
    assert.throws(f, (e) => isSpikerepError(e) && !e.message.includes('\n'));
  }
});

/** Steps a parameter by hand in float64 with torch.optim.SGD's rule, including weight decay on thresholds. */
test('sgd steps every parameter with momentum and weight decay; decay=false skips the decay', () => {
  const k = reference;
  const w = makeParam(k, 'w', 'weight', [3]);
  const v = makeParam(k, 'sn.vth', 'threshold', [1]);
  const b = makeParam(k, 'b', 'bias', [1]);
  b.decay = false;
  w.value.set([1, -2, 0.5]);
  v.value[0] = 6;
  b.value[0] = 1;
  const params = [w, v, b];
  const opt = sgd({ momentum: 0.9, weightDecay: 0.1 });
  let state = opt.init(params, k);
  const grads = [[0.5, 0.25, -1], [2], [1]];
  const ref = params.map((p) => Array.from(p.value, Number));
  const buf = params.map((p) => new Array<number>(p.value.length).fill(0));
  for (let step = 0; step < 3; step++) {
    params.forEach((p, i) => p.grad.set(grads[i]!));
    state = opt.step(params, state, 0.01, k);
    params.forEach((p, i) => {
      for (let j = 0; j < p.value.length; j++) {
        const d = grads[i]![j]! + (p.decay ? 0.1 : 0) * ref[i]![j]!;
        buf[i]![j] = step === 0 ? d : 0.9 * buf[i]![j]! + d;
        ref[i]![j] = ref[i]![j]! - 0.01 * buf[i]![j]!;
        assert.ok(Math.abs(p.value[j]! - ref[i]![j]!) < 1e-6, `${p.name}[${j}] step ${step}`);
      }
    });
  }
  assert.equal(state.steps, 3);
});

test('adam follows torch.optim.Adam with bias correction', () => {
  const k = reference;
  const w = makeParam(k, 'w', 'weight', [2]);
  w.value.set([1, -1]);
  const opt = adam({ weightDecay: 0 });
  let state = opt.init([w], k);
  const m = [0, 0];
  const v = [0, 0];
  const ref = [1, -1];
  for (let t = 1; t <= 4; t++) {
    const g = [0.3 * t, -0.1];
    w.grad.set(g);
    state = opt.step([w], state, 0.01, k);
    for (let j = 0; j < 2; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * g[j]! ** 2;
      const mh = m[j]! / (1 - 0.9 ** t);
      const vh = v[j]! / (1 - 0.999 ** t);
      ref[j] = ref[j]! - (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
      assert.ok(Math.abs(w.value[j]! - ref[j]!) < 1e-6);
    }
  }
});
