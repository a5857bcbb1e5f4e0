import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { deltaDecode, deltaEncode } from '../../src/signal/delta.js';
import { levelCrossingDecode, levelCrossingEncode } from '../../src/signal/level-crossing.js';
import { poissonWindowEncode, windowRates } from '../../src/signal/poisson-window.js';
import {
  populationDecode,
  populationEncode,
  populationResponse,
  receptiveFields,
} from '../../src/signal/population.js';
import { channel, fromSamples, signal } from '../../src/signal/signal.js';
import { stepForwardDecode, stepForwardEncode } from '../../src/signal/step-forward.js';

const stepsWhere = (xs: Float32Array, pred: (v: number) => boolean): number[] =>
  [...xs].flatMap((v, t) => (pred(v) ? [t] : []));

test('delta: a ramp of slope θ/4 per step gives one ON event every 4 steps and no OFF events', () => {
  const ramp = fromSamples(Array.from({ length: 40 }, (_, t) => 0.25 * t));
  const { spikes } = deltaEncode(ramp, { threshold: 1 });
  assert.equal(spikes.C, 2);
  assert.deepEqual(
    stepsWhere(channel(spikes, 1), (v) => v > 0),
    [4, 8, 12, 16, 20, 24, 28, 32, 36],
  );
  assert.deepEqual(
    stepsWhere(channel(spikes, 0), (v) => v > 0),
    [],
  );
  // a falling ramp mirrors it on the OFF column; the signed form carries the same events as ±1
  const down = deltaEncode(fromSamples(Array.from({ length: 13 }, (_, t) => -0.5 * t)), { threshold: 1, signed: true });
  assert.deepEqual([...down.spikes.data], [0, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1]);
});

test('delta: the decoder reconstructs every channel within the threshold, fast jumps included', () => {
  const rng = new Rng(3);
  const T = 300;
  const C = 3;
  const x = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    x[t * C] = Math.sin(t / 9) * 3;
    x[t * C + 1] = t % 50 < 25 ? 2.7 : -1.9; // jumps of several thresholds in one step
    x[t * C + 2] = rng.normal();
  }
  const theta = 0.3;
  for (const signed of [false, true]) {
    const enc = deltaEncode(signal(T, C, x), { threshold: theta, signed });
    const rec = deltaDecode(enc);
    for (let k = 0; k < x.length; k++) assert.ok(Math.abs(x[k]! - rec.data[k]!) < theta, `sample ${k}`);
    // a jump of 4.6 with θ 0.3 is 15 events in one step
    const jump = enc.spikes.data[25 * enc.spikes.C + (signed ? 1 : 2)]!;
    assert.equal(Math.abs(jump), 15);
  }
  assert.throws(() => deltaEncode(fromSamples([1, 2]), { threshold: 0 }), SpikerepError);
});

test("level crossing: a sine's crossings fall in the step where the analytic crossing time lies", () => {
  // x(t) = sin(2π(t + 0.5)/20): levels at −0.9, −0.6, …, 0.9 are crossed at known times t* = asin(L)·20/(2π) − 0.5 (+ period)
  const T = 80;
  const x = fromSamples(Array.from({ length: T }, (_, t) => Math.sin((2 * Math.PI * (t + 0.5)) / 20)));
  const spacing = 0.3;
  const { spikes } = levelCrossingEncode(x, { spacing, offset: 0 });
  const want = new Float32Array(T * 2);
  for (let k = -3; k <= 3; k++) {
    const L = k * spacing;
    const a = (Math.asin(L) * 20) / (2 * Math.PI) - 0.5; // rising crossing
    const b = 10 - (Math.asin(L) * 20) / (2 * Math.PI) - 0.5; // falling crossing
    for (let p = -1; p < 5; p++) {
      // the crossing at real time τ is seen at the first sample at or after it
      const up = Math.ceil(a + 20 * p);
      const down = Math.ceil(b + 20 * p);
      if (up >= 1 && up < T) want[up * 2 + 1]! += 1;
      if (down >= 1 && down < T) want[down * 2]! += 1;
    }
  }
  assert.deepEqual([...spikes.data], [...want]);
  // zero is crossed upwards at steps 20, 40, 60 and downwards at 10, 30, 50, 70 (among other levels)
  const zero = levelCrossingEncode(x, { spacing: 10, offset: 0 }).spikes;
  assert.deepEqual(
    stepsWhere(channel(zero, 1), (v) => v > 0),
    [20, 40, 60],
  );
  assert.deepEqual(
    stepsWhere(channel(zero, 0), (v) => v > 0),
    [10, 30, 50, 70],
  );
});

test('level crossing: the decoder gives the band floor, within the spacing below the signal', () => {
  const rng = new Rng(5);
  const x = fromSamples(Array.from({ length: 200 }, () => rng.normal() * 2));
  const enc = levelCrossingEncode(x, { spacing: 0.25, offset: 0.1 });
  const rec = levelCrossingDecode(enc);
  for (let t = 0; t < 200; t++) {
    const err = x.data[t]! - rec.data[t]!;
    assert.ok(err >= 0 && err < 0.25, `step ${t}: ${err}`);
  }
});

test('step-forward: one spike per step at most; reconstructs within θ while the signal moves slower than θ', () => {
  const T = 400;
  const theta = 0.1;
  // slope ≤ 2π·0.8/100 ≈ 0.05 < θ per step
  const x = fromSamples(Array.from({ length: T }, (_, t) => 0.8 * Math.sin((2 * Math.PI * t) / 100) + 0.2));
  const enc = stepForwardEncode(x, { threshold: theta });
  for (const v of enc.spikes.data) assert.ok(v === 0 || v === 1);
  const rec = stepForwardDecode(enc);
  for (let t = 0; t < T; t++) assert.ok(Math.abs(x.data[t]! - rec.data[t]!) <= theta + 1e-6, `step ${t}`);
  // an independent simulation of the rule gives the same spikes
  let base = x.data[0]!;
  const signed = stepForwardEncode(x, { threshold: theta, signed: true }).spikes.data;
  for (let t = 1; t < T; t++) {
    const v = x.data[t]!;
    const s = v > base + theta ? 1 : v < base - theta ? -1 : 0;
    base += s * theta;
    assert.equal(signed[t], s);
    assert.equal(enc.spikes.data[t * 2 + 1]! - enc.spikes.data[t * 2]!, s);
  }
  // a step of 1 is followed one θ per step until it is within θ: 7 spikes for θ = 1/8 (the 8th would need 1 > 1)
  const jump = stepForwardEncode(fromSamples([0, ...Array(20).fill(1)]), { threshold: 0.125 });
  assert.deepEqual(
    stepsWhere(channel(jump.spikes, 1), (v) => v > 0),
    [1, 2, 3, 4, 5, 6, 7],
  );
});

test('Poisson window: rates are the windowed mean; spikes follow them and repeat with the seed', () => {
  const x = signal(6, 2, Float32Array.from([0, 1, 0.5, 1, 1, 1, 0.2, 0, 0.4, 0.5, 0.9, 0.5]));
  const p = windowRates(x, 3, 1);
  // channel 0: 0, 0.5, 1, 0.2, 0.4, 0.9; channel 1: 1, 1, 1, 0, 0.5, 0.5
  const want = [0, 1, 0.25, 1, 0.5, 1, 1.7 / 3, 2 / 3, 1.6 / 3, 0.5, 0.5, 1 / 3];
  for (let k = 0; k < want.length; k++) assert.ok(Math.abs(p.data[k]! - want[k]!) < 1e-6, `rate ${k}`);
  assert.equal(windowRates(x, 3, 4).data[2], 1, 'gain then clipped to 1');

  const T = 4000;
  const half = fromSamples(Array.from({ length: T }, (_, t) => (t < T / 2 ? 0 : 0.3)));
  const a = poissonWindowEncode(half, { window: 10, rng: new Rng(7) });
  const b = poissonWindowEncode(half, { window: 10, rng: new Rng(7) });
  assert.deepEqual(a.data, b.data);
  const first = a.data.subarray(0, T / 2).reduce((s, v) => s + v, 0);
  const second = a.data.subarray(T / 2 + 10).reduce((s, v) => s + v, 0) / (T / 2 - 10);
  assert.equal(first, 0);
  // 1990 Bernoulli(0.3) draws: the mean lies within 4 standard deviations (0.041) of 0.3
  assert.ok(Math.abs(second - 0.3) < 0.041, `rate ${second}`);
});

test('population: the neuron whose centre is the value fires, with its neighbours inside the half-maximum', () => {
  const opts = { neurons: 11, min: 0, max: 1 };
  const { centres, sigma } = receptiveFields(opts);
  assert.ok(Math.abs(centres[3]! - 0.3) < 1e-12);
  assert.ok(Math.abs(sigma - 0.15) < 1e-12);
  const r = populationResponse(0.3, opts);
  assert.equal(r.indexOf(Math.max(...r)), 3);
  assert.equal(r[3], 1);
  const spikes = populationEncode(fromSamples([0.3, 0.72, 5]), opts);
  assert.equal(spikes.C, 11);
  const fired = (t: number) => stepsWhere(spikes.data.subarray(t * 11, (t + 1) * 11), (v) => v > 0);
  // half-maximum of a Gaussian at 1.177σ = 0.177: neurons within that distance of the value fire
  assert.deepEqual(fired(0), [2, 3, 4]);
  assert.deepEqual(fired(1), [6, 7, 8]);
  assert.deepEqual(fired(2), [9, 10], 'values above max are clipped to it');
  const dec = populationDecode(spikes, opts);
  assert.ok(Math.abs(dec.data[0]! - 0.3) < 1e-6);
  assert.ok(Math.abs(dec.data[1]! - 0.7) < 1e-6);
  // Bernoulli mode: the most often firing neuron over many steps is the one at the value
  const many = fromSamples(Array(2000).fill(0.6));
  const b = populationEncode(many, { ...opts, mode: 'bernoulli', rng: new Rng(1) });
  const counts = new Array(11).fill(0);
  for (let t = 0; t < 2000; t++) for (let i = 0; i < 11; i++) counts[i] += b.data[t * 11 + i]!;
  assert.equal(counts.indexOf(Math.max(...counts)), 6);
  assert.throws(() => populationEncode(many, { ...opts, mode: 'bernoulli' }), /needs an Rng/);
});
