import { SpikerepError } from '../../errors.js';
import type { Buf, SoftmaxAttrs } from '../kernels.js';

/**
 * Mean softmax cross-entropy over logits[rows, classes]. Each row is shifted by its maximum before exp, so
 * large logits cannot overflow: loss_r = log Σ_j exp(z_j − max) − (z_label − max). The gradient is
 * (softmax − onehot) / rows. Sums are float64.
 */
export function softmaxCrossEntropy(logits: Buf, labels: Int32Array, grad: Buf, attrs: SoftmaxAttrs): number {
  const { rows, classes } = attrs;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
    if (!(label >= 0 && label < classes)) {
      throw new SpikerepError(
        'E_LABEL',
        `softmaxCrossEntropy: label ${label} at row ${r} is outside 0..${classes - 1}`,
      );
    }
    const base = r * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[base + j]!);
    let z = 0;
    for (let j = 0; j < classes; j++) z += Math.exp(logits[base + j]! - max);
    total += Math.log(z) - (logits[base + label]! - max);
    for (let j = 0; j < classes; j++) {
      const p = Math.exp(logits[base + j]! - max) / z;
      grad[base + j] = (p - (j === label ? 1 : 0)) / rows;
    }
  }
  return total / rows;
}
