import type { Buf, ElementwiseAttrs, ReduceAttrs, SumRowsAttrs } from '../kernels.js';
import { elementwiseRow } from '../elementwise-plan.js';

/*
 * The elementwise kernel and the reductions. The maps read element i before writing element i, so `out` may be
 * one of the inputs (elementwise([a, b], a, { op: 'add' }) is an in-place add). The last input repeats over out
 * (index i mod its length). Products and sums are formed in float64 and rounded once when stored.
 */

/** The value of one op at element i; `a` is the first input, `b` the last (repeated) one. */
function apply(attrs: ElementwiseAttrs, a: Buf, b: Buf, i: number, j: number): number {
  switch (attrs.op) {
    case 'fill':
      return attrs.value;
    case 'copy':
      return b[j]!;
    case 'scale':
      return attrs.alpha * b[j]!;
    case 'clamp':
      return Math.min(Math.max(b[j]!, attrs.lo), attrs.hi);
    case 'add':
      return a[i]! + b[j]!;
    case 'mul':
      return a[i]! * b[j]!;
  }
}

export function elementwise(inputs: readonly Buf[], out: Buf, attrs: ElementwiseAttrs): void {
  const row = elementwiseRow(inputs, out, attrs);
  const a = inputs[0] ?? out;
  const b = inputs[inputs.length - 1] ?? out;
  const accumulate = attrs.accumulate === true;
  for (let i = 0, j = 0; i < out.length; i++, j = j + 1 === row ? 0 : j + 1) {
    const v = apply(attrs, a, b, i, j);
    out[i] = accumulate ? out[i]! + v : v;
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
    for (let j = 0; j < cols; j++) acc[j] += w * x[r * cols + j]!;
  }
  for (let j = 0; j < cols; j++) out[j] = attrs.accumulate === true ? out[j]! + acc[j]! : acc[j]!;
}
