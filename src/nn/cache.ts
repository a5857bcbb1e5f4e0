import { SpikerepError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** The cache a backward needs, or a clear error when no training-mode forward ran before it. */
export function takeCache<C>(cache: C | null, who: string): C {
  if (cache === null) {
    throw new SpikerepError('E_ARG', `${who}: backward without a training-mode forward (nothing cached)`);
  }
  return cache;
}

/** What a first layer returns from backward when its input gradient is not wanted (nobody reads it). */
export const NO_GRADIENT: Tensor = Object.freeze({ shape: [0], data: new Float32Array(0) });
