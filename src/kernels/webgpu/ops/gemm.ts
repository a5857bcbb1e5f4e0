import type { Binding, GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';
import { type GemmSpec, tiledGemm } from './tiled-gemm.js';

/*
 * gemm: C (+)= alpha·op(A)·op(B) on the tiled core, one shader for every transpose and accumulation: a transpose
 * only swaps the strides of a stored matrix (a[m·aRow + k·aCol]). Without accumulate the old C is never used
 * (select drops it), so NaN in it is harmless, as in the reference.
 */
const GEMM: GemmSpec = {
  key: 'dense',
  buffers: [
    { name: 'a', use: 'load' },
    { name: 'b', use: 'load' },
    { name: 'c', use: 'store', write: true },
  ],
  u32: ['aRow', 'aCol', 'bRow', 'bCol', 'acc'],
  f32: ['alpha'],
  loadA: 'return a[m * p.aRow + k * p.aCol];',
  loadB: 'return b[k * p.bRow + n * p.bCol];',
  store: 'let i = m * p.N + n; let r = p.alpha * v; c[i] = select(r, r + c[i], p.acc != 0u);',
};

export const gemm: GpuOp<OpAttrs['gemm']> = (e, b, at) => {
  const { m, n, k, transA, transB } = at;
  const strides = [transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1];
  tiledGemm(
    e,
    GEMM,
    { M: m, N: n, K: k, aFast: transA ? 'm' : 'k', bFast: transB ? 'k' : 'n' },
    { u32: [...strides, at.accumulate === true ? 1 : 0], f32: [at.alpha ?? 1] },
    b as readonly Binding[],
  );
};
