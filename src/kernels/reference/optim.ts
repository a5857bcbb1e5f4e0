import type { AdamAttrs, Buf, SgdAttrs } from '../kernels.js';

/**
 * One torch.optim.SGD step on one tensor:
 *   d = grad + weightDecay·p
 *   momentum ≠ 0:  buf = firstStep ? d : momentum·buf + (1 − dampening)·d
 *                  d = nesterov ? d + momentum·buf : buf
 *   p −= lr·d
 * momentumBuf is not touched when momentum is 0.
 */
export function sgdStep(param: Buf, grad: Buf, momentumBuf: Buf, a: SgdAttrs): void {
  const { n, lr, momentum, weightDecay, dampening, nesterov, firstStep } = a;
  for (let i = 0; i < n; i++) {
    let d = grad[i]! + weightDecay * param[i]!;
    if (momentum !== 0) {
      const buf = firstStep ? d : momentum * momentumBuf[i]! + (1 - dampening) * d;
      momentumBuf[i] = buf;
      d = nesterov ? d + momentum * buf : buf;
    }
    param[i] = param[i]! - lr * d;
  }
}

/**
 * One torch.optim.Adam step (L2 weight decay added to the gradient, not decoupled; no amsgrad):
 *   g = grad + weightDecay·p;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   p −= lr/(1 − β1^step) · m / (√v / √(1 − β2^step) + eps)
 */
export function adamStep(param: Buf, grad: Buf, m: Buf, v: Buf, a: AdamAttrs): void {
  const { n, lr, beta1, beta2, eps, weightDecay, step } = a;
  const stepSize = lr / (1 - beta1 ** step);
  const sqrtBc2 = Math.sqrt(1 - beta2 ** step);
  for (let i = 0; i < n; i++) {
    const g = grad[i]! + weightDecay * param[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    // Use the stored (float32) moments, as a float32 implementation would.
    param[i] = param[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / sqrtBc2 + eps);
  }
}
