/**
 * Perturbations of input samples in intensity space ([0, 1] images), on the host, in place. A normalised batch is
 * mapped back to intensities, perturbed and normalised again, so σ means the same on every dataset.
 * docs/robustness.md states each rule.
 */
import type { ChannelStats } from '../data/dataset.js';
import { normalizeInPlace } from '../data/transforms.js';
import type { Rng } from '../rng.js';

/** x ← clip(x + σ·N(0, 1), 0, 1). */
export function gaussianNoise(x: Float32Array, sigma: number, rng: Rng): void {
  if (sigma <= 0) return;
  for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, x[i]! + sigma * rng.normal()));
}

/** Every value is replaced, with probability `fraction`, by 0 or 1 (even odds). */
export function saltAndPepper(x: Float32Array, fraction: number, rng: Rng): void {
  if (fraction <= 0) return;
  for (let i = 0; i < x.length; i++) if (rng.uniform() < fraction) x[i] = rng.uniform() < 0.5 ? 0 : 1;
}

/** What a dataset's batches hold: normalised values (with the statistics) or intensities. */
export interface BatchScale {
  readonly normalized: boolean;
  readonly stats: ChannelStats | undefined;
}

/** Applies an intensity-space perturbation to a batch as the dataset wrote it (normalised or not), in place. */
export function perturbInIntensities(x: Float32Array, scale: BatchScale, perturb: (x: Float32Array) => void): void {
  if (!scale.normalized || scale.stats === undefined) {
    perturb(x);
    return;
  }
  const { mean, std } = scale.stats;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * std[i % mean.length]! + mean[i % mean.length]!;
  perturb(x);
  normalizeInPlace(x, scale.stats);
}
