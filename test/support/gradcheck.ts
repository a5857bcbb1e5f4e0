/**
 * Test support: seeded data, central differences in float64, and a closeness check that reports where two
 * arrays part. Not a test file itself (the runner only picks up *.test.ts).
 */
import assert from 'node:assert/strict';
import type { Rng } from '../../src/rng.js';

type Num = ArrayLike<number>;

/** n values ~ N(0, scale²), rounded to float32 so both sides of a comparison see identical inputs. */
export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

export function f64(a: Num): Float64Array {
  return Float64Array.from(a as ArrayLike<number>);
}

/** Σ a·b in float64: turns a vector output into the scalar loss whose gradient is the backward of dy = b. */
export function dot(a: Num, b: Num): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** ∂f/∂x_i = (f(x + eps·e_i) − f(x − eps·e_i)) / 2eps for every i; x is restored afterwards. */
export function centralDiff(f: () => number, x: Float64Array, eps = 1e-4): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i]!;
    x[i] = old + eps;
    const plus = f();
    x[i] = old - eps;
    const minus = f();
    x[i] = old;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

export interface Tolerance {
  readonly rtol?: number;
  /** Absolute floor; defaults to rtol·max|expected| so near-zero entries of a large array do not dominate. */
  readonly atol?: number;
}

/** The worst |a − e| / (atol + rtol·|e|) and where it is: ≤ 1 means close. */
export function closeness(actual: Num, expected: Num, tol: Tolerance = {}): { ratio: number; at: number } {
  assert.equal(actual.length, expected.length, 'length mismatch');
  const rtol = tol.rtol ?? 1e-4;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]!));
  const atol = tol.atol ?? rtol * Math.max(maxAbs, 1e-12);
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const r = Math.abs(actual[i]! - expected[i]!) / (atol + rtol * Math.abs(expected[i]!));
    if (!(r <= ratio)) {
      ratio = r;
      at = i;
      if (Number.isNaN(r)) break;
    }
  }
  return { ratio, at };
}

export function assertClose(actual: Num, expected: Num, tol: Tolerance = {}, what = 'values'): void {
  const { ratio, at } = closeness(actual, expected, tol);
  assert.ok(
    ratio <= 1,
    `${what}: differ at [${at}]: got ${actual[at]}, expected ${expected[at]} (${ratio.toFixed(2)}× tolerance)`,
  );
}

/** Whether an analytic gradient agrees with central differences, at the tolerance every gradient test uses. */
export function gradientAgrees(analytic: Num, numeric: Num): boolean {
  return closeness(analytic, numeric, GRAD_TOL).ratio <= 1;
}

export const GRAD_TOL: Tolerance = { rtol: 1e-3 };

/**
 * `scale` (optional) is the size of the gradients around this one: a gradient that is exactly zero in theory
 * (a conv bias in front of a BN) then passes with round-off, at 1e-6 of that scale.
 */
export function assertGrad(analytic: Num, numeric: Num, what: string, scale = 0): void {
  const tol =
    scale > 0 ? { ...GRAD_TOL, atol: Math.max(1e-6 * scale, (GRAD_TOL.rtol ?? 0) * maxAbs(numeric)) } : GRAD_TOL;
  assertClose(analytic, numeric, tol, `${what} gradient`);
}

export function maxAbs(a: Num): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
