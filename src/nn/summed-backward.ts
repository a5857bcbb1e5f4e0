/**
 * The exact-mode backward into a neuron that reads its gradient only through Σ_t w_t·dy[t] (an input given once, or
 * one it normalised itself: SpikingNeuron.summedGradientWeights). The layers above it whose backward is linear and
 * the same at every step — an average pooling, a flatten, and the input gradient of a conv or linear — commute with
 * that sum, so it is taken at the highest of them and everything below runs over B rows instead of T·B: for
 * mnistnet, the second conv's and the first linear's input-gradient passes shrink T-fold. The parameters' gradients
 * still come from every step's gradient. In real arithmetic the numbers are those of the layers run one after the
 * other; in float only the summation order differs, and not even that when the sum passes a 2×2 pooling alone (its
 * ¼ commutes with the float64 sum's rounding). A replaced backward (a hook that sees the gradient) stops the chain.
 */
import type { Kernels } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import { giveGrad, takeGrad } from './grad-pool.js';
import type { Layer, RunContext } from './layer.js';
import { readsOutput } from './pass-through.js';
import { isSpikingNeuron } from './walk.js';

/**
 * The backward of layers[top] down to the neuron below it, taking the time sum as early as the layers allow: the
 * input gradient of layers[bottom] (the neuron) and how many layers ran (top − bottom + 1). Null, having run
 * nothing, where layers[top] is not above such a neuron.
 */
export function backwardSummedFrom(
  layers: readonly Layer[],
  top: number,
  dy: Tensor,
  ctx: RunContext,
): { dx: Tensor; ran: number } | null {
  let bottom = top - 1;
  while (bottom >= 0 && passesTimeSum(layers[bottom]!)) bottom--;
  if (bottom < 0) return null;
  const neuron = layers[bottom]!;
  if (!isSpikingNeuron(neuron)) return null;
  const head = layers[top]!;
  if (readsOutput(head, 'backward')) return null;
  const weights = neuron.summedGradientWeights(ctx);
  if (weights === null) return null;
  let g: Tensor;
  if (passesTimeSum(head)) {
    const summed = weightedTimeSum(ctx.k, dy, ctx.T, weights);
    g = head.backward(summed, ctx);
    giveGrad(ctx.k, summed, g);
  } else {
    const s = head.backwardSummedInput?.(dy, ctx, weights) ?? null;
    if (s === null) return null;
    g = s;
  }
  for (let i = top - 1; i > bottom; i--) {
    const below = layers[i]!.backward(g, ctx);
    giveGrad(ctx.k, g, below);
    g = below;
  }
  const dx = neuron.backwardSummed(g, ctx);
  giveGrad(ctx.k, g, dx);
  return { dx, ran: top - bottom + 1 };
}

/** Layers whose backward is linear, the same at every step and row by row: they take a time-summed gradient. */
function passesTimeSum(l: Layer): boolean {
  return (l.kind === 'avgpool2d' || l.kind === 'flatten') && !readsOutput(l, 'backward');
}

/** Σ_t w_t·g[t] of a time-major gradient [T·B, …]: [B, …], in a buffer of the gradient pool. */
export function weightedTimeSum(k: Kernels, g: Tensor, T: number, weights: Float64Array): Tensor {
  const per = g.data.length / T;
  const out = takeGrad(k, per);
  k.sumRows(g.data, out, { rows: T, cols: per, weights });
  return tensor([g.shape[0]! / T, ...g.shape.slice(1)], out);
}
