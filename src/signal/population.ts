/**
 * Gaussian receptive-field population coding (Bohte et al. 2002). Each input channel feeds N neurons whose preferred
 * values μ_i are evenly spaced over [min, max] (μ_i = min + i·(max − min)/(N − 1)), each with the same width
 * σ = β·(max − min)/(N − 1). Neuron i's response to a value x is r_i = exp(−(x − μ_i)² / (2σ²)), 1 at its centre.
 * At every step the responses become spikes, either
 *  - 'threshold' (default): neuron i fires when r_i ≥ `fireAt` (default 0.5): a bump of neighbouring neurons around
 *    the value, deterministic;
 *  - 'bernoulli': neuron i fires with probability r_i, drawn from the seeded Rng.
 * Output [T, C·N], neuron i of channel c in column c·N + i, values 0/1. Values outside [min, max] are clipped to it.
 */
import { check } from '../errors.js';
import type { Rng } from '../rng.js';
import { checkPositive, type Signal, type SpikeTrain, signal } from './signal.js';

export interface PopulationOptions {
  /** Neurons per channel, N ≥ 2. */
  neurons: number;
  min: number;
  max: number;
  /** Width relative to the spacing of the centres, β > 0 (default 1.5, Bohte et al.'s γ). */
  width?: number;
  mode?: 'threshold' | 'bernoulli';
  /** The response at which a neuron fires in 'threshold' mode, in (0, 1] (default 0.5). */
  fireAt?: number;
  /** Needed by 'bernoulli'. */
  rng?: Rng;
}

/** The centres μ_i and the common width σ. */
export function receptiveFields(opts: PopulationOptions): { centres: Float64Array; sigma: number } {
  const { neurons: N, min, max } = opts;
  check(Number.isInteger(N) && N >= 2, `population coding needs at least 2 neurons per channel, got ${N}`);
  check(
    Number.isFinite(min) && Number.isFinite(max) && max > min,
    `population range needs min < max, got [${min}, ${max}]`,
  );
  const beta = opts.width ?? 1.5;
  checkPositive(beta, 'population width');
  const step = (max - min) / (N - 1);
  const centres = Float64Array.from({ length: N }, (_, i) => min + i * step);
  return { centres, sigma: beta * step };
}

/** r_i for one value (clipped into [min, max]). */
export function populationResponse(v: number, opts: PopulationOptions): Float64Array {
  const { centres, sigma } = receptiveFields(opts);
  const x = Math.min(opts.max, Math.max(opts.min, v));
  return centres.map((mu) => Math.exp(-((x - mu) ** 2) / (2 * sigma * sigma)));
}

export function populationEncode(x: Signal, opts: PopulationOptions): SpikeTrain {
  const mode = opts.mode ?? 'threshold';
  const fireAt = opts.fireAt ?? 0.5;
  check(fireAt > 0 && fireAt <= 1, `population fireAt must be in (0, 1], got ${fireAt}`);
  check(mode === 'threshold' || opts.rng !== undefined, "population coding in 'bernoulli' mode needs an Rng");
  const { centres, sigma } = receptiveFields(opts);
  const N = centres.length;
  const { T, C } = x;
  const out = new Float32Array(T * C * N);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      const v = Math.min(opts.max, Math.max(opts.min, x.data[t * C + c]!));
      const base = (t * C + c) * N;
      for (let i = 0; i < N; i++) {
        const r = Math.exp(-((v - centres[i]!) ** 2) / (2 * sigma * sigma));
        out[base + i] = mode === 'threshold' ? (r >= fireAt ? 1 : 0) : opts.rng!.uniform() < r ? 1 : 0;
      }
    }
  }
  return signal(T, C * N, out);
}

/** The value a step's spikes stand for: the mean centre of the neurons that fired (NaN when none did), [T, C]. */
export function populationDecode(spikes: SpikeTrain, opts: PopulationOptions): Signal {
  const { centres } = receptiveFields(opts);
  const N = centres.length;
  check(spikes.C % N === 0, `a population train has a multiple of ${N} columns, got ${spikes.C}`);
  const C = spikes.C / N;
  const out = new Float32Array(spikes.T * C);
  for (let t = 0; t < spikes.T; t++) {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < N; i++) {
        const s = spikes.data[(t * C + c) * N + i]!;
        sum += s * centres[i]!;
        n += s;
      }
      out[t * C + c] = n > 0 ? sum / n : Number.NaN;
    }
  }
  return { T: spikes.T, C, data: out };
}
