import type { Buf, Kernels, NeuronForwardAttrs } from './kernels.js';

/**
 * neuronForward with `inputOnce` for a backend whose loops read a current per step: the input repeated T times
 * into a temporary (elementwise copy repeats its shorter input), then the ordinary forward. Same spikes.
 */
export function neuronForwardRepeating(k: Kernels, input: Buf, spikes: Buf, a: NeuronForwardAttrs): void {
  const { inputOnce: _once, ...rest } = a;
  const repeated = k.alloc(a.T * a.n);
  try {
    k.elementwise([input], repeated, { op: 'copy' });
    k.neuronForward(repeated, spikes, rest);
  } finally {
    k.free(repeated);
  }
}
