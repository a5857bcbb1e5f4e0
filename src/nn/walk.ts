/**
 * Walks a layer tree through Layer.children(), so callers find what they need (neurons for metrics and rasters,
 * batch-norms for statistics) without knowing which container classes hold them.
 */
import type { Layer } from './layer.js';
import type { SpikingNeuron } from './neuron-layer.js';

/** Every layer of the tree, each before its children, in forward order. */
export function layersOf(root: Layer): Layer[] {
  return [root, ...root.children().flatMap(layersOf)];
}

/** Whether a layer is a spiking-neuron layer ('neuron' is SpikingNeuron's kind and no other layer's). */
export function isSpikingNeuron(l: Layer): l is SpikingNeuron {
  return l.kind === 'neuron';
}

/** Every SpikingNeuron of a layer tree, in forward order. */
export function neuronLayers(root: Layer): SpikingNeuron[] {
  return layersOf(root).filter(isSpikingNeuron);
}
