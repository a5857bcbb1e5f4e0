import type { Buf } from '../kernels.js';

/*
 * Elementwise maps and reductions. The maps read element i before writing element i, so `out` may alias
 * an input (add(a, b, a) is an in-place add).
 */

export function fill(x: Buf, value: number): void {
  x.fill(value);
}

export function copy(src: Buf, dst: Buf): void {
  dst.set(src);
}

export function add(a: Buf, b: Buf, out: Buf): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
}

export function mul(a: Buf, b: Buf, out: Buf): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * b[i]!;
}

export function axpy(alpha: number, x: Buf, y: Buf): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
}

export function scale(x: Buf, alpha: number, out: Buf): void {
  for (let i = 0; i < out.length; i++) out[i] = alpha * x[i]!;
}

export function sum(x: Buf): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

export function sumRows(x: Buf, out: Buf, rows: number, cols: number, accumulate: boolean): void {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) acc[j] += x[r * cols + j]!;
  for (let j = 0; j < cols; j++) out[j] = accumulate ? out[j]! + acc[j]! : acc[j]!;
}

export function addRowVector(y: Buf, bias: Buf, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) y[r * cols + j] = y[r * cols + j]! + bias[j]!;
}
