/**
 * A neuron model in derived form: the constants the forward simulation, the spike representation and the DSR
 * backward need, computed once from a NeuronConfig. if.ts and lif.ts each build one; nothing else switches on
 * the neuron kind except the forward dispatch in dsr.ts.
 */
import type { BpttAttrs } from '../kernels/kernels.js';
import type { NeuronConfig } from './config.js';
import { ifModel } from './if.js';
import { lifModel } from './lif.js';
import type { NeuronModel } from './neuron-model.js';

export type { NeuronModel } from './neuron-model.js';

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
 * Weights that turn dL/d(spikes) into Gc = T·(weighted) mean of the incoming gradient (spec §2.2, §2.3):
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
