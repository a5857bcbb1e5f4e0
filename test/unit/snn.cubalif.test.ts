/**
 * The current-based LIF (snn/cubalif.ts) against float64 code written here: the two-stage recursion
 *   I[t] = λs·I[t−1] + (1 − λs)·x[t],  u[t] = λ·v[t−1] + (1 − λ)·I[t],  fire at α·Vth, subtract Vth,
 * its spike representation (LIF's weighted rate, which tends to LIF's clamp mapping of the synaptic current) and
 * its DSR backward (the chain rule of a = clamp(Ī_w/τ, 0, Vth/Δt) with Ī_w the weighted mean of I, spread
 * uniformly over the steps), checked against central differences of that mapping.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reference as k } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { cubaLifConfig, lifConfig } from '../../src/snn/config.js';
import { dsrBackward, dsrBackwardSummed, represent, simulate } from '../../src/snn/dsr.js';
import { neuronModel } from '../../src/snn/model.js';

const P = { vth: Math.fround(0.3), alpha: 0.3, tau: 1, dt: 0.05, tauSyn: 0.5 };
const lambda = Math.exp(-P.dt / P.tau);
const lambdaSyn = Math.exp(-P.dt / P.tauSyn);

/** The synaptic current I [T, n] of inputs x [T, n], in float64. */
function synapticCurrent(x: ArrayLike<number>, T: number, n: number): Float64Array {
  const I = new Float64Array(T * n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let t = 0; t < T; t++) I[t * n + i] = c = lambdaSyn * c + (1 - lambdaSyn) * x[t * n + i]!;
  }
  return I;
}

/** λ^(T−t) for t = 1..T and their sum. */
function weights(T: number): { w: number[]; sum: number } {
  const w = Array.from({ length: T }, (_, t) => lambda ** (T - 1 - t));
  return { w, sum: w.reduce((a, b) => a + b, 0) };
}

/** Ī_w of the synaptic current for neuron i. */
function weightedCurrent(x: ArrayLike<number>, T: number, n: number, i: number): number {
  const I = synapticCurrent(x, T, n);
  const { w, sum } = weights(T);
  let acc = 0;
  for (let t = 0; t < T; t++) acc += w[t]! * I[t * n + i]!;
  return acc / sum;
}

/** The DSR mapping's loss L = Σ_i g_i·clamp(Ī_w,i/τ, 0, V/Δt), in float64. */
function mappingLoss(x: ArrayLike<number>, T: number, n: number, g: ArrayLike<number>, V: number): number {
  let L = 0;
  for (let i = 0; i < n; i++) L += g[i]! * Math.min(Math.max(weightedCurrent(x, T, n, i) / P.tau, 0), V / P.dt);
  return L;
}

describe('CubaLIF forward and representation', () => {
  const m = neuronModel(cubaLifConfig(P));

  it('spikes of the float64 two-stage recursion, and the LIF identity a = (1 − λ)/Δt·Ī_w − v_T/(Δt·Σw) on the synaptic current', () => {
    const T = 20,
      n = 64;
    const rng = new Rng(4);
    const x = Float32Array.from({ length: T * n }, () => 7 * rng.uniform() - 1);
    const spikes = new Float32Array(T * n),
      rate = new Float32Array(n),
      membrane = new Float32Array(n);
    simulate(k, m, x, spikes, null, T, n, { membrane });
    const rateOnly = new Float32Array(T * n);
    simulate(k, m, x, rateOnly, rate, T, n);
    assert.deepEqual(rateOnly, spikes);
    const I = synapticCurrent(x, T, n);
    const { w, sum } = weights(T);
    let flips = 0;
    for (let i = 0; i < n; i++) {
      let v = 0,
        weighted = 0;
      for (let t = 0; t < T; t++) {
        const u = lambda * v + (1 - lambda) * I[t * n + i]!;
        const s = u >= P.alpha * P.vth ? 1 : 0;
        v = u - P.vth * s;
        if ((spikes[t * n + i] !== 0 ? 1 : 0) !== s) flips++;
        weighted += w[t]! * I[t * n + i]!;
      }
      const a = ((1 - lambda) / P.dt) * (weighted / sum) - membrane[i]! / (P.dt * sum);
      assert.ok(Math.abs(rate[i]! - a) < 1e-4, `neuron ${i}: rate ${rate[i]} vs identity ${a}`);
    }
    assert.equal(flips, 0, 'float32 and float64 fire at the same steps');
  });

  it("a constant input: the rate tends to LIF's (the filter has unit gain at rest) within the LIF error bound", () => {
    const T = 400,
      xs = [0.25, 1, 2.5, 4, 5.5];
    const x = new Float32Array(T * xs.length);
    for (let t = 0; t < T; t++) x.set(xs, t * xs.length);
    const rateCuba = new Float32Array(xs.length),
      rateLif = new Float32Array(xs.length);
    simulate(k, m, x, new Float32Array(x.length), rateCuba, T, xs.length);
    simulate(k, neuronModel(lifConfig(P)), x, new Float32Array(x.length), rateLif, T, xs.length);
    const { sum } = weights(T);
    const bound = (Math.max(P.alpha, 1 - P.alpha) * P.vth) / (P.dt * sum); // docs/method.md §1.4, LIF
    for (let i = 0; i < xs.length; i++) {
      const mapped = Math.min(((1 - lambda) / P.dt) * xs[i]!, P.vth / P.dt);
      assert.ok(
        Math.abs(rateCuba[i]! - mapped) <= bound + 1e-4,
        `x = ${xs[i]}: rate ${rateCuba[i]}, mapping ${mapped}`,
      );
      assert.ok(
        Math.abs(rateCuba[i]! - rateLif[i]!) <= 2 * bound + 1e-4,
        `x = ${xs[i]}: CubaLIF ${rateCuba[i]}, LIF ${rateLif[i]}`,
      );
    }
  });

  it('the input representation is Ī_w of the synaptic current', () => {
    const T = 9,
      n = 5;
    const rng = new Rng(5);
    const x = Float32Array.from({ length: T * n }, () => rng.normal());
    const rep = new Float32Array(n);
    represent(k, m, x, rep, T, n);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(rep[i]! - weightedCurrent(x, T, n, i)) < 1e-6, `neuron ${i}`);
  });
});

describe('CubaLIF DSR backward = the chain rule of its clamp mapping (float64 central differences)', () => {
  const T = 8,
    n = 40;
  const rng = new Rng(6);
  // inputs whose Ī_w (about a third of them at T = 8) spreads over the clamp's range (0, V·τ/Δt = 6) and beyond;
  // a hidden layer's gradient: g_i/T at every step
  const x = Float32Array.from({ length: T * n }, () => 60 * rng.uniform() - 15);
  const g = Float32Array.from({ length: n }, () => rng.normal());
  const gradSpikes = new Float32Array(T * n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) gradSpikes[t * n + i] = g[i]! / T;
  const m = neuronModel(cubaLifConfig(P));
  const gradInput = new Float32Array(T * n);
  const gradVth = dsrBackward(k, m, x, gradSpikes, gradInput, T, n);

  it('Σ_t dL/dx[t] per neuron = d L/dε of an input raised by ε at every step; each step gets an equal share', () => {
    const eps = 1e-6;
    let inside = 0,
      outside = 0;
    for (let i = 0; i < n; i++) {
      const bump = (h: number): Float64Array => Float64Array.from(x, (v, j) => (j % n === i ? v + h : v));
      const fd = (mappingLoss(bump(eps), T, n, g, P.vth) - mappingLoss(bump(-eps), T, n, g, P.vth)) / (2 * eps);
      let total = 0;
      for (let t = 0; t < T; t++) {
        total += gradInput[t * n + i]!;
        assert.equal(gradInput[t * n + i], gradInput[i], 'uniform over the steps (docs/method.md §6.6)');
      }
      assert.ok(Math.abs(total - fd) <= 1e-5 * (1 + Math.abs(fd)), `neuron ${i}: ${total} vs ${fd}`);
      if (fd !== 0) inside++;
      else outside++;
    }
    assert.ok(inside > 5 && outside > 5, `both sides of the clamp are tested (${inside} inside, ${outside} outside)`);
  });

  it("the threshold gradient is Δt² times dL/dVth of the mapping, as LIF's (docs/method.md §2.3)", () => {
    const eps = 1e-7;
    const fd = (mappingLoss(x, T, n, g, P.vth + eps) - mappingLoss(x, T, n, g, P.vth - eps)) / (2 * eps);
    assert.ok(fd !== 0, 'some neurons saturate');
    assert.ok(Math.abs(gradVth - P.dt * P.dt * fd) <= 1e-5 * Math.abs(P.dt * P.dt * fd), `${gradVth} vs Δt²·${fd}`);
  });

  it('the time-summed backward (representation mode) gives the summed input gradient and the same threshold gradient', () => {
    const rep = new Float32Array(n),
      sumGrad = new Float32Array(n),
      gradInSum = new Float32Array(n);
    represent(k, m, x, rep, T, n);
    for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) sumGrad[i]! += gradSpikes[t * n + i]!;
    const vthSummed = dsrBackwardSummed(k, m, rep, sumGrad, gradInSum, T);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let t = 0; t < T; t++) total += gradInput[t * n + i]!;
      assert.ok(Math.abs(gradInSum[i]! - total) <= 1e-6 * (1 + Math.abs(total)), `neuron ${i}`);
    }
    assert.ok(Math.abs(vthSummed - gradVth) <= 1e-6 * Math.abs(gradVth));
  });
});
