/**
 * Float64 reference implementations for tests, written independently of src/ (and differently: conv by
 * explicit im2col and a matrix product, pooling over an explicitly zero-padded copy, batch-norm column by
 * column). Layouts match the library: channels-last images [N, H, W, C], conv weight [outC, kH, kW, inC].
 */

type Num = ArrayLike<number>;

export interface ConvDims {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

export function outDims(d: ConvDims): { oh: number; ow: number } {
  return { oh: Math.floor((d.h + 2 * d.ph - d.kh) / d.sh) + 1, ow: Math.floor((d.w + 2 * d.pw - d.kw) / d.sw) + 1 };
}

/** x [N, H+2ph, W+2pw, C] with a border of zeros. */
export function zeroPad(x: Num, d: ConvDims): { data: Float64Array; H: number; W: number } {
  const H = d.h + 2 * d.ph;
  const W = d.w + 2 * d.pw;
  const data = new Float64Array(d.n * H * W * d.c);
  for (let b = 0; b < d.n; b++)
    for (let i = 0; i < d.h; i++)
      for (let j = 0; j < d.w; j++)
        for (let c = 0; c < d.c; c++)
          data[((b * H + i + d.ph) * W + j + d.pw) * d.c + c] = x[((b * d.h + i) * d.w + j) * d.c + c]!;
  return { data, H, W };
}

/** Patches [N·oh·ow, kh·kw·C]: row p holds the (zero-padded) window of output position p in (kh, kw, c) order. */
export function im2col(x: Num, d: ConvDims): { cols: Float64Array; rows: number; width: number } {
  const { oh, ow } = outDims(d);
  const P = zeroPad(x, d);
  const width = d.kh * d.kw * d.c;
  const rows = d.n * oh * ow;
  const cols = new Float64Array(rows * width);
  let r = 0;
  for (let b = 0; b < d.n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, r++) {
        let q = 0;
        for (let u = 0; u < d.kh; u++)
          for (let v = 0; v < d.kw; v++)
            for (let c = 0; c < d.c; c++)
              cols[r * width + q++] = P.data[((b * P.H + i * d.sh + u) * P.W + j * d.sw + v) * d.c + c]!;
      }
  return { cols, rows, width };
}

/** C[m×n] = A[m×k] · Bᵀ where B is [n×k] (both row-major). */
export function matmulBT(a: Num, b: Num, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[j * k + p]!;
      c[i * n + j] = s;
    }
  return c;
}

/** y [N, oh, ow, outC] = im2col(x) · Wᵀ + bias; w [outC, kh, kw, C] is already a [outC, kh·kw·C] matrix. */
export function conv64(x: Num, w: Num, bias: Num | null, d: ConvDims, outC: number): Float64Array {
  const { cols, rows, width } = im2col(x, d);
  const y = matmulBT(cols, w, rows, outC, width);
  if (bias !== null) for (let r = 0; r < rows; r++) for (let o = 0; o < outC; o++) y[r * outC + o]! += bias[o]!;
  return y;
}

/** Average over each window of the zero-padded input, dividing by kh·kw (count_include_pad). */
export function avgPool64(x: Num, d: ConvDims): Float64Array {
  const { oh, ow } = outDims(d);
  const P = zeroPad(x, d);
  const y = new Float64Array(d.n * oh * ow * d.c);
  for (let b = 0; b < d.n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let c = 0; c < d.c; c++) {
          let s = 0;
          for (let u = 0; u < d.kh; u++)
            for (let v = 0; v < d.kw; v++) s += P.data[((b * P.H + i * d.sh + u) * P.W + j * d.sw + v) * d.c + c]!;
          y[((b * oh + i) * ow + j) * d.c + c] = s / (d.kh * d.kw);
        }
  return y;
}

/** Training-mode batch-norm of x [rows, C], one channel column at a time. */
export function batchNorm64(
  x: Num,
  rows: number,
  C: number,
  gamma: Num,
  beta: Num,
  eps: number,
): { y: Float64Array; mean: Float64Array; variance: Float64Array } {
  const y = new Float64Array(rows * C);
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const col = Array.from({ length: rows }, (_, r) => x[r * C + c]!);
    const mu = col.reduce((s, v) => s + v, 0) / rows;
    const vr = col.reduce((s, v) => s + (v - mu) ** 2, 0) / rows;
    mean[c] = mu;
    variance[c] = vr;
    col.forEach((v, r) => (y[r * C + c] = ((v - mu) / Math.sqrt(vr + eps)) * gamma[c]! + beta[c]!));
  }
  return { y, mean, variance };
}

/** y [rows, outF] = x · Wᵀ + b with W [outF, inF]. */
export function linear64(x: Num, w: Num, b: Num | null, rows: number, inF: number, outF: number): Float64Array {
  const y = matmulBT(x, w, rows, outF, inF);
  if (b !== null) for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) y[r * outF + o]! += b[o]!;
  return y;
}
