/**
 * Optimiser steps on ranges of one parameter tensor, with PyTorch's update rules (see kernels.ts). The arithmetic
 * is float64 on float32 storage, like the reference: these steps are memory-bound, so precision costs nothing.
 */

export function sgd(
  p: usize, g: usize, buf: usize, lr: f64, momentum: f64, wd: f64, dampening: f64, nesterov: i32, first: i32,
  start: i32, end: i32,
): void {
  for (let i = start; i < end; i++) {
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
