/** Linear rescaling of a whole signal into [0, 1], so that feature values can be read as firing rates. */
import { type Signal, signal } from './signal.js';

/** All values mapped linearly from [min, max] onto [0, 1]; a constant signal becomes 0. */
export function minMaxScale(s: Signal): Signal {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of s.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  const out = new Float32Array(s.data.length);
  if (span > 0) for (let k = 0; k < out.length; k++) out[k] = (s.data[k]! - lo) / span;
  return signal(s.T, s.C, out);
}
