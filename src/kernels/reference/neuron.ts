/**
 * Reference spiking-neuron kernels over time-major [T, n] buffers (docs/method.md §1, §2). The time loop is written as a
 * neuron's named steps — synaptic current, charge, fire, reset — so it reads like docs/method.md §1.1/§1.2. The state starts
 * at 0 on every call (or from the carried buffers, which then receive the final state) and is kept in float32, each
 * arithmetic step rounded as PyTorch rounds it, so equality cases at α·Vth fire exactly where the reference code
 * fires. Reductions accumulate in float64. Every constant arrives computed by the caller (snn/description.ts).
 */
import type {
  Buf,
  NeuronBackwardAttrs,
  NeuronForwardAttrs,
  RepresentationBackwardAttrs,
  SurrogateBackwardAttrs,
} from '../kernels.js';
import { checkNormalized } from '../neuron-fused.js';
import { batchNormApply } from './batchnorm.js';
import { avgPool2dForward } from './pool.js';

const f32 = Math.fround;

// ---- the neuron's steps (docs/method.md §1) ----

/**
 * Charge: u = decay·v + bias + gain·I, each product and sum rounded to float32 as tensor ops are (IF: 1, 0, 1).
 * No bias is no addition (adding +0 would turn a −0 membrane into +0).
 */
function charge(v: number, current: number, decay: number, bias: number, gain: number): number {
  const kept = f32(decay * v);
  return f32((bias === 0 ? kept : f32(kept + bias)) + f32(gain * current));
}

/** Fire when the membrane reaches the firing level: '>=' so equality fires (docs/method.md §6.2), or '>' (NIR). */
function fire(u: number, threshold: number, strict: boolean): 0 | 1 {
  return (strict ? u > threshold : u >= threshold) ? 1 : 0;
}

/** Reset: subtract the full Vth (DSR, docs/method.md §1.1: not α·Vth, never to zero) or set to a value (NIR). */
function reset(u: number, spike: 0 | 1, r: NeuronForwardAttrs['reset']): number {
  if (spike === 0) return u;
  return r.kind === 'subtract' ? f32(u - f32(r.amount)) : f32(r.value);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

// ---- the multi-step forward ----

export function neuronForward(input: Buf, spikes: Buf, a: NeuronForwardAttrs): void {
  if (a.normalized !== undefined) {
    // the specification of `normalized`: the batch-norm's output, then the neuron on it
    checkNormalized(a);
    const { normalized: b, ...rest } = a;
    const normed = new Float32Array(a.inputOnce === true ? a.n : a.T * a.n);
    const attrs = { rows: normed.length / b.channels, channels: b.channels };
    batchNormApply(input, normed, b.mean, b.invStd, b.gamma, b.beta, attrs);
    neuronForward(normed, spikes, rest);
    return;
  }
  if (a.pooled !== undefined) {
    // the specification of `pooled`: the spikes, then their average pooling
    const { pooled, ...rest } = a;
    const all = new Float32Array(a.T * a.n);
    neuronForward(input, all, rest);
    avgPool2dForward(all, spikes, pooled);
    return;
  }
  const { T, n, strict = false, reset: r, soft } = a;
  const decay = f32(a.decay),
    gain = f32(a.gain),
    bias = f32(a.bias ?? 0);
  const level = f32(a.threshold),
    magnitude = f32(a.magnitude);
  const syn = a.synapse;
  const synDecay = f32(syn?.decay ?? 0),
    synGain = f32(syn?.gain ?? 0);
  const c = syn === undefined ? null : (syn.current ?? new Float32Array(n)); // the synaptic current, if any
  const v = a.membrane ?? new Float32Array(n); // membrane after reset: 0 at the start, or the carried state
  if (soft !== undefined && r.kind !== 'subtract')
    throw new Error('neuronForward: a soft forward resets by subtraction');
  const vth = r.kind === 'subtract' ? f32(r.amount) : 0;
  const inputRow = a.inputOnce === true ? 0 : n;
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      let current = input[t * inputRow + i]!;
      if (c !== null) current = c[i] = f32(f32(synDecay * c[i]!) + f32(synGain * current));
      const u = charge(v[i]!, current, decay, bias, gain);
      if (a.record !== undefined) a.record[row + i] = u;
      if (soft !== undefined) {
        const s = sigmoid((soft.slope * (u - level)) / vth);
        v[i] = f32(u - vth * s);
        spikes[row + i] = magnitude * s;
      } else {
        const s = fire(u, level, strict);
        v[i] = reset(u, s, r);
        spikes[row + i] = s * magnitude;
      }
    }
  }
  if (a.rate !== undefined) timeReduce(spikes, a.rate.out, a.rate.weights, T, n);
  if (a.inputRep !== undefined) timeReduce(input, a.inputRep.out, a.inputRep.weights, T, a.inputOnce === true ? 0 : n);
}

// ---- the fused rate: the weighted time aggregation of the spikes ----

/** out[i] = Σ_t weights[t]·x[t·step + i], i < out.length (step 0: the same x at every step). */
function timeReduce(x: Buf, out: Buf, weights: Float64Array, T: number, step: number): void {
  for (let i = 0; i < out.length; i++) {
    let acc = 0;
    for (let t = 0; t < T; t++) acc += weights[t]! * x[t * step + i]!;
    out[i] = acc;
  }
}

// ---- the backward: DSR on the representation, or the surrogate through the loop ----

export function neuronBackward(gradOut: Buf, gradIn: Buf, a: NeuronBackwardAttrs): number {
  return a.mode === 'representation'
    ? representationBackward(gradOut, gradIn, a)
    : surrogateBackward(gradOut, gradIn, a);
}

function representationBackward(gradRep: Buf, gradIn: Buf, a: RepresentationBackwardAttrs): number {
  const { n, inputRep, hi, slope, closed } = a;
  let gradHi = 0;
  for (let i = 0; i < n; i++) {
    const m = inputRep[i]!;
    const inside = closed ? m >= 0 && m <= hi : m > 0 && m < hi;
    gradIn[i] = inside ? gradRep[i]! * slope : 0;
    if (m > hi) gradHi += gradRep[i]!; // saturated: d clamp / d hi = 1
  }
  return gradHi;
}

/**
 * Reverse-mode through the recursion, per element, with c = spikeScale, σ' = slope·σ(1 − σ) at z:
 *   o[t] = c·V·s[t],  v[t] = u[t] − V·s[t],  u[t+1] = decay·v[t] + gain·I[t+1],  z[t] = u[t]/V − α
 *   I[t] = synDecay·I[t−1] + synGain·x[t]   (with a synaptic stage; else I = x)
 *   ∂L/∂v[t] = decay·∂L/∂u[t+1]                         (0 after the last step)
 *   ∂L/∂s[t] = c·V·∂L/∂o[t] − V·∂L/∂v[t]                (output magnitude and reset)
 *   ∂L/∂u[t] = ∂L/∂v[t] + ∂L/∂s[t]·σ'/V                 (the reset path keeps its direct term)
 *   ∂L/∂I[t] = gain·∂L/∂u[t] + synDecay·∂L/∂I[t+1],  ∂L/∂x[t] = synGain·∂L/∂I[t]
 *   ∂L/∂V   += c·s·∂L/∂o[t] − s·∂L/∂v[t] − ∂L/∂s[t]·σ'·u[t]/V²   (magnitude, reset, firing level)
 * In hard mode s is the Heaviside value and σ' the surrogate; in soft mode this is the exact gradient.
 */
function surrogateBackward(gradSpikes: Buf, gradInput: Buf, a: SurrogateBackwardAttrs): number {
  const { T, n, soft, slope, spikeScale, membrane } = a;
  const vth = f32(a.vth);
  const level = f32(a.threshold);
  const decay = f32(a.decay);
  const gain = f32(a.gain);
  const magnitude = f32(spikeScale * vth);
  const syn = a.synapse;
  const synDecay = f32(syn?.decay ?? 0),
    synGain = f32(syn?.gain ?? 0);
  const gradV = new Float64Array(n); // ∂L/∂v[t], carried back from step t+1
  const gradC = new Float64Array(n); // ∂L/∂I[t], carried back through the synaptic stage
  let gradVth = 0;
  for (let t = T - 1; t >= 0; t--) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const u = membrane[row + i]!;
      const sig = sigmoid((slope * (u - level)) / vth);
      const s = soft ? sig : fire(u, level, false);
      const dsdz = slope * sig * (1 - sig);
      const gOut = gradSpikes[row + i]!;
      const gv = gradV[i]!;
      const gs = magnitude * gOut - vth * gv;
      const gu = gv + (gs * dsdz) / vth;
      if (syn === undefined) gradInput[row + i] = gain * gu;
      else {
        const gc = gain * gu + synDecay * gradC[i]!;
        gradC[i] = gc;
        gradInput[row + i] = synGain * gc;
      }
      gradV[i] = decay * gu;
      gradVth += spikeScale * s * gOut - s * gv - (gs * dsdz * u) / (vth * vth);
    }
  }
  return gradVth;
}
