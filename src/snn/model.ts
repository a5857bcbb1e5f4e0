/**
 * A neuron model in derived form (description.ts): the constants the forward simulation, the spike
 * representation and the DSR backward need, computed once from a NeuronConfig. if.ts, lif.ts and cubalif.ts each
 * build one; nothing else switches on the neuron kind.
 */
import type { NeuronConfig } from './config.js';
import { cubaLifModel } from './cubalif.js';
import type { NeuronModel } from './description.js';
import { ifModel } from './if.js';
import { lifModel } from './lif.js';

export type { NeuronModel } from './description.js';
export { gradientWeights, inputWeights, representationWeights } from './description.js';

export function neuronModel(c: NeuronConfig): NeuronModel {
  switch (c.kind) {
    case 'if':
      return ifModel(c);
    case 'lif':
      return lifModel(c);
    case 'cubalif':
      return cubaLifModel(c);
    default:
      return c satisfies never;
  }
}
