/**
 * Temporaries of the composed kernel parts (neuron-compose.ts, batchnorm-compose.ts): one buffer per backend and
 * purpose, grown when needed, so a steady training step allocates nothing.
 */
import type { Buf, Kernels } from './kernels.js';

/** A buffer of `length` floats from `buffers`' one for backend k (stale contents). */
export function scratchBuffer(k: Kernels, buffers: WeakMap<Kernels, Buf>, length: number): Buf {
  let b = buffers.get(k);
  if (b === undefined || b.length < length) {
    if (b !== undefined) k.free(b);
    b = k.alloc(length);
    buffers.set(k, b);
  }
  return b.length === length ? b : b.subarray(0, length);
}
