/**
 * The IF neuron (docs/method.md §1.1): integrate without leak, fire at α·Vth, subtract Vth, spikes of magnitude Vth.
 * Its representation is the plain firing rate, which tends to clamp(Ī, 0, Vth) (docs/method.md §1.4).
 */
import type { IfConfig } from './config.js';
import { type NeuronModel, NO_LEAK, uniformWeights } from './description.js';

export function ifModel(c: IfConfig): NeuronModel {
  return {
    config: c,
    vth: c.vth,
    alpha: c.alpha,
    decay: 1,
    gain: 1,
    charge: NO_LEAK,
    synapse: null,
    spikeScale: 1,
    magnitude: (vth) => Math.fround(vth),
    rawWeights: uniformWeights,
    // a = clamp(Ī, 0, Vth): mask on the closed interval, dVth where Ī > Vth; float32 like the stored Ī.
    clampHi: Math.fround(c.vth),
    clampClosed: true,
    clampSlope: 1,
    vthGradFactor: 1,
  };
}
