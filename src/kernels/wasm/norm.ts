/**
 * Batch-norm on the wasm backend: the statistics in one pass (per-block mean and M2 merged in float64, colMoments),
 * the backward's sums in one pass (colSums mode 3), then one fused per-row affine pass.
 */
import type { BatchNormAttrs, BatchNormBackwardAttrs, Buf } from '../kernels.js';
import { staged, tempF32, type WasmContext } from './context.js';
import { colSums } from './dense.js';

/** y = (x − a)·b + d (+ z·e), coefficients per channel. */
function affine(ctx: WasmContext, px: number, pz: number, py: number, coef: number[][], rows: number, C: number): void {
  const flat = new Float32Array(4 * C);
  coef.forEach((v, i) => flat.set(v, i * C));
  const pc = tempF32(ctx, flat);
  try {
    ctx.pool.run('rowAffine', [px, pz, py, pc, rows, C], rows, { align: 1, work: rows * C * 3 });
  } finally {
    ctx.heap.freeBytes(pc);
  }
}

export function batchNormStats(ctx: WasmContext, x: Buf, mean: Buf, variance: Buf, a: BatchNormAttrs): void {
  const { rows, channels: C } = a;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    // one pass: each thread's count, mean and M2 per channel (assembly/colsum.ts), merged here the same way
    const parts = ctx.pool.run('colMoments', [px, C], rows, {
      align: 64,
      work: rows * C * 0.5,
      scratch: (2 * C + 1) * 8,
      partials: true,
    });
    const m = new Float64Array(C);
    const m2 = new Float64Array(C);
    let n = 0;
    for (let p = 0; p < parts; p++) {
      const part = new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), 2 * C + 1);
      const np = part[0]!;
      if (np === 0) continue;
      const total = n + np;
      for (let c = 0; c < C; c++) {
        const delta = part[1 + c]! - m[c]!;
        m[c]! += (delta * np) / total;
        m2[c]! += part[1 + C + c]! + (delta * delta * n * np) / total;
      }
      n = total;
    }
    for (let c = 0; c < C; c++) {
      mean[c] = m[c]!;
      variance[c] = m2[c]! / rows;
    }
  });
}

export function batchNormApply(
  ctx: WasmContext,
  x: Buf,
  y: Buf,
  mean: Buf,
  invStd: Buf,
  gamma: Buf,
  beta: Buf,
  a: BatchNormAttrs,
): void {
  const { rows, channels: C } = a;
  const scale = Array.from({ length: C }, (_, c) => invStd[c]! * gamma[c]!);
  staged(ctx, () => {
    affine(ctx, ctx.st.in(x), 0, ctx.st.out(y), [Array.from(mean), scale, Array.from(beta), []], rows, C);
  });
}

export function batchNormBackward(
  ctx: WasmContext,
  x: Buf,
  dy: Buf,
  mean: Buf,
  invStd: Buf,
  gamma: Buf,
  dx: Buf,
  dgamma: Buf,
  dbeta: Buf,
  a: BatchNormBackwardAttrs,
): void {
  const { rows, channels: C } = a;
  const accumulate = a.accumulate === true;
  const T = a.sharedSteps ?? 1;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const pdy = ctx.st.in(dy);
    const pm = ctx.st.in(mean);
    // Σdy and Σdy·(x − mean) in one pass over x and dy (dy shared by T steps: x's T rows per dy row)
    const sums = T > 1 ? sharedSums(ctx, px, pdy, pm, rows / T, T, C) : colSums(ctx, px, pdy, pm, rows, C, 3);
    const sdy = sums.subarray(0, C);
    const sdyx = sums.subarray(C);
    // dx = A·(N·dy − Σdy − x̂·Σdy·x̂) with A = γ·σ⁻¹/N, as (x − mean)·b + d + dy·e per channel. d and e are
    // built from the same float32 A, so that dx is exactly 0 where dy equals its mean and x its mean.
    const b: number[] = [];
    const d: number[] = [];
    const e: number[] = [];
    for (let c = 0; c < C; c++) {
      const is = invStd[c]!;
      const dg = sdyx[c]! * is;
      const db = sdy[c]!;
      const A = Math.fround((gamma[c]! * is) / rows);
      b.push(-A * is * dg);
      d.push(Math.fround(-A * db));
      e.push(Math.fround(A * rows));
      dgamma[c] = accumulate ? dgamma[c]! + dg : dg;
      dbeta[c] = accumulate ? dbeta[c]! + db : db;
    }
    const coef = [Array.from(mean), b, d, e];
    if (T > 1) sharedAffine(ctx, px, pdy, ctx.st.out(dx), coef, rows / T, T, C, a.timeSum);
    else affine(ctx, px, pdy, ctx.st.out(dx), coef, rows, C);
  });
}

/** colSums mode 3 for a dy shared by T steps (assembly/colsum.ts: colSumsShared); Σdy counts every step. */
function sharedSums(
  ctx: WasmContext,
  px: number,
  pg: number,
  pm: number,
  R: number,
  T: number,
  C: number,
): Float64Array {
  const parts = ctx.pool.run('colSumsShared', [px, pg, pm, R, T, C], R, {
    align: 32,
    work: R * T * C * 0.5,
    scratch: 2 * C * 8,
    partials: true,
  });
  const out = new Float64Array(2 * C);
  for (let p = 0; p < parts; p++) {
    const part = new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), 2 * C);
    for (let i = 0; i < 2 * C; i++) out[i]! += part[i]!;
  }
  for (let c = 0; c < C; c++) out[c]! *= T;
  return out;
}

/** dx from a dy shared by T steps, and its weighted time sum when asked (assembly/colsum.ts: rowAffineShared). */
function sharedAffine(
  ctx: WasmContext,
  px: number,
  pg: number,
  py: number,
  coef: number[][],
  R: number,
  T: number,
  C: number,
  timeSum: BatchNormBackwardAttrs['timeSum'],
): void {
  const flat = new Float32Array(4 * C);
  coef.forEach((v, i) => flat.set(v, i * C));
  const pc = tempF32(ctx, flat);
  const pw = tempF32(ctx, Float32Array.from(timeSum?.weights ?? new Float64Array(T)));
  try {
    const psum = timeSum === undefined ? 0 : ctx.st.out(timeSum.out);
    ctx.pool.run('rowAffineShared', [px, pg, py, pc, R, T, C, psum, pw], R, { align: 1, work: R * T * C * 3 });
  } finally {
    ctx.heap.freeBytes(pw);
    ctx.heap.freeBytes(pc);
  }
}
