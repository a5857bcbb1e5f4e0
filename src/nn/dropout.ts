import { check, SpikerepError } from '../errors.js';
import type { Buf } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import { takeCache } from './cache.js';
import { inputForBackward } from './grad-mode.js';
import { takeGrad } from './grad-pool.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import type { Param } from './param.js';
import { Scratch } from './scratch.js';

export interface DropoutOptions {
  readonly p: number;
}

/** What backward needs: the mask, 0 or 1/(1 − p) per element (null when the layer was the identity). */
interface DropoutCache {
  readonly mask: Buf | null;
}

/**
 * Inverted dropout: in training each element is kept with probability 1 − p and scaled by 1/(1 − p).
 * The mask is drawn per element of the whole [T·B, …] tensor, so it differs between time steps, as the DSR
 * VGG does (docs/method.md §3). Identity in eval and when p = 0 (no draws, so the rng stream is untouched).
 */
export class Dropout implements Layer {
  readonly kind = 'dropout';
  readonly timing = 'stateful';
  private cache: DropoutCache | null = null;
  private readonly mask = new Scratch();
  private readonly keptMask = new Scratch();
  private readonly out = new Scratch();

  constructor(readonly opts: DropoutOptions) {
    check(opts.p >= 0 && opts.p <= 1, `dropout: p must be in [0, 1], got ${opts.p}`);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const { p } = this.opts;
    const training = isTraining(ctx);
    if (!training || p === 0) {
      this.cache = training ? { mask: null } : null;
      return x;
    }
    if (ctx.mode.steps.chunked) {
      // a chunked training forward runs each chunk twice (nn/time-chunk.ts), and would draw two different masks
      throw new SpikerepError(
        'E_ARG',
        'time-chunked training cannot redraw the same dropout masks in its two sweeps: use `dropout` 0 or no `timeChunk`',
        'timeChunk',
      );
    }
    // The draws come from the JS rng, so this one loop over the activation runs here rather than in a kernel.
    const mask = this.mask.get(ctx.k, x.data.length);
    const keep = p === 1 ? 0 : 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = ctx.rng.uniform() < p ? 0 : keep;
    ctx.k.fromHost(mask);
    const y = this.out.get(ctx.k, x.data.length);
    ctx.k.elementwise([x.data, mask], y, { op: 'mul' });
    // representation mode keeps mean_t(mask): G_in = G·mean_t(mask) (nn/grad-mode.ts)
    this.cache = { mask: inputForBackward(tensor(x.shape, mask), ctx, this.keptMask).data };
    return tensor(x.shape, y);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const { mask } = takeCache(this.cache, 'dropout');
    this.cache = null;
    if (mask === null) return dy;
    const dx = takeGrad(ctx.k, dy.data.length);
    ctx.k.elementwise([dy.data, mask], dx, { op: 'mul' });
    return tensor(dy.shape, dx);
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return [];
  }

  cachedFloats(): number {
    return this.cache?.mask?.length ?? 0;
  }

  releaseCache(): void {
    this.cache = null;
  }
}
