import type { Buf, SoftmaxAttrs } from '../kernels.js';
import { checkLabels } from '../labels.js';

/**
 * Mean softmax cross-entropy over logits[rows, classes]. Each row is shifted by its maximum before exp, so
 * large logits cannot overflow: loss_r = log Σ_j exp(z_j − max) − (z_label − max). The gradient is
 * (softmax − onehot) / rows. Sums are float64.
 */
export function softmaxCrossEntropy(logits: Buf, labels: Int32Array, grad: Buf, attrs: SoftmaxAttrs): number {
  const { rows, classes } = attrs;
  checkLabels(labels, rows, classes);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
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
