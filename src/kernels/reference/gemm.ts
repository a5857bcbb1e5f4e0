import type { Buf, GemmAttrs } from '../kernels.js';

/**
 * C[m×n] (+)= alpha · op(A) · op(B), row-major. op(A) is A (m×k) or, with transA, the transpose of a
 * stored k×m matrix; likewise op(B) is B (k×n) or the transpose of a stored n×k matrix. Each dot product is
 * summed in float64. Without `accumulate` the old C is never read (as with BLAS's beta = 0), so garbage or NaN in C
 * is harmless.
 */
export function gemm(a: Buf, b: Buf, c: Buf, attrs: GemmAttrs): void {
  const { m, n, k, transA, transB } = attrs;
  const alpha = attrs.alpha ?? 1;
  const accumulate = attrs.accumulate === true;
  // Strides that turn op(A)[i][p] into a[i·aRow + p·aCol], op(B)[p][j] into b[p·bRow + j·bCol].
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * aRow + p * aCol]! * b[p * bRow + j * bCol]!;
      c[i * n + j] = accumulate ? alpha * acc + c[i * n + j]! : alpha * acc;
    }
  }
}
