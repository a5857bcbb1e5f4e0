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
  const n = g.data.length / T;
  const out = takeGrad(k, n);
  k.sumRows(g.data, out, { rows: T, cols: n, weights: new Float64Array(T).fill(1) });
  giveGrad(k, g);
  return { shape: [g.shape[0]! / T, ...g.shape.slice(1)], data: out };
}
