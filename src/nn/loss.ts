import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';

export interface LossResult {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** dLoss/dlogits, [B, classes]. */
  grad: Tensor;
  /** Samples whose arg-max logit is the label (ties go to the lowest class index). */
  correct: number;
}

/**
 * Cross-entropy on the output layer's (weighted) firing rates, used as logits with no scaling (docs/method.md §3).
 * `gradBuf` (rows·classes floats from k) is reused when given. A NaN/Inf loss stops here with a clear error rather than poisoning the weights.
 */
export function crossEntropy(logits: Tensor, labels: Int32Array, k: Kernels, gradBuf?: Float32Array): LossResult {
  const [rows, classes] = logits.shape as [number, number];
  const grad = gradBuf ?? k.alloc(rows * classes);
  const loss = k.softmaxCrossEntropy(logits.data, labels, grad, { rows, classes });
  k.toHost(logits.data); // countCorrect reads the logits on the host
  if (!Number.isFinite(loss)) {
    throw new SpikerepError('E_NAN', `loss is ${loss}: training diverged (try a lower --lr)`, 'loss');
  }
  return { loss, grad: { shape: [rows, classes], data: grad }, correct: countCorrect(logits, labels) };
}

/** The arg-max class of every row; the logits must be on the host (after k.toHost on a GPU backend). */
export function argmaxRows(logits: Tensor): Int32Array {
  const [rows, classes] = logits.shape as [number, number];
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits.data[r * classes + c]! > logits.data[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

export function countCorrect(logits: Tensor, labels: Int32Array): number {
  const pred = argmaxRows(logits);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
  return correct;
}
