import type { Buf, Kernels, NeuronForwardAttrs } from './kernels.js';

/**
 * The optional parts of neuronForward composed from other kernels, for loops that do not fuse them (same numbers).
 * `inputOnce`: the input repeated T times into a temporary (elementwise copy repeats its shorter input), then the
 * ordinary forward. `inputRep`: the forward, then the weighted time sum of the input (sumRows).
 * Returns false when a has neither, for the caller to run its own loop.
 */
export function composedNeuronForward(k: Kernels, input: Buf, spikes: Buf, a: NeuronForwardAttrs): boolean {
  if (a.inputOnce === true) {
    const { inputOnce: _once, ...rest } = a;
    const repeated = k.alloc(a.T * a.n);
    try {
      k.elementwise([input], repeated, { op: 'copy' });
      k.neuronForward(repeated, spikes, rest);
    } finally {
      k.free(repeated);
    }
    return true;
  }
  if (a.inputRep !== undefined) {
    const { inputRep, ...rest } = a;
    k.neuronForward(input, spikes, rest);
    k.sumRows(input, inputRep.out, { rows: a.T, cols: a.n, weights: inputRep.weights });
    return true;
  }
  return false;
}
