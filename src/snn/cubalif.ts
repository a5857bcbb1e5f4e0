/**
 * The current-based LIF neuron (NIR's CubaLIF): a synaptic current filters the input, then drives a LIF membrane,
 *   I[t] = λ_s·I[t−1] + (1 − λ_s)·x[t],  λ_s = exp(−Δt/τ_syn);   u[t] = λ·v[t−1] + (1 − λ)·I[t]
 * and fires, resets and spikes exactly as LIF (docs/method.md §1.2). The filter has unit gain at rest, so a constant input
 * gives LIF's rate; its DSR spike representation is LIF's weighted firing rate, and the clamp mapping is LIF's
 * with the synaptic current as the input: a ≈ clamp(Ī_w/τ, 0, Vth/Δt) with Ī_w the weighted mean of I, a linear
 * function of x (description.ts, inputWeights). Masks, slope, threshold gradient and the uniform replication over
 * the steps are LIF's (docs/method.md §2.3, §6.6).
 */
import type { CubaLifConfig } from './config.js';
import { leakyStage, type NeuronModel } from './description.js';
import { lifModel } from './lif.js';

export function cubaLifModel(c: CubaLifConfig): NeuronModel {
  return { ...lifModel({ ...c, kind: 'lif' }), config: c, synapse: leakyStage(c.tauSyn, c.dt) };
}
