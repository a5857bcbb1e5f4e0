import { SpikerepError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { buffersOf, type NamedBuffer } from './buffers.js';
import { summedGradients } from './grad-mode.js';
import { giveGrad, takeGrad } from './grad-pool.js';
import type { Layer, RunContext } from './layer.js';
import { forwardNeuronPool } from './neuron-pool.js';
import { forwardNormNeuron, forwardNormNeuronOnce } from './norm-neuron.js';
import type { Param } from './param.js';
import { repeatOverTime, sumOverSteps } from './repeat-time.js';
import { Scratch } from './scratch.js';
import { backwardSummedFrom, backwardSummedThrough, summedTarget, sumsInputGradient } from './summed-backward.js';

/**
 * Layers applied in order; backward runs them in reverse. It keeps no cache of its own: each child keeps
 * what it needs.
 */
export class Sequential implements Layer {
  readonly kind = 'sequential';
  readonly timing = 'whole-pass';

  private readonly repeated = new Scratch();
  /** The last forward was forwardRepeated and its first layer ran on T copies. */
  private givenCopies = false;

  constructor(readonly layers: readonly Layer[]) {}

  outputShape(inputShape: readonly number[], ctx: Pick<RunContext, 'T' | 'batch'>): number[] {
    let shape = [...inputShape];
    for (const l of this.layers) shape = l.outputShape(shape, ctx);
    return shape;
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    this.givenCopies = false;
    return this.forwardFrom(0, x, ctx);
  }

  /** The first layer takes the once-given input (repeating it itself when it cannot do better), then as forward. */
  forwardRepeated(x: Tensor, ctx: RunContext): Tensor {
    const [first, second] = this.layers;
    this.givenCopies = first?.forwardRepeated === undefined;
    if (first === undefined) return repeatOverTime(ctx.k, x, ctx.T, this.repeated);
    const pooled = second === undefined ? null : forwardNeuronPool(first, second, x, ctx, true);
    if (pooled !== null) return this.forwardFrom(2, pooled, ctx);
    const h =
      first.forwardRepeated !== undefined
        ? first.forwardRepeated(x, ctx)
        : first.forward(repeatOverTime(ctx.k, x, ctx.T, this.repeated), ctx);
    return this.forwardFrom(1, h, ctx);
  }

  /**
   * forwardRepeated on the output of `block`, a batch-norm block run once per sample in `once` (the network's
   * time-invariant first layers), where this sequence's first layer, a neuron, applies the batch-norm itself
   * (nn/norm-neuron.ts); null, having run nothing, where it does not.
   */
  forwardRepeatedAfter(block: Layer, x: Tensor, once: RunContext, ctx: RunContext): Tensor | null {
    const r = forwardNormNeuronOnce(block, this.layers, x, once, ctx);
    if (r === null) return null;
    this.givenCopies = false;
    return this.forwardFrom(r.ran, r.y, ctx);
  }

  /**
   * The layers from index `start` on. A neuron followed by a 2×2 pooling runs as one step that never writes
   * the neuron's spikes (nn/neuron-pool.ts), and a batch-norm block followed by a neuron as one step that never
   * writes the normalised current (nn/norm-neuron.ts), where nothing else reads them; the numbers are the same.
   */
  private forwardFrom(start: number, x: Tensor, ctx: RunContext): Tensor {
    let h = x;
    for (let i = start; i < this.layers.length; i++) {
      const layer = this.layers[i]!;
      const next = this.layers[i + 1];
      const normed = forwardNormNeuron(this.layers, i, h, ctx);
      if (normed !== null) {
        h = normed.y;
        i += normed.ran - 1;
        continue;
      }
      const pooled = next === undefined ? null : forwardNeuronPool(layer, next, h, ctx, false);
      if (pooled !== null) {
        h = pooled;
        i++;
      } else h = layer.forward(h, ctx);
    }
    return h;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    return this.backwardFrom(dy, ctx, false, null);
  }

  /** The input gradient summed over time (nn/summed-backward.ts): the first layer sums it. */
  backwardSummedInput(dy: Tensor, ctx: RunContext, weights: Float64Array): Tensor {
    return this.backwardFrom(dy, ctx, false, weights);
  }

  canSumInputGradient(): boolean {
    const first = this.layers[0];
    return !this.givenCopies && first !== undefined && sumsInputGradient(first);
  }

  /** Where the last layers are a neuron reading only its gradient's time sum and the layers after it that pass it. */
  summedOutputWeights(ctx: RunContext): Float64Array | null {
    return summedTarget(this.layers, this.layers.length - 1, ctx)?.weights ?? null;
  }

  backwardFromSummed(summed: Tensor, ctx: RunContext, inputWeights: Float64Array | null): Tensor {
    return this.backwardFrom(summed, ctx, true, inputWeights);
  }

  /**
   * Backward from the last layer to the first. `summedOutput`: dy is summed over time already (summedOutputWeights);
   * `inputWeights`: the first layer hands back its input gradient summed with them (backwardSummedInput).
   */
  private backwardFrom(dy: Tensor, ctx: RunContext, summedOutput: boolean, inputWeights: Float64Array | null): Tensor {
    let g = dy;
    let i = this.layers.length - 1;
    if (summedOutput) {
      const target = summedTarget(this.layers, i, ctx);
      if (target === null)
        throw new SpikerepError('E_ARG', 'a time-summed gradient for a sequence that needs every step');
      g = backwardSummedThrough(this.layers, i, target.bottom, dy, ctx, true);
      i = target.bottom - 1;
    }
    for (const last = inputWeights === null ? 0 : 1; i >= last; i--) {
      // a neuron needing only its gradient's time sum has it taken as high above it as the layers allow
      // (nn/summed-backward.ts)
      const summed = backwardSummedFrom(this.layers, i, g, ctx);
      const next = summed?.dx ?? this.layers[i]!.backward(g, ctx);
      if (summed !== null) i -= summed.ran - 1;
      if (g !== dy) giveGrad(ctx.k, g, next); // consumed: back to the pool (nn/grad-pool.ts); dy is the caller's
      g = next;
    }
    if (inputWeights !== null) {
      const dx = this.layers[0]!.backwardSummedInput!(g, ctx, inputWeights);
      if (g !== dy) giveGrad(ctx.k, g, dx);
      return dx;
    }
    // after forwardRepeated through T copies, the copies' per-step gradients add up to the once-given input's
    if (this.givenCopies && !summedGradients(ctx)) return sumOverSteps(ctx.k, g === dy ? copyOf(ctx, dy) : g, ctx.T);
    return g;
  }

  children(): readonly Layer[] {
    return this.layers;
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  buffers(): NamedBuffer[] {
    return buffersOf(this.layers);
  }

  cachedFloats(): number {
    let n = 0;
    for (const l of this.layers) n += l.cachedFloats();
    return n;
  }

  releaseCache(): void {
    for (const l of this.layers) l.releaseCache();
  }
}

/** dy is the caller's: a pooled copy for sumOverSteps to give back. */
function copyOf(ctx: RunContext, dy: Tensor): Tensor {
  const out = takeGrad(ctx.k, dy.data.length);
  ctx.k.elementwise([dy.data], out, { op: 'copy' });
  return { shape: dy.shape, data: out };
}
