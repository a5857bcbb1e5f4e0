/**
 * The elementwise kernel and the reductions on the wasm backend: each call goes to the fused loop for its case
 * (assembly/elementwise.ts, neuron.ts, colsum.ts, sparse.ts); runElementwise splits the rare combinations.
 */

import type { ElementwiseLoops } from '../elementwise-plan.js';
import type { Buf, Kernels, ReduceAttrs, SumRowsAttrs } from '../kernels.js';
import { staged, type WasmContext } from './context.js';
import { columnSums } from './dense.js';
import * as pw from './pointwise.js';
import { nonzeroCount } from './sparse.js';

export function elementwiseLoops(ctx: WasmContext): ElementwiseLoops {
  return {
    fill: (out, value) => pw.fill(ctx, out, value),
    copy: (x, out) => pw.copy(ctx, x, out),
    scale: (x, alpha, out) => pw.scale(ctx, x, alpha, out),
    axpy: (alpha, x, out) => pw.axpy(ctx, alpha, x, out),
    clamp: (x, out, lo, hi) => pw.clamp(ctx, x, out, lo, hi),
    add: (a, b, out) => pw.add(ctx, a, b, out),
    mul: (a, b, out) => pw.mul(ctx, a, b, out),
    broadcast: (x, out, alpha, T, n) => pw.timeBroadcast(ctx, x, out, alpha, T, n),
    addRow: (out, row, rows, cols) => pw.addRowVector(ctx, out, row, rows, cols),
    scaleRows: (x, scales, out, cols, accumulate) => pw.scaleRows(ctx, x, scales, out, cols, accumulate),
  };
}

export function reduce(ctx: WasmContext, x: Buf, attrs: ReduceAttrs): number {
  return attrs.op === 'sum' ? pw.sum(ctx, x) : nonzeroCount(ctx, x);
}

/**
 * Without weights (bias gradients: many rows, few columns) threads split the rows and sum in float64; with
 * weights (time aggregation: few steps, many neurons) they split the columns.
 */
export function sumRows(ctx: WasmContext, k: Kernels, x: Buf, out: Buf, attrs: SumRowsAttrs): void {
  const { rows, cols, weights } = attrs;
  const accumulate = attrs.accumulate === true;
  if (weights === undefined) {
    staged(ctx, () => columnSums(ctx, ctx.st.in(x), rows, cols, out, accumulate));
  } else if (!accumulate) {
    pw.timeReduce(ctx, x, out, weights, rows, cols);
  } else {
    const tmp = k.alloc(cols);
    try {
      pw.timeReduce(ctx, x, tmp, weights, rows, cols);
      pw.add(ctx, out, tmp, out);
    } finally {
      k.free(tmp);
    }
  }
}
