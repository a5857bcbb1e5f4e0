import type { Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import type { Scratch } from './scratch.js';

/** x [B, …] repeated T times, time-major [T·B, …], in `scratch`: the same values at every step. */
export function repeatOverTime(k: Kernels, x: Tensor, T: number, scratch: Scratch): Tensor {
  const n = x.data.length;
  const out = scratch.get(k, n * T);
  k.elementwise([x.data], out, { op: 'copy' }); // a shorter input repeats
  return { shape: [x.shape[0]! * T, ...x.shape.slice(1)], data: out };
}
