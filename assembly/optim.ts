/**
 * Optimiser steps on ranges of one parameter tensor, with PyTorch's update rules (see kernels.ts). The arithmetic
 * is float64 on float32 storage, like the reference: these steps are memory-bound, so precision costs nothing.
 */

/**
 * Two float32 values at a promoted to float64 lanes; and back. Lane-wise f64 arithmetic rounds as the scalar
 * f64 operations do, so the vector steps give the same bits as the scalar tail.
 */
// @ts-ignore: decorator
@inline
function load2(a: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(a));
}

// @ts-ignore: decorator
@inline
function store2(a: usize, v: v128): void {
  v128.store64_lane(a, f32x4.demote_f64x2_zero(v), 0);
}

export function sgd(
  p: usize, g: usize, buf: usize, lr: f64, momentum: f64, wd: f64, dampening: f64, nesterov: i32, first: i32,
  start: i32, end: i32,
): void {
  // two at a time in f64x2 lanes, with the loop-invariant choices outside the loop: the scalar loop, which tested
  // them per element, ran at about 4 GB/s (memory allows several times that)
  const vwd = f64x2.splat(wd), vlr = f64x2.splat(lr), vm = f64x2.splat(momentum), vdamp = f64x2.splat(1 - dampening);
  let i = start;
  if (momentum == 0) {
    for (; i + 2 <= end; i += 2) {
      const o = <usize>i * 4;
      const w = load2(p + o);
      store2(p + o, f64x2.sub(w, f64x2.mul(vlr, f64x2.add(load2(g + o), f64x2.mul(vwd, w)))));
    }
  } else {
    for (; i + 2 <= end; i += 2) {
      const o = <usize>i * 4;
      const w = load2(p + o);
      let d = f64x2.add(load2(g + o), f64x2.mul(vwd, w));
      const b = first ? d : f64x2.add(f64x2.mul(vm, load2(buf + o)), f64x2.mul(vdamp, d));
      store2(buf + o, b);
      d = nesterov ? f64x2.add(d, f64x2.mul(vm, b)) : b;
      store2(p + o, f64x2.sub(w, f64x2.mul(vlr, d)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i * 4;
    const w = <f64>load<f32>(p + o);
    let d = <f64>load<f32>(g + o) + wd * w;
    if (momentum != 0) {
      const b = first ? d : momentum * <f64>load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(buf + o, <f32>b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(p + o, <f32>(w - lr * d));
  }
}

/** Adam with L2 in the gradient; stepSize = lr / (1 − β1^t), bc2sqrt = √(1 − β2^t). */
export function adam(
  p: usize, g: usize, m: usize, v: usize, stepSize: f64, b1: f64, b2: f64, eps: f64, wd: f64, bc2sqrt: f64,
  start: i32, end: i32,
): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i * 4;
    const w = <f64>load<f32>(p + o);
    const d = <f64>load<f32>(g + o) + wd * w;
    const mi = <f32>(b1 * <f64>load<f32>(m + o) + (1 - b1) * d);
    const vi = <f32>(b2 * <f64>load<f32>(v + o) + (1 - b2) * d * d);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, <f32>(w - (stepSize * <f64>mi) / (Math.sqrt(<f64>vi) / bc2sqrt + eps)));
  }
}
