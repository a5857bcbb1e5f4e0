/**
 * Device mismatch on the synapses: every conv and linear weight w ← w + σ·std(W)·N(0, 1), with std(W) the standard
 * deviation of its own layer's weights, so σ is relative and means the same in every layer. Biases, batch-norm and
 * thresholds are left alone. docs/robustness.md states the rule.
 */
import type { Kernels } from '../kernels/kernels.js';
import type { Param } from '../nn/param.js';
import type { Rng } from '../rng.js';

/** The population standard deviation of a buffer's values. */
export function stdOf(v: Float32Array): number {
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i]!;
  mean /= v.length;
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += (v[i]! - mean) ** 2;
  return Math.sqrt(sq / v.length);
}

/** Perturbs the weights in place; returns the function that puts the saved originals back. */
export function perturbWeights(k: Kernels, params: readonly Param[], sigma: number, rng: Rng): () => void {
  const weights = params.filter((p) => p.role === 'weight');
  const saved = weights.map((p) => {
    k.toHost(p.value);
    return p.value.slice();
  });
  if (sigma > 0) {
    for (const p of weights) {
      const scale = sigma * stdOf(p.value);
      for (let i = 0; i < p.value.length; i++) p.value[i] = p.value[i]! + scale * rng.normal();
      k.fromHost(p.value);
    }
  }
  return () => {
    weights.forEach((p, i) => {
      p.value.set(saved[i]!);
      k.fromHost(p.value);
    });
  };
}
