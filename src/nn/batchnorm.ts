import { SpikerepError } from '../errors.js';
import type { BatchNormAttrs, Buf, Kernels, NeuronNormalization } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import type { NamedBuffer } from './buffers.js';
import { takeCache } from './cache.js';
import { inputForBackward } from './grad-mode.js';
import { takeGrad } from './grad-pool.js';
import { type BatchStatistics, isTraining, type Layer, type RunContext, totalSteps } from './layer.js';
import { joinName, makeParam, type Param } from './param.js';
import { Scratch } from './scratch.js';

export interface BatchNormOptions {
  /** Full path ("layer1.0.bn1"); params `${name}.weight`/`.bias`, buffers `${name}.running_mean`/`.running_var`. */
  readonly name: string;
  readonly channels: number;
  readonly momentum?: number;
  readonly eps?: number;
}

/** A batch-norm's input and the constants that normalise it, applied by the neuron reading it. */
export interface NormalizedInput {
  readonly x: Tensor;
  readonly norm: NeuronNormalization;
}

/** What backward needs: the input and the batch statistics it was normalised with. */
interface BatchNormCache {
  readonly x: Tensor;
  readonly mean: Buf; // [C]
  readonly invStd: Buf; // [C], 1/√(biased batch variance + eps)
  readonly attrs: BatchNormAttrs;
}

/**
 * Batch-norm over the last (channel) axis of any [rows, …, C] tensor: statistics per channel over every other
 * position. On time-major SNN tensors that pools time and batch jointly (BN2d over T·B·H·W, BN1d over T·B)
 * with one set of running statistics, as docs/method.md §3 requires. Training uses batch statistics and updates
 *   running_mean ← (1 − momentum)·running_mean + momentum·mean
 *   running_var  ← (1 − momentum)·running_var  + momentum·var·n/(n − 1)   (unbiased, like PyTorch)
 * Eval normalises with the running statistics.
 */
export class BatchNorm implements Layer, BatchStatistics {
  readonly kind = 'batchnorm';
  readonly timing = 'per-step';
  readonly channels: number;
  /** A time-chunked training forward gathers the statistics this layer normalises with (nn/time-chunk.ts). */
  readonly batchStatistics: BatchStatistics = this;
  readonly weight: Param; // gamma, starts at 1
  readonly bias: Param; // beta, starts at 0
  readonly runningMean: Buf;
  readonly runningVar: Buf;
  private readonly momentum: number;
  private readonly eps: number;
  private cache: BatchNormCache | null = null;
  private readonly out = new Scratch();
  private readonly kept = new Scratch();
  private readonly mean = new Scratch();
  private readonly variance = new Scratch();
  private readonly invStd = new Scratch();
  /** Batch statistics set by a time-chunked forward (nn/time-chunk.ts) for its chunks to share. */
  private chunkStats = false;
  private readonly dGamma = new Scratch();
  private readonly dBeta = new Scratch();
  private readonly scale = new Scratch();

  constructor(
    init: { readonly k: Kernels },
    readonly opts: BatchNormOptions,
  ) {
    const C = opts.channels;
    this.channels = C;
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    this.weight = makeParam(init.k, joinName(opts.name, 'weight'), 'bn-weight', [C]);
    this.bias = makeParam(init.k, joinName(opts.name, 'bias'), 'bn-bias', [C]);
    this.weight.value.fill(1);
    this.runningMean = init.k.alloc(C);
    this.runningVar = init.k.alloc(C);
    this.runningVar.fill(1);
  }

  buffers(): NamedBuffer[] {
    return [
      { name: joinName(this.opts.name, 'running_mean'), value: this.runningMean },
      { name: joinName(this.opts.name, 'running_var'), value: this.runningVar },
    ];
  }

  private attrs(shape: readonly number[]): BatchNormAttrs {
    const C = this.opts.channels;
    if (shape.length < 2 || shape[shape.length - 1] !== C) {
      throw new SpikerepError(
        'E_SHAPE',
        `${this.opts.name}: expected input [rows, …, ${C}], got [${shape.join(', ')}]`,
      );
    }
    let rows = 1;
    for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]!;
    return { rows, channels: C };
  }

  outputShape(inputShape: readonly number[]): number[] {
    this.attrs(inputShape);
    return [...inputShape];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const { norm, attrs } = this.statistics(x, ctx);
    const y = this.out.get(ctx.k, x.data.length);
    ctx.k.batchNormApply(x.data, y, norm.mean, norm.invStd, norm.gamma, norm.beta, attrs);
    return tensor(x.shape, y);
  }

  /**
   * forward without the apply: the statistics, the running-statistics update and what backward keeps, exactly as
   * forward, and the constants that normalise x, for a neuron that applies them as it reads x (nn/norm-neuron.ts).
   */
  forwardStatistics(x: Tensor, ctx: RunContext): NormalizedInput {
    return { x, norm: this.statistics(x, ctx).norm };
  }

  /** Everything of forward but the apply: the statistics x is normalised with (the running ones in eval). */
  private statistics(x: Tensor, ctx: RunContext): { norm: NeuronNormalization; attrs: BatchNormAttrs } {
    const attrs = this.attrs(x.shape);
    const { rows, channels: C } = attrs;
    const { k } = ctx;
    const invStd = this.invStd.get(k, C);
    const norm = (mean: Buf): NeuronNormalization => ({
      mean,
      invStd,
      gamma: this.weight.value,
      beta: this.bias.value,
      channels: C,
    });
    if (!isTraining(ctx)) {
      for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(this.runningVar[c]! + this.eps);
      this.cache = null;
      return { norm: norm(this.runningMean), attrs };
    }
    if (rows < 2) {
      throw new SpikerepError(
        'E_SHAPE',
        `${this.opts.name}: training needs more than one value per channel, got [${x.shape.join(', ')}]`,
      );
    }
    const mean = this.mean.get(k, C);
    if (ctx.mode.steps.chunked) {
      // a time chunk: normalise with the statistics over all T·B rows (setBatchStatistics), not the chunk's own
      if (!this.chunkStats)
        throw new SpikerepError(
          'E_ARG',
          `${this.opts.name}: a time-chunked forward must set the batch statistics first`,
        );
    } else {
      const variance = this.variance.get(k, C);
      k.batchNormStats(x.data, mean, variance, attrs);
      this.useBatchStatistics(mean, variance, rows * (ctx.mode.phase === 'train' ? ctx.mode.timeCopies : 1), ctx);
    }
    const kept = inputForBackward(x, ctx, this.kept); // x, or its time-mean in representation mode
    this.cache = { x: kept, mean, invStd, attrs: kept === x ? attrs : this.attrs(kept.shape) };
    return { norm: norm(mean), attrs };
  }

  /**
   * For a time-chunked forward: the per-channel mean and biased variance of the input over all its `count`
   * values per channel, gathered chunk by chunk by the caller. Updates the running statistics once, as one
   * unchunked training forward would, and makes the following chunk forwards of this pass normalise with them.
   */
  setBatchStatistics(mean: ArrayLike<number>, variance: ArrayLike<number>, count: number, ctx: RunContext): void {
    const C = this.opts.channels;
    const m = this.mean.get(ctx.k, C);
    const v = this.variance.get(ctx.k, C);
    for (let c = 0; c < C; c++) {
      m[c] = mean[c]!;
      v[c] = variance[c]!;
    }
    this.useBatchStatistics(m, v, count, ctx);
    this.chunkStats = true;
  }

  /** invStd from the batch variance, and the running-statistics update; n = values per channel. */
  private useBatchStatistics(mean: Buf, variance: Buf, n: number, ctx: RunContext): void {
    const C = this.opts.channels;
    const invStd = this.invStd.get(ctx.k, C);
    const m = this.momentum;
    for (let c = 0; c < C; c++) {
      invStd[c] = 1 / Math.sqrt(variance[c]! + this.eps);
      this.runningMean[c] = (1 - m) * this.runningMean[c]! + m * mean[c]!;
      this.runningVar[c] = (1 - m) * this.runningVar[c]! + (m * variance[c]! * n) / (n - 1);
    }
    this.chunkStats = false;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const { x, mean, invStd, attrs } = takeCache(this.cache, this.opts.name);
    this.cache = null;
    const dx = takeGrad(ctx.k, x.data.length);
    ctx.k.batchNormBackward(x.data, dy.data, mean, invStd, this.weight.value, dx, this.weight.grad, this.bias.grad, {
      ...attrs,
      accumulate: true,
    });
    return tensor(x.shape, dx);
  }

  /**
   * backward for a gradient held once for all `steps` steps of the input (nn/shared-steps.ts), and with `sumWeights`
   * also Σ_t sumWeights[t]·dx[t] ([B, …]) from the same pass, for the input-gradient pass of the layer in front.
   */
  backwardShared(
    dy: Tensor,
    ctx: RunContext,
    steps: number,
    sumWeights: Float64Array | null,
  ): { readonly dx: Tensor; readonly summed: Tensor | null } {
    const { x, mean, invStd, attrs } = takeCache(this.cache, this.opts.name);
    this.cache = null;
    const { k } = ctx;
    const dx = takeGrad(k, x.data.length);
    const perStep = [x.shape[0]! / steps, ...x.shape.slice(1)];
    const summed = sumWeights === null ? null : tensor(perStep, takeGrad(k, x.data.length / steps));
    k.batchNormBackward(x.data, dy.data, mean, invStd, this.weight.value, dx, this.weight.grad, this.bias.grad, {
      ...attrs,
      accumulate: true,
      sharedSteps: steps,
      ...(summed !== null && sumWeights !== null ? { timeSum: { out: summed.data, weights: sumWeights } } : {}),
    });
    return { dx: tensor(x.shape, dx), summed };
  }

  /**
   * The representation-mode backward of a batch-norm block (nn/norm-block.ts): dx as backward gives it, and
   * what the producers' correction needs (nn/bn-correction.ts), from this call's own dγ: s = −γσ⁻²·dγ/N per
   * channel, N = all T·B rows, and z̄, the time-mean input kept for backward.
   */
  backwardWithCorrection(
    dy: Tensor,
    ctx: RunContext,
  ): { readonly dx: Tensor; readonly scale: Buf; readonly inputMean: Tensor } {
    const { x, mean, invStd, attrs } = takeCache(this.cache, this.opts.name);
    this.cache = null;
    const dx = takeGrad(ctx.k, x.data.length);
    const { k } = ctx;
    const C = this.opts.channels;
    const dGamma = this.dGamma.get(k, C);
    const dBeta = this.dBeta.get(k, C);
    k.batchNormBackward(x.data, dy.data, mean, invStd, this.weight.value, dx, dGamma, dBeta, attrs);
    k.elementwise([this.weight.grad, dGamma], this.weight.grad, { op: 'add' });
    k.elementwise([this.bias.grad, dBeta], this.bias.grad, { op: 'add' });
    const s = this.scale.get(k, C);
    const n = attrs.rows * totalSteps(ctx);
    for (let c = 0; c < C; c++) s[c] = (-this.weight.value[c]! * invStd[c]! * invStd[c]! * dGamma[c]!) / n;
    return { dx: tensor(x.shape, dx), scale: s, inputMean: x };
  }

  /** The input itself: nothing runs in front of the normalisation. */
  normInput(x: Tensor): Tensor {
    return x;
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }

  cachedFloats(): number {
    return this.cache === null ? 0 : this.cache.x.data.length + 2 * this.opts.channels;
  }

  releaseCache(): void {
    this.cache = null;
  }
}
