/** Optimiser steps on ranges of one parameter tensor, with PyTorch's update rules (see kernels.ts). */

export function sgd(
  p: usize, g: usize, buf: usize, lr: f32, momentum: f32, wd: f32, dampening: f32, nesterov: i32, first: i32,
  start: i32, end: i32,
): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i * 4;
    const w = load<f32>(p + o);
    let d = load<f32>(g + o) + wd * w;
    if (momentum != 0) {
      const b = first ? d : momentum * load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(buf + o, b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(p + o, w - lr * d);
  }
}

/** Adam with L2 in the gradient; bc1 = 1 − β1^t, bc2sqrt = √(1 − β2^t). */
export function adam(
  p: usize, g: usize, m: usize, v: usize, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2sqrt: f32,
  start: i32, end: i32,
): void {
  const stepSize = lr / bc1;
  for (let i = start; i < end; i++) {
    const o = <usize>i * 4;
    const w = load<f32>(p + o);
    const d = load<f32>(g + o) + wd * w;
    const mi = b1 * load<f32>(m + o) + (1 - b1) * d;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * d * d;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, w - stepSize * mi / (Mathf.sqrt(vi) / bc2sqrt + eps));
  }
}
