import type { Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import { giveGrad, takeGrad } from './grad-pool.js';
import type { Scratch } from './scratch.js';

/** x [B, …] repeated T times, time-major [T·B, …], in `scratch`: the same values at every step. */
export function repeatOverTime(k: Kernels, x: Tensor, T: number, scratch: Scratch): Tensor {
  const n = x.data.length;
  const out = scratch.get(k, n * T);
  k.elementwise([x.data], out, { op: 'copy' }); // a shorter input repeats
  return { shape: [x.shape[0]! * T, ...x.shape.slice(1)], data: out };
}

/**
 * The gradient of an input given once from the gradient of its T copies [T·B, …]: their sum over the steps,
 * [B, …], in a buffer of the gradient pool (g goes back to it).
 */
export function sumOverSteps(k: Kernels, g: Tensor, T: number): Tensor {
  const out = weightedTimeSum(k, g, T, new Float64Array(T).fill(1));
  giveGrad(k, g);
  return out;
}

/** Σ_t w_t·g[t] of a time-major gradient [T·B, …]: [B, …], in a buffer of the gradient pool. */
export function weightedTimeSum(k: Kernels, g: Tensor, T: number, weights: Float64Array): Tensor {
  const per = g.data.length / T;
  const out = takeGrad(k, per);
  k.sumRows(g.data, out, { rows: T, cols: per, weights });
  return { shape: [g.shape[0]! / T, ...g.shape.slice(1)], data: out };
}
