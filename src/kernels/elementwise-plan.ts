/**
 * The shape rules of the elementwise kernel (ElementwiseAttrs), checked in one place so that backends cannot
 * disagree, and the decomposition a fast backend falls back on for the combinations it has no fused loop for.
 */
import { SpikerepError } from '../errors.js';
import type { Buf, ElementwiseAttrs, ElementwiseOp, Kernels } from './kernels.js';

/** How many inputs each op reads. */
export const ELEMENTWISE_ARITY: Readonly<Record<ElementwiseOp, number>> = {
  fill: 0,
  copy: 1,
  scale: 1,
  clamp: 1,
  add: 2,
  mul: 2,
  scaleRows: 2,
};

/**
 * The length of the last input, which repeats over out (out.length when nothing repeats, or when there is no
 * input); throws E_SHAPE on a wrong number of inputs or a length that does not fit.
 */
export function elementwiseRow(inputs: readonly Buf[], out: Buf, attrs: ElementwiseAttrs): number {
  const arity = ELEMENTWISE_ARITY[attrs.op];
  if (inputs.length !== arity) shapeError(attrs, `expected ${arity} input(s), got ${inputs.length}`);
  if (arity === 0) return out.length;
  if (arity === 2 && inputs[0]!.length !== out.length) {
    shapeError(attrs, `input 0 has ${inputs[0]!.length} elements, out has ${out.length}`);
  }
  const row = inputs[arity - 1]!.length;
  if (row === 0 ? out.length !== 0 : out.length % row !== 0) {
    shapeError(attrs, `the last input's ${row} elements do not repeat evenly over out's ${out.length}`);
  }
  return row;
}

function shapeError(attrs: ElementwiseAttrs, what: string): never {
  throw new SpikerepError('E_SHAPE', `elementwise ${attrs.op}: ${what}`);
}

/**
 * Runs an elementwise call as calls without accumulation or repetition: an accumulated result goes through a
 * temporary and one add, a repeated last input is applied one row of out at a time.
 */
export function elementwiseByParts(
  k: Kernels,
  inputs: readonly Buf[],
  out: Buf,
  attrs: ElementwiseAttrs,
  row: number,
): void {
  if (attrs.accumulate === true) {
    const tmp = k.alloc(out.length);
    try {
      k.elementwise(inputs, tmp, { ...attrs, accumulate: false });
      k.elementwise([out, tmp], out, { op: 'add' });
    } finally {
      k.free(tmp);
    }
    return;
  }
  const last = inputs.length - 1;
  for (let r = 0; r < out.length; r += row) {
    const parts = inputs.map((x, i) => (i === last ? x : x.subarray(r, r + row)));
    k.elementwise(parts, out.subarray(r, r + row), attrs);
  }
}

/** The fused loops a fast backend has for the common elementwise cases (sizes come from the buffers). */
export interface ElementwiseLoops {
  fill(out: Buf, value: number): void;
  copy(x: Buf, out: Buf): void;
  /** out = alpha·x */
  scale(x: Buf, alpha: number, out: Buf): void;
  /** out += alpha·x */
  axpy(alpha: number, x: Buf, out: Buf): void;
  clamp(x: Buf, out: Buf, lo: number, hi: number): void;
  add(a: Buf, b: Buf, out: Buf): void;
  mul(a: Buf, b: Buf, out: Buf): void;
  /** out[t·n + i] = alpha·x[i] for t < T: one row replicated. */
  broadcast(x: Buf, out: Buf, alpha: number, T: number, n: number): void;
  /** out[r·cols + j] += row[j] in place. */
  addRow(out: Buf, row: Buf, rows: number, cols: number): void;
  /** out[r·cols + j] (+)= scales[r]·x[r·cols + j], rounded as scale (axpy with accumulate) rounds; rows = scales.length. */
  scaleRows(x: Buf, scales: Buf, out: Buf, cols: number, accumulate: boolean): void;
}

/** A fast backend's elementwise kernel: the fused loop for its case, else elementwiseByParts. */
export function runElementwise(
  loops: ElementwiseLoops,
  k: Kernels,
  inputs: readonly Buf[],
  out: Buf,
  attrs: ElementwiseAttrs,
): void {
  const row = elementwiseRow(inputs, out, attrs);
  const repeats = row < out.length;
  const accumulate = attrs.accumulate === true;
  if (!fusedLoop(loops, inputs, out, attrs, row, repeats, accumulate)) elementwiseByParts(k, inputs, out, attrs, row);
}

/** Runs the one fused loop that computes this case and returns true, or returns false when none does. */
function fusedLoop(
  loops: ElementwiseLoops,
  inputs: readonly Buf[],
  out: Buf,
  attrs: ElementwiseAttrs,
  row: number,
  repeats: boolean,
  accumulate: boolean,
): boolean {
  const a = inputs[0]!;
  const last = inputs[inputs.length - 1]!;
  const times = out.length / row;
  switch (attrs.op) {
    case 'fill':
      if (accumulate) return false;
      loops.fill(out, attrs.value);
      return true;
    case 'copy':
    case 'scale': {
      const alpha = attrs.op === 'scale' ? attrs.alpha : 1;
      if (repeats && accumulate) return false;
      if (repeats) loops.broadcast(last, out, alpha, times, row);
      else if (accumulate) loops.axpy(alpha, last, out);
      else if (attrs.op === 'copy') loops.copy(last, out);
      else loops.scale(last, alpha, out);
      return true;
    }
    case 'clamp':
      if (repeats || accumulate) return false;
      loops.clamp(last, out, attrs.lo, attrs.hi);
      return true;
    case 'add':
      if (accumulate) return false;
      if (!repeats) loops.add(a, last, out);
      else {
        if (a !== out) loops.copy(a, out);
        loops.addRow(out, last, times, row);
      }
      return true;
    case 'mul':
      if (repeats || accumulate) return false;
      loops.mul(a, last, out);
      return true;
    case 'scaleRows':
      loops.scaleRows(a, last, out, row === 0 ? 0 : out.length / row, accumulate);
      return true;
  }
}
