/**
 * Pre-emphasis, the first-order high-pass y[n] = x[n] − α·x[n − 1] (y[0] = x[0]): speech loses about 6 dB per octave
 * above a few hundred hertz, and this flattens the spectrum so the high mel bands are not drowned by the low ones.
 */
import { check } from '../../errors.js';

export function preEmphasis(x: Float32Array, alpha = 0.97): Float32Array {
  check(Number.isFinite(alpha) && alpha >= 0 && alpha < 1, `pre-emphasis α must be in [0, 1), got ${alpha}`);
  const y = new Float32Array(x.length);
  if (x.length > 0) y[0] = x[0]!;
  for (let n = 1; n < x.length; n++) y[n] = x[n]! - alpha * x[n - 1]!;
  return y;
}
