/** Time aggregation, elementwise ops, loss and optimiser steps on the wasm backend. */

import type { AdamAttrs, Buf, SgdAttrs } from '../kernels.js';
import { checkLabels } from '../labels.js';
import { staged, tempF32, type WasmContext } from './context.js';

export function timeReduce(ctx: WasmContext, x: Buf, out: Buf, weights: Float64Array, T: number, n: number): void {
  staged(ctx, () => {
    const pw = tempF32(ctx, weights.subarray(0, T));
    try {
      ctx.pool.run('timeReduce', [ctx.st.in(x), ctx.st.out(out), pw, T, n], n, { align: 4, work: 2 * T * n });
    } finally {
      ctx.heap.freeBytes(pw);
    }
  });
}

export function timeBroadcast(ctx: WasmContext, x: Buf, out: Buf, scale: number, T: number, n: number): void {
  staged(ctx, () => {
    ctx.pool.run('timeBroadcast', [ctx.st.in(x), ctx.st.out(out), scale, T, n], n, { align: 4, work: T * n });
  });
}

/** Runs a kernel whose parts each leave a float64 partial at the start of their scratch; returns the total. */
function reduce(ctx: WasmContext, fn: string, args: number[], total: number, work: number): number {
  const parts = ctx.pool.run(fn, args, total, { align: 4, work, partials: true });
  let s = 0;
  for (let p = 0; p < parts; p++) s += new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), 1)[0]!;
  return s;
}

/** Spikes as bits: threads split the 32-spike words (assembly/bits.ts). */
export function packSpikes(ctx: WasmContext, x: Buf, bits: Buf, n: number): void {
  staged(ctx, () => {
    ctx.pool.run('packBits', [ctx.st.in(x), ctx.st.out(bits), n], Math.ceil(n / 32), { align: 1, work: n });
  });
}

export function unpackSpikes(ctx: WasmContext, bits: Buf, y: Buf, n: number, magnitude: number): void {
  staged(ctx, () => {
    ctx.pool.run('unpackBits', [ctx.st.in(bits), ctx.st.out(y), n, magnitude], Math.ceil(n / 32), {
      align: 1,
      work: n,
    });
  });
}

export function clamp(ctx: WasmContext, x: Buf, y: Buf, lo: number, hi: number): void {
  staged(ctx, () => {
    ctx.pool.run('clamp', [ctx.st.in(x), ctx.st.out(y), lo, hi], x.length, { align: 4 });
  });
}

// Elementwise op codes of assembly/elementwise.ts.
const FILL = 0,
  COPY = 1,
  ADD = 2,
  MUL = 3,
  AXPY = 4,
  SCALE = 5;

function ew(ctx: WasmContext, op: number, a: number, b: number, c: number, s: number, n: number): void {
  ctx.pool.run('ew', [op, a, b, c, s], n, { align: 4, work: n });
}

export function fill(ctx: WasmContext, x: Buf, value: number): void {
  staged(ctx, () => ew(ctx, FILL, ctx.st.out(x), 0, 0, value, x.length));
}
export function copy(ctx: WasmContext, src: Buf, dst: Buf): void {
  staged(ctx, () => ew(ctx, COPY, ctx.st.in(src), 0, ctx.st.out(dst), 0, src.length));
}
export function add(ctx: WasmContext, a: Buf, b: Buf, out: Buf): void {
  staged(ctx, () => ew(ctx, ADD, ctx.st.in(a), ctx.st.in(b), ctx.st.out(out), 0, out.length));
}
export function mul(ctx: WasmContext, a: Buf, b: Buf, out: Buf): void {
  staged(ctx, () => ew(ctx, MUL, ctx.st.in(a), ctx.st.in(b), ctx.st.out(out), 0, out.length));
}
export function axpy(ctx: WasmContext, alpha: number, x: Buf, y: Buf): void {
  staged(ctx, () => ew(ctx, AXPY, ctx.st.in(x), 0, ctx.st.inout(y), alpha, y.length));
}
export function scale(ctx: WasmContext, x: Buf, alpha: number, out: Buf): void {
  staged(ctx, () => ew(ctx, SCALE, ctx.st.in(x), 0, ctx.st.out(out), alpha, out.length));
}
/** out[r·cols + j] (+)= scales[r]·x[r·cols + j]: threads split the rows (assembly/elementwise.ts ewRows). */
export function scaleRows(ctx: WasmContext, x: Buf, scales: Buf, out: Buf, cols: number, accumulate: boolean): void {
  const rows = scales.length;
  staged(ctx, () => {
    const o = accumulate ? ctx.st.inout(out) : ctx.st.out(out);
    const args = [ctx.st.in(x), ctx.st.in(scales), o, cols, accumulate ? 1 : 0];
    ctx.pool.run('ewRows', args, rows, { align: 1, work: rows * cols });
  });
}
/** y = x [rows, cols] as [cols, rows]: threads split y's rows in whole tiles of 32 (assembly/transpose.ts). */
export function transpose(ctx: WasmContext, x: Buf, y: Buf, rows: number, cols: number): void {
  staged(ctx, () => {
    ctx.pool.run('transpose', [ctx.st.in(x), ctx.st.out(y), rows, cols], cols, { align: 32, work: rows * cols });
  });
}
export function sum(ctx: WasmContext, x: Buf): number {
  return staged(ctx, () => reduce(ctx, 'sumRange', [ctx.st.in(x)], x.length, x.length));
}
export function addRowVector(ctx: WasmContext, y: Buf, bias: Buf, rows: number, cols: number): void {
  staged(ctx, () => {
    ctx.pool.run('addRowVec', [ctx.st.inout(y), ctx.st.in(bias), rows, cols], rows, { align: 1, work: rows * cols });
  });
}

/** Small (rows × classes): plain loops on the views, in float64. */
export function softmaxCrossEntropy(logits: Buf, labels: Int32Array, grad: Buf, rows: number, classes: number): number {
  checkLabels(labels, rows, classes);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    const label = labels[r]!;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[o + j]!);
    let z = 0;
    for (let j = 0; j < classes; j++) z += Math.exp(logits[o + j]! - max);
    loss += Math.log(z) - (logits[o + label]! - max);
    for (let j = 0; j < classes; j++) {
      grad[o + j] = (Math.exp(logits[o + j]! - max) / z - (j === label ? 1 : 0)) / rows;
    }
  }
  return loss / rows;
}

export function sgdStep(ctx: WasmContext, param: Buf, grad: Buf, buf: Buf, a: SgdAttrs): void {
  staged(ctx, () => {
    const args = [
      ctx.st.inout(param),
      ctx.st.in(grad),
      a.momentum !== 0 ? ctx.st.inout(buf) : 0,
      a.lr,
      a.momentum,
      a.weightDecay,
      a.dampening,
      a.nesterov ? 1 : 0,
      a.firstStep ? 1 : 0,
    ];
    ctx.pool.run('sgd', args, a.n, { align: 4, work: 4 * a.n });
  });
}

export function adamStep(ctx: WasmContext, param: Buf, grad: Buf, m: Buf, v: Buf, a: AdamAttrs): void {
  const stepSize = a.lr / (1 - a.beta1 ** a.step);
  const bc2sqrt = Math.sqrt(1 - a.beta2 ** a.step);
  staged(ctx, () => {
    const args = [
      ctx.st.inout(param),
      ctx.st.in(grad),
      ctx.st.inout(m),
      ctx.st.inout(v),
      stepSize,
      a.beta1,
      a.beta2,
      a.eps,
      a.weightDecay,
      bc2sqrt,
    ];
    ctx.pool.run('adam', args, a.n, { align: 4, work: 10 * a.n });
  });
}
