import { SpikerepError } from '../errors.js';

/** The cache a backward needs, or a clear error when no training-mode forward ran before it. */
export function takeCache<C>(cache: C | null, who: string): C {
  if (cache === null) {
    throw new SpikerepError('E_ARG', `${who}: backward without a training-mode forward (nothing cached)`);
  }
  return cache;
}
