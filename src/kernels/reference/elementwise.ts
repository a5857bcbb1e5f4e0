import { elementwiseRow } from '../elementwise-plan.js';
import type { Buf, ElementwiseAttrs, ReduceAttrs, SumRowsAttrs } from '../kernels.js';

/*
 * The elementwise kernel and the reductions. The maps read element i before writing element i, so `out` may be
 * one of the inputs (elementwise([a, b], a, { op: 'add' }) is an in-place add). The last input repeats over out
 * (index i mod its length), except scaleRows' factors (one per row). Products and sums are formed in float64 and rounded once when stored.
 */

/** One loop per op (a shared loop with a per-op callback is an order of magnitude slower in V8). */
export function elementwise(inputs: readonly Buf[], out: Buf, attrs: ElementwiseAttrs): void {
  const row = elementwiseRow(inputs, out, attrs);
  const a = inputs[0] ?? out;
  const b = inputs[inputs.length - 1] ?? out; // the input that may repeat: element j = i mod row
  const acc = attrs.accumulate === true;
  const n = out.length;
  switch (attrs.op) {
    case 'fill': {
      const v = attrs.value;
      for (let i = 0; i < n; i++) out[i] = acc ? out[i]! + v : v;
      return;
    }
    case 'copy':
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === row ? 0 : j + 1) out[i] = acc ? out[i]! + b[j]! : b[j]!;
      return;
    case 'scale': {
      const s = attrs.alpha;
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === row ? 0 : j + 1) {
        out[i] = acc ? out[i]! + s * b[j]! : s * b[j]!;
      }
      return;
    }
    case 'clamp': {
      const { lo, hi } = attrs;
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === row ? 0 : j + 1) {
        const v = Math.min(Math.max(b[j]!, lo), hi);
        out[i] = acc ? out[i]! + v : v;
      }
      return;
    }
    case 'add':
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === row ? 0 : j + 1) {
        out[i] = acc ? out[i]! + (a[i]! + b[j]!) : a[i]! + b[j]!;
      }
      return;
    case 'mul':
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === row ? 0 : j + 1) {
        out[i] = acc ? out[i]! + a[i]! * b[j]! : a[i]! * b[j]!;
      }
      return;
    case 'scaleRows': {
      // b holds one factor per row: row r of out is 'scale' of row r of a by b[r]
      const cols = row === 0 ? 0 : n / row;
      for (let r = 0, i = 0; r < row; r++) {
        const s = b[r]!;
        for (let e = i + cols; i < e; i++) out[i] = acc ? out[i]! + s * a[i]! : s * a[i]!;
      }
      return;
    }
  }
}

export function reduce(x: Buf, attrs: ReduceAttrs): number {
  let s = 0;
  if (attrs.op === 'sum') for (let i = 0; i < x.length; i++) s += x[i]!;
  else for (let i = 0; i < x.length; i++) if (x[i] !== 0) s++;
  return s;
}

export function sumRows(x: Buf, out: Buf, attrs: SumRowsAttrs): void {
  const { rows, cols, weights } = attrs;
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const w = weights === undefined ? 1 : weights[r]!;
    for (let j = 0; j < cols; j++) acc[j]! += w * x[r * cols + j]!;
  }
  for (let j = 0; j < cols; j++) out[j] = attrs.accumulate === true ? out[j]! + acc[j]! : acc[j]!;
}
