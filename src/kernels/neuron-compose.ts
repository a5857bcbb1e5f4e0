import { scratchBuffer } from './compose-scratch.js';
import type { Buf, Kernels, NeuronForwardAttrs } from './kernels.js';
import { checkNormalized, checkPooled } from './neuron-fused.js';

/**
 * The optional parts of neuronForward composed from other kernels, for loops that do not fuse them (same numbers).
 * `normalized`: batchNormApply into a temporary, then the forward on it (with the other parts).
 * `pooled`: the forward into a temporary, then avgPool2dForward.
 * `inputOnce`: the input repeated T times into a temporary (elementwise copy repeats its shorter input), then the
 * ordinary forward. `inputRep`: the forward, then the weighted time sum of the input (sumRows).
 * Returns false when a has none of them, for the caller to run its own loop.
 */
export function composedNeuronForward(k: Kernels, input: Buf, spikes: Buf, a: NeuronForwardAttrs): boolean {
  if (a.normalized !== undefined) {
    checkNormalized(a);
    const { normalized: b, ...rest } = a;
    const length = a.inputOnce === true ? a.n : a.T * a.n;
    const normed = scratchBuffer(k, normedBuffers, length);
    k.batchNormApply(input, normed, b.mean, b.invStd, b.gamma, b.beta, {
      rows: length / b.channels,
      channels: b.channels,
    });
    k.neuronForward(normed, spikes, rest);
    return true;
  }
  if (a.pooled !== undefined) {
    checkPooled(a);
    const { pooled, ...rest } = a;
    const all = scratchBuffer(k, spikeBuffers, a.T * a.n);
    k.neuronForward(input, all, rest);
    k.avgPool2dForward(all, spikes, pooled);
    return true;
  }
  if (a.inputOnce === true) {
    const { inputOnce: _once, ...rest } = a;
    const repeated = scratchBuffer(k, repeatBuffers, a.T * a.n);
    k.elementwise([input], repeated, { op: 'copy' });
    k.neuronForward(repeated, spikes, rest);
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

/** The normalised input, the repeated input and the spikes before pooling (compose-scratch.ts). */
const repeatBuffers = new WeakMap<Kernels, Buf>();
const spikeBuffers = new WeakMap<Kernels, Buf>();
const normedBuffers = new WeakMap<Kernels, Buf>();
