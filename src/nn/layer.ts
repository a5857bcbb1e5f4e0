import type { Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import type { Param } from './param.js';
import type { RunMode } from './run-mode.js';

/** Everything a layer needs to know about the current pass. */
export interface RunContext {
  readonly k: Kernels;
  /** Time steps held in the leading dimension of time-major tensors: rows = T·batch. 1 for the ANN. */
  readonly T: number;
  /** Samples per time step. */
  readonly batch: number;
  readonly rng: Rng;
  /** Training or evaluation, the gradient mode, and which steps of the pass this call holds (nn/run-mode.ts). */
  readonly mode: RunMode;
}

/** Whether this pass trains: batch statistics in BN, active dropout, and caches kept for backward. */
export function isTraining(ctx: RunContext): boolean {
  return ctx.mode.phase === 'train';
}

/** The number of time steps of the whole pass (ctx.T unless the forward runs in time chunks). */
export function totalSteps(ctx: Pick<RunContext, 'mode'>): number {
  return ctx.mode.steps.total;
}

/**
 * A layer owns its parameters and whatever its backward needs. The rule that keeps memory visible:
 * everything kept between forward and backward lives in one field per layer (`cache`, typed per layer),
 * written by forward, read and then dropped by backward, and counted by `cachedFloats()`.
 * Forward in eval mode keeps nothing.
 *
 * Ownership: a layer owns the tensors it returns (its output from forward, its input-gradient from backward)
 * and may reuse their buffers on its next call, so callers never free them and a training step allocates
 * nothing once shapes are stable (see nn/scratch.ts).
 */
export interface Layer extends LayerCapabilities {
  /** Short type name, e.g. "conv2d", "batchnorm", "neuron": what callers that need the concrete layer tell apart. */
  readonly kind: string;
  /** How the layer treats the time steps of its input (see Timing). */
  readonly timing: Timing;
  /** The layers this one runs, in forward order; empty for a leaf. Callers walk a network through this. */
  children(): readonly Layer[];
  /** Output shape for an input shape (the leading rows dimension passes through unless the layer changes it). */
  outputShape(inputShape: readonly number[], ctx: Pick<RunContext, 'T' | 'batch'>): number[];
  forward(x: Tensor, ctx: RunContext): Tensor;
  /** Takes dLoss/dy, accumulates parameter gradients into Param.grad, returns dLoss/dx. Drops the cache. */
  backward(dy: Tensor, ctx: RunContext): Tensor;
  /** Parameters, named by the full path the layer was given at construction ("features.0.weight"). */
  params(): Param[];
  /** Floats currently kept for backward (0 after backward or in eval mode). */
  cachedFloats(): number;
  /** Drops the cache without running backward (e.g. after an evaluation pass in training mode). */
  releaseCache(): void;
}

/**
 * How a layer treats time, for the network's two schedules:
 *  - 'per-step': a step's output depends only on that step's input and nothing random is drawn (conv, linear,
 *    batch-norm, pooling, flatten): a leading run of these may run once per sample (NetworkOptions.firstLayersOnce);
 *  - 'stateful': carries state across steps or draws per step (neurons, dropout, the readout's running sum);
 *  - 'whole-pass': needs all steps in one call (blocks with branches, imported hard-reset neurons).
 * Time-chunked forwards (nn/time-chunk.ts) take sequences of 'per-step' and 'stateful' layers.
 */
export type Timing = 'per-step' | 'stateful' | 'whole-pass';

/**
 * What a layer that normalises with batch statistics (a batch-norm, or a block ending in one) offers a
 * time-chunked training forward, which gathers those statistics over all steps before normalising any chunk.
 */
export interface BatchStatistics {
  readonly channels: number;
  /** The batch-norm's input for this call's input: the layers in front of it inside this layer, run forward. */
  normInput(x: Tensor, ctx: RunContext): Tensor;
  /** See BatchNorm.setBatchStatistics. */
  setBatchStatistics(mean: ArrayLike<number>, variance: ArrayLike<number>, count: number, ctx: RunContext): void;
}

/** Optional capabilities; a layer has the ones it can honour. */
export interface LayerCapabilities {
  /** Set on layers normalising with batch statistics. */
  readonly batchStatistics?: BatchStatistics;
  /** Set on layers whose output is a spike train (every value 0 or this magnitude): chunks keep it as bits. */
  spikeMagnitude?(): number;
  /** For a network's first layer: nobody uses its input gradient, so backward may skip computing it. */
  skipInputGradient?(): void;
  /**
   * forward(x repeated ctx.T times) for an input that is the same at every step, given once as [B, …] (what the
   * time-invariant first layers of direct encoding give): a layer that has it runs without the T copies. The
   * backward that follows returns the gradient of x as given, [B, …]: the sum over the steps of the copies'.
   */
  forwardRepeated?(x: Tensor, ctx: RunContext): Tensor;
  /**
   * backward, with the input gradient handed back summed over the steps with `weights`, Σ_t w_t·dx[t] ([B, …]), for
   * a neuron below that reads only that sum (nn/summed-backward.ts); the parameters' gradients are backward's.
   * `summed`: Σ_t w_t·dy[t] already formed by the caller (a batch-norm backward's timeSum), consumed here.
   */
  backwardSummedInput?(dy: Tensor, ctx: RunContext, weights: Float64Array, summed?: Tensor): Tensor;
  /** Whether backwardSummedInput can serve the backward now due (absent: always). */
  canSumInputGradient?(): boolean;
  /**
   * Whether the backward now due takes a gradient that is the same at every step, held once (nn/shared-steps.ts);
   * absent: never.
   */
  takesSharedSteps?(ctx: RunContext): boolean;
  /**
   * The weights w where this layer's backward now due reads its output gradient only through Σ_t w_t·dy[t] (it ends
   * in a neuron that does: nn/summed-backward.ts), so the layer above may hand it that sum; null otherwise.
   */
  summedOutputWeights?(ctx: RunContext): Float64Array | null;
  /**
   * backward from the time-summed output gradient (summedOutputWeights' weights); with `inputWeights`, the input
   * gradient is handed back summed as well (as backwardSummedInput).
   */
  backwardFromSummed?(summed: Tensor, ctx: RunContext, inputWeights: Float64Array | null): Tensor;
}
