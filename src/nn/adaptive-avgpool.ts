import { SpikerepError } from '../errors.js';
import { type Tensor, tensor } from '../tensor.js';
import { AvgPool2d } from './avgpool.js';
import { takeCache } from './cache.js';
import { takeGrad } from './grad-pool.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import type { Param } from './param.js';
import { Scratch } from './scratch.js';

/**
 * PyTorch's AdaptiveAvgPool2d for the cases the models meet, composed from existing kernels:
 *  - the input size is a multiple of the output size: an ordinary average pool (size 1: the global average
 *    pool of the ResNet head, the same on every backend whatever the map's size);
 *  - the input is 1×1: every output position is a copy of it. This is what the DSR VGG-11 does with 48×48 DVS
 *    input (docs/method.md §4.2, §6.11): five pools leave 1×1, and AdaptiveAvgPool2d((7, 7)) replicates it 49 times, so
 *    the 25088-input Linear behind it acts as a 512-input layer with 49× the learning rate.
 * Other sizes are refused with E_UNSUPPORTED.
 */
export class AdaptiveAvgPool2d implements Layer {
  readonly kind = 'adaptive-avgpool2d';
  readonly timing = 'per-step';
  /** The pool that ran (null for the 1×1 copy path); the pool keeps its own cache. */
  private cache: { pool: AvgPool2d | null } | null = null;
  private readonly pools = new Map<number, AvgPool2d>();
  private readonly out = new Scratch();

  constructor(readonly opts: { readonly size: number }) {}

  private plan(shape: readonly number[]): 'copy' | AvgPool2d {
    const [, H, W] = shape as [number, number, number, number];
    const S = this.opts.size;
    if (shape.length !== 4)
      throw new SpikerepError('E_SHAPE', `adaptive pool: expected [rows, H, W, C], got [${shape.join(', ')}]`);
    if (H === 1 && W === 1) return 'copy';
    if (H === W && H % S === 0) {
      let p = this.pools.get(H / S);
      if (p === undefined) {
        p = new AvgPool2d({ kernel: H / S });
        this.pools.set(H / S, p);
      }
      return p;
    }
    const what = S === 1 ? 'a square map' : `1×1 or a square map whose side is a multiple of ${S}`;
    throw new SpikerepError('E_UNSUPPORTED', `adaptive pool from ${H}×${W} to ${S}×${S}: only ${what} is supported`);
  }

  outputShape(inputShape: readonly number[]): number[] {
    this.plan(inputShape);
    return [inputShape[0]!, this.opts.size, this.opts.size, inputShape[3]!];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const plan = this.plan(x.shape);
    if (plan !== 'copy') {
      this.cache = isTraining(ctx) ? { pool: plan } : null;
      return plan.forward(x, ctx);
    }
    const [rows, , , C] = x.shape as [number, number, number, number];
    const copies = this.opts.size * this.opts.size;
    const y = this.out.get(ctx.k, rows * copies * C);
    for (let r = 0; r < rows; r++)
      ctx.k.elementwise([x.data.subarray(r * C, (r + 1) * C)], y.subarray(r * copies * C, (r + 1) * copies * C), {
        op: 'copy',
      });
    this.cache = isTraining(ctx) ? { pool: null } : null;
    return tensor([rows, this.opts.size, this.opts.size, C], y);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const { pool } = takeCache(this.cache, 'adaptive-avgpool2d');
    this.cache = null;
    if (pool !== null) return pool.backward(dy, ctx);
    const [rows, H, W, C] = dy.shape as [number, number, number, number];
    const copies = H * W;
    const dx = takeGrad(ctx.k, rows * C);
    const ones = new Float64Array(copies).fill(1);
    for (let r = 0; r < rows; r++)
      ctx.k.sumRows(dy.data.subarray(r * copies * C, (r + 1) * copies * C), dx.subarray(r * C, (r + 1) * C), {
        rows: copies,
        cols: C,
        weights: ones,
      });
    return tensor([rows, 1, 1, C], dx);
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return [];
  }

  cachedFloats(): number {
    return 0;
  }

  releaseCache(): void {
    this.cache = null;
    for (const p of this.pools.values()) p.releaseCache();
  }
}
