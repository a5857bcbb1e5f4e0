import type { Binding, GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';
import { type GemmSpec, tiledGemm } from './tiled-gemm.js';

/*
 * gemm: C (+)= alpha·op(A)·op(B) on the tiled core. Transposes only change which index of a stored matrix is
 * contiguous; without accumulate the old C is never read (NaN in it is harmless, as in the reference).
 */
function gemmSpec(transA: boolean, transB: boolean, accumulate: boolean): GemmSpec {
  return {
    key: `dense.${transA ? 't' : 'n'}${transB ? 't' : 'n'}.${accumulate ? 'acc' : 'set'}`,
    buffers: [
      { name: 'a', use: 'load' },
      { name: 'b', use: 'load' },
      { name: 'c', use: 'store', write: true },
    ],
    u32: [],
    f32: ['alpha'],
    loadA: transA ? 'return a[k * p.M + m];' : 'return a[m * p.K + k];',
    aFast: transA ? 'm' : 'k',
    loadB: transB ? 'return b[n * p.K + k];' : 'return b[k * p.N + n];',
    bFast: transB ? 'k' : 'n',
    store: accumulate ? 'let i = m * p.N + n; c[i] = p.alpha * v + c[i];' : 'c[m * p.N + n] = p.alpha * v;',
  };
}

export const gemm: GpuOp<OpAttrs['gemm']> = (e, b, at) => {
  const spec = gemmSpec(at.transA, at.transB, at.accumulate === true);
  tiledGemm(e, spec, { M: at.m, N: at.n, K: at.k }, { f32: [at.alpha ?? 1] }, b as readonly Binding[]);
};
