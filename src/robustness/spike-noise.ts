/**
 * Perturbations of a neuron layer's output spikes, on the host, in place. `y` is time-major [T·n]: step t is the
 * block y[t·n … (t+1)·n). A spike is a non-zero value (the spike magnitude; an ANN's analog activation counts as
 * one too), so the same rules apply to spiking and to T = 1 analog layers. docs/robustness.md states each rule.
 */
import type { Rng } from '../rng.js';

/** Every non-zero output is set to zero with probability p. */
export function deleteSpikes(y: Float32Array, p: number, rng: Rng): void {
  if (p <= 0) return;
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && rng.uniform() < p) y[i] = 0;
}

/**
 * Every (neuron, step) is set to `magnitude` with probability `rate`: a spike added where there was none, an
 * existing spike left as it is (an analog output rises to the full-rate value).
 */
export function addSpikes(y: Float32Array, rate: number, magnitude: number, rng: Rng): void {
  if (rate <= 0) return;
  for (let i = 0; i < y.length; i++) if (rng.uniform() < rate) y[i] = magnitude;
}

/**
 * Every spike moves from step t to t + d, d uniform in {−k, …, k}, clamped to [0, T − 1]. Spikes that land on the
 * same (neuron, step) add, so the layer's spike count and the charge it sends on are kept; only timing changes.
 * `scratch` (T·n floats) receives the moved train, which is then copied back.
 */
export function jitterSpikes(
  y: Float32Array,
  T: number,
  k: number,
  rng: Rng,
  scratch: Float32Array = new Float32Array(y.length),
): void {
  if (k <= 0 || T <= 1) return;
  const n = y.length / T;
  scratch.fill(0);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < n; i++) {
      const v = y[t * n + i]!;
      if (v === 0) continue;
      const to = Math.min(T - 1, Math.max(0, t + rng.int(2 * k + 1) - k));
      scratch[to * n + i]! += v;
    }
  }
  y.set(scratch.subarray(0, y.length));
}
