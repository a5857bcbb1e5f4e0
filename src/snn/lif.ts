/**
 * The LIF neuron (spec §1.2): u = λ·v + (1 − λ)·I with λ = exp(−Δt/τ), fire at α·Vth, subtract Vth, spikes of
 * magnitude Vth/Δt. Its representation is the weighted firing rate with weights λ^(T−t)/Σw (spec §1.3), which
 * tends to clamp(Ī_w/τ, 0, Vth/Δt) (spec §1.4).
 */
import type { LifConfig } from './config.js';
import type { NeuronModel } from './neuron-model.js';

/** λ = exp(−Δt/τ): 0.951229 at the defaults. */
export function lifLeak(tau: number, dt: number): number {
  return Math.exp(-dt / tau);
}

/** w_t = exp(−(T·Δt − t·Δt)/τ) = λ^(T−t) for t = 1..T, oldest first; the newest weight is 1 (spec §1.3). */
export function lifWeights(T: number, tau: number, dt: number): Float64Array {
  const w = new Float64Array(T);
  for (let t = 1; t <= T; t++) w[t - 1] = Math.exp(-(T * dt - t * dt) / tau);
  return w;
}

export function lifModel(c: LifConfig): NeuronModel {
  const lambda = lifLeak(c.tau, c.dt);
  return {
    config: c,
    vth: c.vth,
    alpha: c.alpha,
    decay: lambda,
    gain: 1 - lambda,
    spikeScale: 1 / c.dt,
    rawWeights: (T) => lifWeights(T, c.tau, c.dt),
    // a = clamp(Ī_w/τ, 0, Vth/Δt): mask on the open interval 0 < Ī_w < Vth·τ/Δt, slope 1/τ (spec §2.3).
    clampHi: Math.fround(Math.fround(c.vth / c.dt) * Math.fround(c.tau)),
    clampClosed: false,
    clampSlope: 1 / c.tau,
    // The code multiplies by Δt where the mapping's derivative is 1/Δt: deliberately Δt² smaller (spec §2.3).
    vthGradFactor: c.dt,
  };
}
