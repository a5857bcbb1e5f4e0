/**
 * Additive white Gaussian noise at a signal-to-noise ratio: σ² = P / 10^(snr/10), P the mean power of the signal's
 * non-silent samples (|x| above 1 % of its peak), so that trailing silence does not lower the noise. Drawn from the
 * seeded Rng; snr = Infinity adds nothing.
 */
import { check } from '../../errors.js';
import type { Rng } from '../../rng.js';

export function signalPower(x: Float32Array): number {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  let sum = 0;
  let n = 0;
  for (const v of x) {
    if (Math.abs(v) <= 0.01 * peak) continue;
    sum += v * v;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

export function addNoiseAtSnr(x: Float32Array, snrDb: number, rng: Rng): Float32Array {
  check(!Number.isNaN(snrDb), 'SNR must be a number of decibels (or Infinity)');
  if (snrDb === Number.POSITIVE_INFINITY) return x.slice();
  const sigma = Math.sqrt(signalPower(x) / 10 ** (snrDb / 10));
  return x.map((v) => v + sigma * rng.normal());
}
