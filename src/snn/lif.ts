/**
 * The LIF neuron (docs/method.md §1.2): u = λ·v + (1 − λ)·I with λ = exp(−Δt/τ), fire at α·Vth, subtract Vth, spikes of
 * magnitude Vth/Δt. Its representation is the weighted firing rate with weights λ^(T−t)/Σw (docs/method.md §1.3), which
 * tends to clamp(Ī_w/τ, 0, Vth/Δt) (docs/method.md §1.4).
 */
import type { LifConfig } from './config.js';
import { leakWeights, leakyStage, type NeuronModel } from './description.js';

export function lifModel(c: LifConfig): NeuronModel {
  const charge = leakyStage(c.tau, c.dt);
  return {
    config: c,
    vth: c.vth,
    alpha: c.alpha,
    decay: charge.decay,
    gain: charge.gain,
    charge,
    synapse: null,
    spikeScale: 1 / c.dt,
    magnitude: (vth) => Math.fround(Math.fround(vth) / c.dt),
    rawWeights: (T) => leakWeights(T, c.tau, c.dt),
    // a = clamp(Ī_w/τ, 0, Vth/Δt): mask on the open interval 0 < Ī_w < Vth·τ/Δt, slope 1/τ (docs/method.md §2.3).
    clampHi: Math.fround(Math.fround(c.vth / c.dt) * Math.fround(c.tau)),
    clampClosed: false,
    clampSlope: 1 / c.tau,
    // The code multiplies by Δt where the mapping's derivative is 1/Δt: deliberately Δt² smaller (docs/method.md §2.3).
    vthGradFactor: c.dt,
  };
}
