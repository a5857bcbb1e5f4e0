/**
 * The neuron description: one record of numbers from which the kernels run every neuron kind (kernels.ts,
 * NeuronForwardAttrs) and the DSR backward takes its representation (docs/method.md §1.3) and clamp mapping (docs/method.md §2.2–2.3).
 * This file is the only place the leak λ, the representation weights and the gradient weights are computed; a
 * neuron kind (if.ts, lif.ts, cubalif.ts) only picks its parameters.
 */
import type {
  Buf,
  NeuronForwardAttrs,
  RepresentationBackwardAttrs,
  SurrogateBackwardAttrs,
} from '../kernels/kernels.js';
import type { NeuronConfig } from './config.js';

const f32 = Math.fround;

/** A first-order stage x ← decay·x + gain·input, in float64 and as the float32 constants the forward runs with. */
export interface Stage {
  readonly decay: number;
  readonly gain: number;
  readonly decay32: number;
  readonly gain32: number;
}

export interface NeuronModel {
  readonly config: NeuronConfig;
  readonly vth: number;
  readonly alpha: number;
  /** Membrane charge u = decay·v + gain·I: IF 1 and 1, LIF λ and 1 − λ (docs/method.md §1.1, §1.2). */
  readonly decay: number;
  readonly gain: number;
  /** The same as float32 kernel constants, rounded as the reference code rounds its float32 tensors. */
  readonly charge: Stage;
  /** The synaptic current I[t] = λ_syn·I[t−1] + (1 − λ_syn)·x[t] feeding the membrane (CubaLIF), or null. */
  readonly synapse: Stage | null;
  /** Spike magnitude per unit threshold: o = spikeScale·Vth (IF 1, LIF 1/Δt; docs/method.md §6.1). */
  readonly spikeScale: number;
  /** The DSR spike magnitude as the code rounds it: f32(Vth) (IF) or f32(f32(Vth)/Δt) (LIF). */
  magnitude(vth: number): number;
  /** Unnormalised representation weights of the spikes for T steps, oldest first: all 1 (IF) or λ^(T−t) (LIF). */
  rawWeights(T: number): Float64Array;
  /** The DSR clamp backward (docs/method.md §2.2, §2.3): the input gradient passes where 0 ≤/< Ī ≤/< clampHi. */
  readonly clampHi: number;
  readonly clampClosed: boolean;
  /** Slope of the mapping: 1 (IF) or 1/τ (LIF). */
  readonly clampSlope: number;
  /** The threshold gradient is Σ Gc over Ī > clampHi, times this (1 for IF, Δt for LIF) and vthGradScale. */
  readonly vthGradFactor: number;
}

// ---- the parameter sets ----

/** No leak: the IF charge u = v + I. */
export const NO_LEAK: Stage = { decay: 1, gain: 1, decay32: 1, gain32: 1 };

/** λ = exp(−Δt/τ): 0.951229 at the defaults. */
export function leak(tau: number, dt: number): number {
  return Math.exp(-dt / tau);
}

/**
 * The stage u = λ·u + (1 − λ)·I with λ = exp(−Δt/τ). The float32 constants are the code's: λ is the float32
 * exp of the float32 −Δt/τ, and 1 − λ is computed from that float32 λ (docs/method.md §1.2).
 */
export function leakyStage(tau: number, dt: number): Stage {
  const lambda = leak(tau, dt);
  const lambda32 = f32(Math.exp(f32(-dt / f32(tau))));
  return { decay: lambda, gain: 1 - lambda, decay32: lambda32, gain32: f32(1 - lambda32) };
}

/** w_t = exp(−(T·Δt − t·Δt)/τ) = λ^(T−t) for t = 1..T, oldest first; the newest weight is 1 (docs/method.md §1.3). */
export function leakWeights(T: number, tau: number, dt: number): Float64Array {
  const w = new Float64Array(T);
  for (let t = 1; t <= T; t++) w[t - 1] = Math.exp(-(T * dt - t * dt) / tau);
  return w;
}

export function uniformWeights(T: number): Float64Array {
  return new Float64Array(T).fill(1);
}

// ---- representation and gradient weights ----

function normalised(w: Float64Array, scale: number): Float64Array {
  let total = 0;
  for (const x of w) total += x;
  return w.map((x) => (x * scale) / total);
}

/** Weights of the spike representation: 1/T (firing rate) or λ^(T−t)/Σw (weighted firing rate), docs/method.md §1.3. */
export function representationWeights(m: NeuronModel, T: number): Float64Array {
  return normalised(m.rawWeights(T), 1);
}

/**
 * Weights that give Ī, the representation of the input current the clamp mapping reads (docs/method.md §2.2, §2.3): the
 * spike representation's own weights, or — with a synaptic stage — the weighted mean of the synaptic current
 * I[t] written over the inputs x: c_t = gain·Σ_{t' ≥ t} w_t'·decay^(t'−t).
 */
export function inputWeights(m: NeuronModel, T: number): Float64Array {
  const w = representationWeights(m, T);
  const syn = m.synapse;
  if (syn === null) return w;
  const c = new Float64Array(T);
  let later = 0;
  for (let t = T - 1; t >= 0; t--) c[t] = later = syn.gain * w[t]! + syn.decay * later;
  return c;
}

/**
 * Weights that turn dL/d(spikes) into Gc = T·(weighted) mean of the incoming gradient (docs/method.md §2.2, §2.3):
 * exactly 1 per step for IF, T·λ^(T−t)/Σw for LIF.
 */
export function gradientWeights(m: NeuronModel, T: number): Float64Array {
  return normalised(m.rawWeights(T), T);
}

/**
 * Σ_t c_t, the derivative of Ī by an input constant in time: 1 for IF and LIF (exactly, no product is formed),
 * less with a synaptic stage. It scales the clamp slope, so that the input gradient, replicated uniformly over
 * the steps as 1/T (docs/method.md §6.6), adds up over the steps to the mapping's derivative for such an input.
 */
export function inputGain(m: NeuronModel, T: number): number {
  if (m.synapse === null) return 1;
  let total = 0;
  for (const c of inputWeights(m, T)) total += c;
  return total;
}

// ---- kernel attributes ----

/** Buffers a forward may carry and fill (kernels.ts, NeuronForwardAttrs). */
export interface ForwardBuffers {
  readonly rate?: Buf | null;
  /** Receives Ī, the input representation (inputWeights), gathered as the forward reads the input. */
  readonly inputRep?: Buf;
  /** The state carried between time chunks: the membrane, and the synaptic current when there is one. */
  readonly membrane?: Buf;
  readonly current?: Buf;
}

/** The DSR forward: fire at α·Vth, subtract Vth, spikes spikeScale·Vth (docs/method.md §1.1, §1.2). */
export function forwardAttrs(m: NeuronModel, T: number, n: number, b: ForwardBuffers = {}): NeuronForwardAttrs {
  const vth = f32(m.vth);
  const syn = m.synapse;
  return {
    T,
    n,
    decay: m.charge.decay32,
    gain: m.charge.gain32,
    threshold: f32(f32(m.alpha) * vth), // the firing level as the code computes it: a float32 product
    reset: { kind: 'subtract', amount: vth },
    magnitude: m.magnitude(vth),
    ...(syn === null
      ? {}
      : { synapse: { decay: syn.decay32, gain: syn.gain32, ...(b.current ? { current: b.current } : {}) } }),
    ...(b.membrane ? { membrane: b.membrane } : {}),
    ...(b.rate ? { rate: { out: b.rate, weights: representationWeights(m, T) } } : {}),
    ...(b.inputRep ? { inputRep: { out: b.inputRep, weights: inputWeights(m, T) } } : {}),
  };
}

/**
 * The BPTT baseline's forward: the same dynamics, recording u[t] for the surrogate backward. Its constants are
 * the float64 ones rounded once (as the baseline has always run), `soft` makes it smooth (tests).
 */
export function surrogateForwardAttrs(
  m: NeuronModel,
  T: number,
  n: number,
  record: Buf,
  slope: number,
  soft = false,
): NeuronForwardAttrs {
  const vth = f32(m.vth);
  const syn = m.synapse;
  return {
    T,
    n,
    decay: f32(m.decay),
    gain: f32(m.gain),
    threshold: f32(f32(m.alpha) * vth),
    reset: { kind: 'subtract', amount: vth },
    magnitude: f32(m.spikeScale * vth),
    ...(syn === null ? {} : { synapse: { decay: f32(syn.decay), gain: f32(syn.gain) } }),
    record,
    ...(soft ? { soft: { slope } } : {}),
  };
}

/** The surrogate backward matching surrogateForwardAttrs. */
export function surrogateBackwardAttrs(
  m: NeuronModel,
  T: number,
  n: number,
  membrane: Buf,
  slope: number,
  soft = false,
): SurrogateBackwardAttrs {
  const vth = f32(m.vth);
  const syn = m.synapse;
  return {
    mode: 'surrogate',
    T,
    n,
    membrane,
    vth,
    threshold: f32(f32(m.alpha) * vth),
    decay: f32(m.decay),
    gain: f32(m.gain),
    spikeScale: m.spikeScale,
    ...(syn === null ? {} : { synapse: { decay: f32(syn.decay), gain: f32(syn.gain) } }),
    slope,
    soft,
  };
}

/** The DSR clamp backward on the input representation Ī [n] of a T-step forward (docs/method.md §2.2, §2.3). */
export function representationBackwardAttrs(m: NeuronModel, inputRep: Buf, T: number): RepresentationBackwardAttrs {
  const slope = m.synapse === null ? m.clampSlope : m.clampSlope * inputGain(m, T);
  return { mode: 'representation', n: inputRep.length, inputRep, hi: m.clampHi, slope, closed: m.clampClosed };
}
