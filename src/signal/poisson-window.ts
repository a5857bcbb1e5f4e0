/**
 * Poisson (Bernoulli-per-step) rate coding over a sliding window. The firing probability of channel c at step t is
 * the mean of the last `window` samples, x[t − w + 1 … t] (fewer at the start), times `gain`, clipped to [0, 1]:
 * p[t, c] = clamp(gain · mean(x[max(0, t − w + 1) … t, c]), 0, 1). A spike is drawn with that probability from the
 * seeded Rng, channel by channel within a step, step by step, so a seed reproduces the train exactly. The window
 * smooths a fast signal into a rate, which is what a network reading rates (docs/method.md §1.3) takes in.
 *
 * Input values are read as rates: scale the signal into [0, 1] first (log-mel energies, normalised sensors).
 * Output [T, C], values 0/1.
 */
import { check } from '../errors.js';
import type { Rng } from '../rng.js';
import { checkPositive, type Signal, type SpikeTrain, signal } from './signal.js';

export interface PoissonWindowOptions {
  /** Samples averaged, w ≥ 1 (1: the sample itself). */
  window: number;
  /** Multiplies the windowed mean before clipping (default 1). */
  gain?: number;
  rng: Rng;
}

/** The firing probabilities p[t, c] the encoder draws from, [T, C]. */
export function windowRates(x: Signal, window: number, gain = 1): Signal {
  check(Number.isInteger(window) && window >= 1, `Poisson window must be a whole number ≥ 1, got ${window}`);
  checkPositive(gain, 'Poisson gain');
  const { T, C } = x;
  const out = new Float32Array(T * C);
  for (let c = 0; c < C; c++) {
    let sum = 0; // running sum in float64; the window's oldest sample leaves as the newest enters
    for (let t = 0; t < T; t++) {
      sum += x.data[t * C + c]!;
      if (t >= window) sum -= x.data[(t - window) * C + c]!;
      const mean = sum / Math.min(t + 1, window);
      out[t * C + c] = Math.min(1, Math.max(0, gain * mean));
    }
  }
  return signal(T, C, out);
}

export function poissonWindowEncode(x: Signal, opts: PoissonWindowOptions): SpikeTrain {
  const p = windowRates(x, opts.window, opts.gain);
  const out = new Float32Array(p.data.length);
  for (let k = 0; k < out.length; k++) out[k] = opts.rng.uniform() < p.data[k]! ? 1 : 0;
  return signal(x.T, x.C, out);
}
