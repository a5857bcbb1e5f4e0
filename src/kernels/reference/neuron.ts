/**
 * Reference spiking-neuron kernels over time-major [T, n] buffers (docs/method.md §1, §2). Each time loop is written as
 * a neuron's three named steps — charge, fire, reset — so it reads like docs/method.md §1.1/§1.2. The membrane starts at
 * 0 on every call (or from `attrs.membrane`, which then receives the final state) and is kept in float32, each arithmetic step rounded as PyTorch rounds it, so equality cases
 * at α·Vth fire exactly where the reference code fires. Reductions accumulate in float64.
 */
import type { Buf, BpttAttrs, ClampBackwardAttrs, IfAttrs, LifAttrs } from '../kernels.js';

const f32 = Math.fround;

// ---- the neuron's steps (docs/method.md §1) ----

/** IF charge: integrate without leak, u = v + I. */
function chargeIf(v: number, current: number): number {
  return f32(v + current);
}

/** LIF charge: u = λ·v + (1 − λ)·I, each product and the sum rounded to float32 as three tensor ops are. */
function chargeLif(v: number, current: number, lambda: number, gain: number): number {
  return f32(f32(lambda * v) + f32(gain * current));
}

/** Fire when the membrane reaches α·Vth; '>=' so equality fires (docs/method.md §6.2). */
function fire(u: number, threshold: number): 0 | 1 {
  return u >= threshold ? 1 : 0;
}

/** Soft reset: subtract the full Vth (not α·Vth), never reset to zero. */
function reset(u: number, spike: 0 | 1, vth: number): number {
  return spike === 1 ? f32(u - vth) : u;
}

/** The firing level α·Vth as the code computes it: a float32 product. */
function firingLevel(alpha: number, vth: number): number {
  return f32(f32(alpha) * f32(vth));
}

/** The LIF leak λ = exp(−Δt/τ), a float32 tensor in the code. */
function leak(tau: number, dt: number): number {
  return f32(Math.exp(f32(-dt / f32(tau))));
}

/** Weighted-rate weights w_t = exp(−(T·Δt − t·Δt)/τ) (newest 1), normalised by Σw (docs/method.md §1.3). Shared by the fast backends. */
export function leakWeights(T: number, tau: number, dt: number): Float64Array {
  const w = new Float64Array(T);
  let total = 0;
  for (let t = 1; t <= T; t++) total += w[t - 1] = Math.exp(-(T * dt - t * dt) / tau);
  for (let t = 0; t < T; t++) w[t]! /= total;
  return w;
}

function uniformWeights(T: number): Float64Array {
  return new Float64Array(T).fill(1 / T);
}

// ---- DSR forwards ----

export function ifForward(input: Buf, spikes: Buf, rate: Buf | null, a: IfAttrs): void {
  const { T, n } = a;
  const vth = f32(a.vth);
  const level = firingLevel(a.alpha, vth);
  const v = a.membrane ?? new Float32Array(n); // membrane after reset: 0 at the start, or the carried state
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const u = chargeIf(v[i]!, input[row + i]!);
      const s = fire(u, level);
      v[i] = reset(u, s, vth);
      spikes[row + i] = s * vth; // the spike carries magnitude Vth
    }
  }
  if (rate !== null) timeReduce(spikes, rate, uniformWeights(T), T, n);
}

export function lifForward(input: Buf, spikes: Buf, rate: Buf | null, a: LifAttrs): void {
  const { T, n } = a;
  const vth = f32(a.vth);
  const level = firingLevel(a.alpha, vth);
  const lambda = leak(a.tau, a.dt);
  const gain = f32(1 - lambda);
  const magnitude = f32(vth / a.dt); // Vth/Δt
  const v = a.membrane ?? new Float32Array(n);
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const u = chargeLif(v[i]!, input[row + i]!, lambda, gain);
      const s = fire(u, level);
      v[i] = reset(u, s, vth);
      spikes[row + i] = s * magnitude;
    }
  }
  if (rate !== null) timeReduce(spikes, rate, leakWeights(T, a.tau, a.dt), T, n);
}

// ---- time aggregation and the DSR clamp backward ----

export function timeReduce(x: Buf, out: Buf, weights: Float64Array, T: number, n: number): void {
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let t = 0; t < T; t++) acc += weights[t]! * x[t * n + i]!;
    out[i] = acc;
  }
}

export function timeBroadcast(x: Buf, out: Buf, scale: number, T: number, n: number): void {
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) out[row + i] = scale * x[i]!;
  }
}

export function clampBackward(mean: Buf, gradRep: Buf, gradIn: Buf, a: ClampBackwardAttrs): number {
  const { n, hi, slope, closed } = a;
  let gradHi = 0;
  for (let i = 0; i < n; i++) {
    const m = mean[i]!;
    const inside = closed ? m >= 0 && m <= hi : m > 0 && m < hi;
    gradIn[i] = inside ? gradRep[i]! * slope : 0;
    if (m > hi) gradHi += gradRep[i]!; // saturated: d clamp / d hi = 1
  }
  return gradHi;
}

export function clamp(x: Buf, y: Buf, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) y[i] = Math.min(Math.max(x[i]!, lo), hi);
}

// ---- BPTT with a sigmoid surrogate ----

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Same dynamics as the DSR neurons, written with the generic constants of BpttAttrs. In `soft` mode the
 * spike is s = σ(slope·z) instead of H(z), z = (u − α·vth)/vth, so the whole forward is smooth.
 */
export function bpttForward(input: Buf, spikes: Buf, membrane: Buf, a: BpttAttrs): void {
  const { T, n, soft, slope } = a;
  const vth = f32(a.vth);
  const level = firingLevel(a.alpha, vth);
  const decay = f32(a.decay);
  const gain = f32(a.gain);
  const magnitude = f32(a.spikeScale * vth);
  const v = new Float32Array(n);
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const u = chargeLif(v[i]!, input[row + i]!, decay, gain); // with decay = gain = 1 this is the IF charge
      membrane[row + i] = u;
      if (soft) {
        const s = sigmoid(slope * (u - level) / vth);
        v[i] = f32(u - vth * s);
        spikes[row + i] = magnitude * s;
      } else {
        const s = fire(u, level);
        v[i] = reset(u, s, vth);
        spikes[row + i] = s * magnitude;
      }
    }
  }
}

/**
 * Reverse-mode through the recursion, per element, with c = spikeScale, σ' = slope·σ(1 − σ) at z:
 *   o[t] = c·V·s[t],  v[t] = u[t] − V·s[t],  u[t+1] = decay·v[t] + gain·I[t+1],  z[t] = u[t]/V − α
 *   ∂L/∂v[t] = decay·∂L/∂u[t+1]                         (0 after the last step)
 *   ∂L/∂s[t] = c·V·∂L/∂o[t] − V·∂L/∂v[t]                (output magnitude and reset)
 *   ∂L/∂u[t] = ∂L/∂v[t] + ∂L/∂s[t]·σ'/V                 (the reset path keeps its direct term)
 *   ∂L/∂I[t] = gain·∂L/∂u[t]
 *   ∂L/∂V   += c·s·∂L/∂o[t] − s·∂L/∂v[t] − ∂L/∂s[t]·σ'·u[t]/V²   (magnitude, reset, firing level)
 * In hard mode s is the Heaviside value and σ' the surrogate; in soft mode this is the exact gradient.
 */
export function bpttBackward(membrane: Buf, gradSpikes: Buf, gradInput: Buf, a: BpttAttrs): number {
  const { T, n, soft, slope, spikeScale } = a;
  const vth = f32(a.vth);
  const level = firingLevel(a.alpha, vth);
  const decay = f32(a.decay);
  const gain = f32(a.gain);
  const magnitude = f32(spikeScale * vth);
  const gradV = new Float64Array(n); // ∂L/∂v[t], carried back from step t+1
  let gradVth = 0;
  for (let t = T - 1; t >= 0; t--) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const u = membrane[row + i]!;
      const sig = sigmoid(slope * (u - level) / vth);
      const s = soft ? sig : fire(u, level);
      const dsdz = slope * sig * (1 - sig);
      const gOut = gradSpikes[row + i]!;
      const gv = gradV[i]!;
      const gs = magnitude * gOut - vth * gv;
      const gu = gv + (gs * dsdz) / vth;
      gradInput[row + i] = gain * gu;
      gradV[i] = decay * gu;
      gradVth += spikeScale * s * gOut - s * gv - (gs * dsdz * u) / (vth * vth);
    }
  }
  return gradVth;
}
