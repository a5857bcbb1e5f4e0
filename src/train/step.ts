import { crossEntropy } from '../nn/loss.js';
import type { Encoding, Network } from '../nn/network.js';
import type { Param } from '../nn/param.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { zeroGrad } from '../optim/optimizer.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';

export interface Batch {
  x: Tensor;
  labels: Int32Array;
  encoding?: Encoding;
}

export interface StepResult<S extends OptimizerState> {
  loss: number;
  correct: number;
  state: S;
}

/** One DSR (or BPTT, or ANN) training step: forward over T steps, loss on the rates, backward, optimiser. */
export function trainStep<S extends OptimizerState>(
  net: Network,
  params: readonly Param[],
  opt: Optimizer<S>,
  state: S,
  batch: Batch,
  lr: number,
  rng: Rng,
): StepResult<S> {
  const k = net.k;
  zeroGrad(params, k);
  const logits = net.forward(batch.x, { training: true, rng, encoding: batch.encoding ?? 'direct' });
  const { loss, grad, correct } = crossEntropy(logits, batch.labels, k, net.lossGrad(logits.data.length));
  net.backward(grad);
  return { loss, correct, state: opt.step(params, state, lr, k) };
}

/** Logits in eval mode (running BN statistics, no dropout, nothing cached), readable on the host. */
export function predict(net: Network, x: Tensor, rng: Rng, encoding: Encoding = 'direct'): Tensor {
  const logits = net.forward(x, { training: false, rng, encoding });
  net.k.toHost(logits.data);
  return logits;
}
