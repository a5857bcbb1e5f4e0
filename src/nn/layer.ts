import type { Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import type { Param } from './param.js';
import type { GradMode } from './grad-mode.js';

/** Everything a layer needs to know about the current pass. */
export interface RunContext {
  readonly k: Kernels;
  /** Time steps held in the leading dimension of time-major tensors: rows = T·batch. 1 for the ANN. */
  readonly T: number;
  /** Samples per time step. */
  readonly batch: number;
  /** Training mode: batch statistics in BN, active dropout, and caches kept for backward. */
  readonly training: boolean;
  readonly rng: Rng;
  /**
   * How many identical time steps each row stands for (default 1). The network runs time-invariant leading
   * layers once per sample and sets this to T, so batch-norm can count its T·B rows for the running variance.
   */
  readonly timeCopies?: number;
  /** 'exact' (default) or 'representation': see nn/grad-mode.ts. */
  readonly gradMode?: GradMode;
  /**
   * Set when the forward runs in time chunks (nn/time-chunk.ts): this call holds steps [start, start + T) of
   * `total`. Neurons carry their membrane between calls, time-means accumulate, batch-norm uses the statistics
   * the runner gathered over all `total` steps.
   */
  readonly timeWindow?: { readonly start: number; readonly total: number };
  /**
   * A time-chunked training forward's first sweep, which only gathers batch-norm statistics: its caches are
   * overwritten by the second sweep, so layers may skip work that only backward needs.
   */
  readonly statisticsOnly?: boolean;
}

/** The number of time steps of the whole pass (ctx.T unless the forward runs in time chunks). */
export function totalSteps(ctx: Pick<RunContext, 'T' | 'timeWindow'>): number {
  return ctx.timeWindow?.total ?? ctx.T;
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
export interface Layer {
  /** Short type name, e.g. "conv2d", "bn2d", "neuron". */
  readonly kind: string;
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
