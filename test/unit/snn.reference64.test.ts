/**
 * The float32 DSR neuron code against an independent float64 implementation written here from docs/method.md §1–§2,
 * on random and time-varying inputs, and the DSR backward against finite differences of the clamp mapping
 * it differentiates (docs/method.md §1.4, §2.2, §2.3). BPTT is checked in snn.bptt.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { RateReadout } from '../../src/nn/readout.js';
import { trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { ifConfig, lifConfig } from '../../src/snn/config.js';
import { neuron } from '../../src/snn/functional.js';
import { tensor } from '../../src/tensor.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();

// ---------------- the float64 reference, written from docs/method.md ----------------

interface Neuron64 {
  kind: 'if' | 'lif';
  vth: number;
  alpha: number;
  tau: number;
  dt: number;
}

const leak64 = (p: Neuron64): number => (p.kind === 'if' ? 1 : Math.exp(-p.dt / p.tau));

/** Representation weights, normalised: 1/T, or λ^(T−t)/Σ_s λ^(T−s) by repeated multiplication. */
function weights64(p: Neuron64, T: number): number[] {
  const w: number[] = [];
  let x = 1;
  for (let t = T; t >= 1; t--, x *= leak64(p)) w[t - 1] = p.kind === 'if' ? 1 : x;
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** Spikes (with magnitudes), the final membrane and each neuron's closest approach to the firing level. */
function forward64(p: Neuron64, input: ArrayLike<number>, T: number) {
  const n = input.length / T;
  const lam = leak64(p);
  const magnitude = p.kind === 'if' ? p.vth : p.vth / p.dt;
  const spikes = new Float64Array(T * n);
  const finalV = new Float64Array(n);
  const margin = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let t = 0; t < T; t++) {
      const u = p.kind === 'if' ? v + input[t * n + i]! : lam * v + (1 - lam) * input[t * n + i]!;
      margin[i] = Math.min(margin[i]!, Math.abs(u - p.alpha * p.vth));
      const fired = u >= p.alpha * p.vth;
      v = fired ? u - p.vth : u;
      spikes[t * n + i] = fired ? magnitude : 0;
    }
    finalV[i] = v;
  }
  return { spikes, finalV, margin };
}

/** Σ_t w_t·x[t, i] for every i. */
function reduce64(x: ArrayLike<number>, w: number[], T: number): Float64Array {
  const n = x.length / T;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) out[i]! += w[t]! * x[t * n + i]!;
  return out;
}

/** Spec §2.2 / §2.3 per neuron: masks on the float32 mean current, Gc = T·weighted mean, 1/T replication. */
function backward64(p: Neuron64, input: ArrayLike<number>, grad: ArrayLike<number>, T: number) {
  const n = input.length / T;
  const w = weights64(p, T);
  const mean = reduce64(input, w, T).map(Math.fround); // the code keeps Ī in float32: equality cases stay exact
  const gc = reduce64(grad, w, T).map((g) => g * T);
  const hi = p.kind === 'if' ? Math.fround(p.vth) : Math.fround(Math.fround(p.vth / p.dt) * p.tau);
  const gradInput = new Float64Array(T * n);
  let gradVth = 0;
  for (let i = 0; i < n; i++) {
    const m = mean[i]!;
    const passes = p.kind === 'if' ? 0 <= m && m <= hi : 0 < m && m < hi;
    const slope = p.kind === 'if' ? 1 : 1 / p.tau;
    for (let t = 0; t < T; t++) gradInput[t * n + i] = passes ? (gc[i]! * slope) / T : 0;
    if (m > hi) gradVth += gc[i]!;
  }
  return { gradInput, gradVth: p.kind === 'if' ? gradVth : gradVth * p.dt };
}

// ---------------- helpers ----------------

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const tol = rtol * (Math.abs(expected[i]!) + scale) + 1e-12;
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (±${tol})`);
    }
  }
}

/** Random, time-varying currents [T, n]: per-neuron offset, a sinusoid and noise, rounded to float32. */
function randomCurrents(rng: Rng, T: number, n: number, scale: number): Float32Array {
  const x = new Float32Array(T * n);
  for (let i = 0; i < n; i++) {
    const base = scale * (1.5 * rng.uniform() - 0.25);
    const amp = scale * rng.uniform();
    const omega = 2 * rng.uniform();
    for (let t = 0; t < T; t++) x[t * n + i] = base + amp * Math.sin(omega * t) + 0.2 * scale * rng.normal();
  }
  return x;
}

const IF64: Neuron64 = { kind: 'if', vth: 6, alpha: 0.5, tau: 1, dt: 1 };
const LIF64: Neuron64 = { kind: 'lif', vth: Math.fround(0.3), alpha: 0.3, tau: 1, dt: 0.05 };

const runForward = (p: Neuron64, x: Float32Array, T: number) =>
  p.kind === 'if' ? neuron.ifForward(x, T, p) : neuron.lifForward(x, T, p);
const runBackward = (p: Neuron64, x: Float32Array, g: Float32Array, T: number) =>
  p.kind === 'if' ? neuron.ifBackward(x, g, T, p) : neuron.lifBackward(x, g, T, p);

// ---------------- forward ----------------

describe('forward against float64 (random, time-varying currents)', () => {
  for (const [p, scale] of [
    [IF64, 6],
    [LIF64, 6],
  ] as const) {
    it(`${p.kind}: spikes, magnitudes and (weighted) rate match wherever float32 cannot flip a tie`, () => {
      const T = 20;
      const n = 400;
      const x = randomCurrents(new Rng(3), T, n, scale);
      const got = runForward(p, x, T);
      const ref = forward64(p, x, T);
      const refRate = reduce64(ref.spikes, weights64(p, T), T);
      let compared = 0;
      for (let i = 0; i < n; i++) {
        if (ref.margin[i]! < 1e-4 * p.vth) continue; // a near-tie: float32 rounding may decide it either way
        compared++;
        for (let t = 0; t < T; t++)
          assert.equal(Math.fround(got.spikes[t * n + i]!), Math.fround(ref.spikes[t * n + i]!));
        assert.ok(Math.abs(got.rate[i]! - refRate[i]!) <= 1e-6 * (p.kind === 'if' ? p.vth : p.vth / p.dt));
      }
      assert.ok(compared > 0.95 * n, `only ${compared} of ${n} neurons away from ties`);
    });

    it(`${p.kind}: the unrolled identity for a (docs/method.md §1.4) holds on the float64 simulation`, () => {
      const T = 16;
      const x = randomCurrents(new Rng(5), T, 50, scale);
      const ref = forward64(p, x, T);
      const w = weights64(p, T);
      const a = reduce64(ref.spikes, w, T);
      const meanI = reduce64(x, w, T);
      const lam = leak64(p);
      const sumRaw = p.kind === 'if' ? T : (1 - lam ** T) / (1 - lam);
      const predicted = meanI.map((m, i) =>
        p.kind === 'if' ? m - ref.finalV[i]! / T : ((1 - lam) / p.dt) * m - ref.finalV[i]! / (p.dt * sumRaw),
      );
      assertAllClose(a, predicted, 'a', 1e-12);
    });
  }
});

// ---------------- backward ----------------

/** Random currents plus neurons whose mean sits exactly on 0 and on the saturation point. */
function backwardCase(p: Neuron64, T: number, n: number, rng: Rng) {
  const x = randomCurrents(rng, T, n, p.kind === 'if' ? p.vth : (p.vth * p.tau) / p.dt);
  const hi = p.kind === 'if' ? p.vth : Math.fround((p.vth / p.dt) * p.tau);
  for (let t = 0; t < T; t++) {
    x[t * n] = 0; // Ī = 0 exactly
    x[t * n + 1] = p.kind === 'if' ? (t % 2 === 0 ? 2 * hi : 0) : hi; // Ī = hi exactly
    x[t * n + 2] = p.kind === 'if' ? (t % 2 === 0 ? 1 : -1) : 0; // Ī = 0 from a time-varying current
  }
  const g = new Float32Array(T * n);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  return { x, g };
}

describe('backward against float64 (masks, 1/T replication, threshold gradient)', () => {
  const lifTau2: Neuron64 = { kind: 'lif', vth: 0.5, alpha: 0.3, tau: 2, dt: 0.125 };
  for (const p of [IF64, { ...IF64, vth: 1 }, LIF64, lifTau2]) {
    it(`${p.kind} V=${p.vth} τ=${p.tau} Δt=${p.dt}: gradInput and gradVth`, () => {
      const T = p.kind === 'if' ? 8 : 20;
      const { x, g } = backwardCase(p, T, 300, new Rng(17));
      const got = runBackward(p, x, g, T);
      const ref = backward64(p, x, g, T);
      assertAllClose(got.gradInput, ref.gradInput, 'gradInput');
      assert.ok(
        Math.abs(got.gradVth - ref.gradVth) <= 1e-5 * (1 + Math.abs(ref.gradVth)),
        `gradVth ${got.gradVth} vs ${ref.gradVth}`,
      );
      // the edge neurons: IF passes on the closed interval, LIF on the open one
      assert.equal(got.gradInput[0] !== 0, p.kind === 'if');
      assert.equal(got.gradInput[1] !== 0, p.kind === 'if');
      // every step receives the same value
      for (let t = 1; t < T; t++)
        assert.deepEqual(got.gradInput.subarray(t * 300, t * 300 + 300), got.gradInput.subarray(0, 300));
    });
  }

  it('a threshold gradient without the ×Δt of the LIF rule is caught', () => {
    const { x, g } = backwardCase(LIF64, 20, 300, new Rng(17));
    const ref = backward64(LIF64, x, g, 20);
    assert.ok(ref.gradVth !== 0);
    const wrong = neuron.lifBackward(x, g, 20, LIF64).gradVth / LIF64.dt;
    assert.throws(() => assertAllClose([wrong], [ref.gradVth], 'gradVth'), assert.AssertionError);
  });
});

describe('the output-layer LIF factor T·Σw²/(Σw)² through RateReadout (docs/method.md §2.3, §6.16)', () => {
  for (const [config, factor] of [
    [lifConfig(), 1.081751],
    [ifConfig(), 1],
  ] as const) {
    it(`${config.kind}: Σ_t dI = ${factor}·dL/da for an unsaturated neuron`, () => {
      const T = 20;
      const w = weights64({ ...LIF64, kind: config.kind }, T);
      assert.ok(Math.abs(T * w.reduce((s, v) => s + v * v, 0) - factor) < 1e-6, 'the factor itself');
      const ctx = { k, T, batch: 1, rng: new Rng(0), mode: trainMode(T) };
      const readout = new RateReadout({ config });
      const dLda = Float32Array.from([1, 0.5, -2]);
      const dSpikes = readout.backward(tensor([1, 3], dLda), ctx);
      assert.deepEqual(dSpikes.shape, [T, 3]);
      const input = new Float32Array(T * 3).fill(config.kind === 'if' ? 3 : 2); // inside (0, hi)
      const { gradInput } = runBackward(config.kind === 'if' ? IF64 : LIF64, input, dSpikes.data, T);
      const total = reduce64(gradInput, new Array(T).fill(1), T);
      assertAllClose(
        total,
        [...dLda].map((d) => factor * d),
        'Σ_t dI',
        1e-6,
      );
    });
  }
});

// ---------------- the DSR backward is the chain rule of the clamp mapping ----------------

/** L(I, V) = Σ_i c_i·clamp(Î_i·slope, 0, cap(V)), in float64. */
function mappingLoss(p: Neuron64, x: ArrayLike<number>, V: number, c: number[], T: number): number {
  const meanI = reduce64(x, weights64(p, T), T);
  const slope = p.kind === 'if' ? 1 : 1 / p.tau;
  const cap = p.kind === 'if' ? V : V / p.dt;
  return c.reduce((s, ci, i) => s + ci * Math.min(Math.max(meanI[i]! * slope, 0), cap), 0);
}

describe('DSR backward = finite differences of a = clamp(Ī, 0, V) (IF) / clamp(Ī_w/τ, 0, V/Δt) (LIF)', () => {
  for (const p of [IF64, LIF64]) {
    it(`${p.kind}, hidden-layer case: uniform incoming gradient c_i/T`, () => {
      const T = 10;
      const n = 60;
      const rng = new Rng(23);
      const x = randomCurrents(rng, T, n, p.kind === 'if' ? p.vth : p.vth / p.dt);
      const c = Array.from({ length: n }, () => rng.normal());
      const g = new Float32Array(T * n);
      for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) g[t * n + i] = c[i]! / T;
      const got = runBackward(p, x, g, T);
      const eps = 1e-4;
      const xs = Float64Array.from(x);
      const shift = (i: number, d: number): Float64Array => xs.map((v, j) => (j % n === i ? v + d : v));
      for (let i = 0; i < n; i++) {
        // every step shifted together: the directional derivative Σ_t ∂L/∂I[t, i]
        const fd =
          (mappingLoss(p, shift(i, eps), p.vth, c, T) - mappingLoss(p, shift(i, -eps), p.vth, c, T)) / (2 * eps);
        const dsr = reduce64(got.gradInput, new Array(T).fill(1), T)[i]!;
        assert.ok(Math.abs(dsr - fd) <= 1e-5 * (1 + Math.abs(fd)), `neuron ${i}: ${dsr} vs ${fd}`);
        // per step: IF is the exact chain rule; LIF spreads uniformly where the chain rule weights by w_t
        if (p.kind === 'if') {
          const one = (d: number) => xs.map((v, j) => (j === i ? v + d : v)); // step 0 only
          const fd0 = (mappingLoss(p, one(eps), p.vth, c, T) - mappingLoss(p, one(-eps), p.vth, c, T)) / (2 * eps);
          assert.ok(Math.abs(got.gradInput[i]! - fd0) <= 1e-5 * (1 + Math.abs(fd0)));
        }
      }
      const fdV = (mappingLoss(p, xs, p.vth + eps, c, T) - mappingLoss(p, xs, p.vth - eps, c, T)) / (2 * eps);
      // LIF: the code multiplies by Δt where the mapping's derivative carries 1/Δt — Δt² smaller (docs/method.md §2.3)
      const expected = p.kind === 'if' ? fdV : fdV * p.dt * p.dt;
      assert.ok(fdV !== 0, 'some neurons saturate');
      assert.ok(Math.abs(got.gradVth - expected) <= 1e-4 * Math.abs(expected), `${got.gradVth} vs ${expected}`);
    });
  }
});

// ---------------- the ANN clamp ----------------

describe('ANN clamp neuron y = clamp(x, 0, V): gradients', () => {
  it('match finite differences away from the kinks; the closed interval passes at x = 0 and x = V', () => {
    const layer = new SpikingNeuron({ k }, { name: 'act', config: ifConfig({ vth: 1.5 }), mode: 'ann' });
    const x = Float32Array.from([-1, 0, 0.25, 1, 1.5, 2, 3.5, -0.5]);
    const c = [0.5, -1, 2, 1, 3, -2, 0.25, 4];
    const ctx = { k, T: 1, batch: 8, rng: new Rng(0), mode: trainMode(1) };
    const y = layer.forward(tensor([8, 1], x), ctx);
    assert.deepEqual([...y.data], [0, 0, 0.25, 1, 1.5, 1.5, 1.5, 0]);
    const dx = layer.backward(tensor([8, 1], Float32Array.from(c)), ctx);
    assert.deepEqual([...dx.data], [0, -1, 2, 1, 3, 0, 0, 0]);
    const loss = (xs: number[], V: number) => xs.reduce((s, v, i) => s + c[i]! * Math.min(Math.max(v, 0), V), 0);
    const eps = 1e-3;
    for (const i of [0, 2, 3, 5, 6, 7]) {
      const plus = [...x].map((v, j) => (j === i ? v + eps : v));
      const minus = [...x].map((v, j) => (j === i ? v - eps : v));
      assert.ok(Math.abs((loss(plus, 1.5) - loss(minus, 1.5)) / (2 * eps) - dx.data[i]!) < 1e-9);
    }
    // dV: only x > V saturates; x = 1.5 = V (index 4, a kink where differences are one-sided) adds nothing
    const away = [...x].map((v, i) => (i === 4 ? 0 : v));
    const fdV = (loss(away, 1.5 + eps) - loss(away, 1.5 - eps)) / (2 * eps);
    assert.ok(Math.abs(fdV - -1.75) < 1e-9);
    assert.equal(layer.vth.grad[0], -1.75);
  });
});
