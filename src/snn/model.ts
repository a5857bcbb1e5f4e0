/**
 * A neuron model in derived form: the constants the forward simulation, the spike representation and the DSR
 * backward need, computed once from a NeuronConfig. if.ts and lif.ts each build one; nothing else switches on
 * the neuron kind except the forward dispatch in dsr.ts.
 */
import type { BpttAttrs } from '../kernels/kernels.js';
import type { NeuronConfig } from './config.js';
import { ifModel } from './if.js';
import { lifModel } from './lif.js';

export interface NeuronModel {
  readonly config: NeuronConfig;
  readonly vth: number;
  readonly alpha: number;
  /** Charge u = decay·v + gain·I: IF 1 and 1, LIF λ and 1 − λ (docs/method.md §1.1, §1.2). */
  readonly decay: number;
  readonly gain: number;
  /** Spike magnitude per unit threshold: o = spikeScale·Vth (IF 1, LIF 1/Δt; docs/method.md §6.1). */
  readonly spikeScale: number;
  /** Unnormalised representation weights for T steps, oldest first: all 1 (IF) or λ^(T−t) (LIF) (docs/method.md §1.3). */
  rawWeights(T: number): Float64Array;
  /** The DSR clamp backward (docs/method.md §2.2, §2.3): the input gradient passes where 0 ≤/< Ī ≤/< clampHi. */
  readonly clampHi: number;
  readonly clampClosed: boolean;
  /** Slope of the mapping: 1 (IF) or 1/τ (LIF). */
  readonly clampSlope: number;
  /** The threshold gradient is Σ Gc over Ī > clampHi, times this (1 for IF, Δt for LIF) and vthGradScale. */
  readonly vthGradFactor: number;
}

export function neuronModel(c: NeuronConfig): NeuronModel {
  switch (c.kind) {
    case 'if':
      return ifModel(c);
    case 'lif':
      return lifModel(c);
    default:
      return c satisfies never;
  }
}

/** Weights of the representation: 1/T (firing rate) or λ^(T−t)/Σw (weighted firing rate). */
export function representationWeights(m: NeuronModel, T: number): Float64Array {
  const w = m.rawWeights(T);
  let total = 0;
  for (const x of w) total += x;
  return w.map((x) => x / total);
}

/**
 * Weights that turn dL/d(spikes) into Gc = T·(weighted) mean of the incoming gradient (docs/method.md §2.2, §2.3):
 * exactly 1 per step for IF, T·λ^(T−t)/Σw for LIF.
 */
export function gradientWeights(m: NeuronModel, T: number): Float64Array {
  const w = m.rawWeights(T);
  let total = 0;
  for (const x of w) total += x;
  return w.map((x) => (x * T) / total);
}

/** Kernel attributes of the BPTT neuron with this model's dynamics (kernels.ts, BpttAttrs). */
export function bpttAttrs(m: NeuronModel, T: number, n: number, slope: number, soft = false): BpttAttrs {
  return {
    T, n, vth: m.vth, alpha: m.alpha, decay: m.decay, gain: m.gain, spikeScale: m.spikeScale, slope, soft,
  };
}
