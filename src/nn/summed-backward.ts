/**
 * The exact-mode backward into a neuron that reads its gradient only through Σ_t w_t·dy[t] (an input given once, or
 * one it normalised itself: SpikingNeuron.summedGradientWeights). The layers above it whose backward is linear and
 * the same at every step — an average pooling, a flatten, and the input gradient of a conv or linear, alone or in a
 * batch-norm block (Layer.backwardSummedInput) — commute with that sum, so it is taken at the highest of them and
 * everything below runs over B rows instead of T·B: mnistnet's second conv and first linear, every conv of a
 * PreAct ResNet. The parameters' gradients still come from every step's gradient. In real arithmetic the numbers
 * are those of the layers run one after the other; in float only the summation order differs, and not even that
 * when the sum passes a 2×2 pooling alone (its ¼ commutes with the float64 sum's rounding). A replaced backward (a
 * hook that sees the gradient) stops the chain.
 */
import { SpikerepError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { giveGrad } from './grad-pool.js';
import type { Layer, RunContext } from './layer.js';
import { readsOutput } from './pass-through.js';
import { weightedTimeSum } from './repeat-time.js';
import { takesSharedSteps } from './shared-steps.js';
import { isSpikingNeuron } from './walk.js';

/**
 * The neuron at or below layers[top], reached through layers that pass a time sum, that reads only its gradient's
 * time sum: its index and weights; null where there is none.
 */
export function summedTarget(
  layers: readonly Layer[],
  top: number,
  ctx: RunContext,
): { bottom: number; weights: Float64Array } | null {
  let bottom = top;
  while (bottom >= 0 && passesTimeSum(layers[bottom]!)) bottom--;
  if (bottom < 0) return null;
  const neuron = layers[bottom]!;
  if (!isSpikingNeuron(neuron)) return null;
  const weights = neuron.summedGradientWeights(ctx);
  return weights === null ? null : { bottom, weights };
}

/**
 * layers[top] down to layers[bottom] (a summedTarget), backward on a gradient already summed over time; `summed`
 * goes back to the gradient pool unless it is the caller's (`callers`).
 */
export function backwardSummedThrough(
  layers: readonly Layer[],
  top: number,
  bottom: number,
  summed: Tensor,
  ctx: RunContext,
  callers = false,
): Tensor {
  let g = summed;
  for (let i = top; i > bottom; i--) {
    const below = layers[i]!.backward(g, ctx);
    if (g !== summed || !callers) giveGrad(ctx.k, g, below);
    g = below;
  }
  const neuron = layers[bottom]!;
  if (!isSpikingNeuron(neuron)) throw new SpikerepError('E_ARG', 'a time-summed backward needs a neuron below');
  // the caller runs layers[bottom − 1] next: where it takes it, the neuron's gradient goes on held once
  const dx = neuron.backwardSummed(g, ctx, takesSharedSteps(layers[bottom - 1], ctx));
  if (g !== summed || !callers) giveGrad(ctx.k, g, dx);
  return dx;
}

/**
 * The backward of layers[top] down to the neuron below it, taking the time sum as early as the layers allow: the
 * input gradient of the neuron and how many layers ran. Null, having run nothing, where layers[top] is not above
 * such a neuron.
 */
export function backwardSummedFrom(
  layers: readonly Layer[],
  top: number,
  dy: Tensor,
  ctx: RunContext,
): { dx: Tensor; ran: number } | null {
  const head = layers[top]!;
  if (passesTimeSum(head)) {
    const target = summedTarget(layers, top, ctx);
    if (target === null || target.bottom === top) return null;
    const summed = weightedTimeSum(ctx.k, dy, ctx.T, target.weights);
    return { dx: backwardSummedThrough(layers, top, target.bottom, summed, ctx), ran: top - target.bottom + 1 };
  }
  if (!sumsInputGradient(head)) return null;
  const target = summedTarget(layers, top - 1, ctx);
  if (target === null) return null;
  const summed = head.backwardSummedInput!(dy, ctx, target.weights);
  return { dx: backwardSummedThrough(layers, top - 1, target.bottom, summed, ctx), ran: top - target.bottom + 1 };
}

/** Whether l can hand back its input gradient summed over time now (Layer.backwardSummedInput), unhooked. */
export function sumsInputGradient(l: Layer): boolean {
  return l.backwardSummedInput !== undefined && !readsOutput(l, 'backward') && (l.canSumInputGradient?.() ?? true);
}

/** Layers whose backward is linear, the same at every step and row by row: they take a time-summed gradient. */
function passesTimeSum(l: Layer): boolean {
  return (l.kind === 'avgpool2d' || l.kind === 'flatten') && !readsOutput(l, 'backward');
}

/**
 * The input gradient of Σ_t w_t·dy[t] by `inputGradient`, a layer's input-gradient pass (linear and the same at
 * every step, so this is Σ_t w_t·dx[t]), over B rows instead of T·B. `given`: that sum, formed already (consumed).
 */
export function inputGradientOfSum(
  ctx: RunContext,
  dy: Tensor,
  weights: Float64Array,
  inputGradient: (summed: Tensor) => Tensor,
  given?: Tensor,
): Tensor {
  const summed = given ?? weightedTimeSum(ctx.k, dy, ctx.T, weights);
  const dx = inputGradient(summed);
  giveGrad(ctx.k, summed, dx);
  return dx;
}
