/**
 * Names a person can read for a network's neuron layers: each is named after the conv or linear layer that feeds
 * it ("conv 2 (64 ch)", "fc 1 (256)"), the last one "output (10 classes)", instead of the parameter path
 * (`features.6`) that checkpoints and NIR files use.
 */
import type { Conv2d } from './conv2d.js';
import type { Layer } from './layer.js';
import type { Linear } from './linear.js';
import { isSpikingNeuron, layersOf } from './walk.js';

/** Readable labels keyed by each neuron layer's name, in forward order. */
export function neuronLabels(root: Layer, classes?: number): Map<string, string> {
  const labels = new Map<string, string>();
  const used = new Set<string>();
  let convs = 0;
  let linears = 0;
  let feeding = 'input';
  const all = layersOf(root);
  const lastNeuron = all.filter(isSpikingNeuron).at(-1);
  for (const l of all) {
    if (l.kind === 'conv2d') feeding = `conv ${++convs} (${(l as Conv2d).opts.outC} ch)`;
    else if (l.kind === 'linear') feeding = `fc ${++linears} (${(l as Linear).opts.outF})`;
    else if (isSpikingNeuron(l)) {
      let label = l === lastNeuron && classes !== undefined ? `output (${classes} classes)` : feeding;
      // two neuron layers after the same weight layer (a residual block's tail): keep them apart
      for (let i = 2; used.has(label); i++) label = `${feeding} #${i}`;
      used.add(label);
      labels.set(l.opts.name, label);
    }
  }
  return labels;
}
