/**
 * A neuron model in derived form: the constants the forward simulation, the spike representation and the DSR
 * backward need, computed once from a NeuronConfig (snn/model.ts; if.ts and lif.ts build one each).
 */
import type { NeuronConfig } from './config.js';

export interface NeuronModel {
  readonly config: NeuronConfig;
  readonly vth: number;
  readonly alpha: number;
  /** Charge u = decay·v + gain·I: IF 1 and 1, LIF λ and 1 − λ (spec §1.1, §1.2). */
  readonly decay: number;
  readonly gain: number;
  /** Spike magnitude per unit threshold: o = spikeScale·Vth (IF 1, LIF 1/Δt; spec §6.1). */
  readonly spikeScale: number;
  /** Unnormalised representation weights for T steps, oldest first: all 1 (IF) or λ^(T−t) (LIF) (spec §1.3). */
  rawWeights(T: number): Float64Array;
  /** The DSR clamp backward (spec §2.2, §2.3): the input gradient passes where 0 ≤/< Ī ≤/< clampHi. */
  readonly clampHi: number;
  readonly clampClosed: boolean;
  /** Slope of the mapping: 1 (IF) or 1/τ (LIF). */
  readonly clampSlope: number;
  /** The threshold gradient is Σ Gc over Ī > clampHi, times this (1 for IF, Δt for LIF) and vthGradScale. */
  readonly vthGradFactor: number;
}
