import { SpikerepError } from '../errors.js';
import { poolGeometry } from '../kernels/geometry.js';
import type { Buf, ConvGeometry } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import { takeCache } from './cache.js';
import { takeGrad } from './grad-pool.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import type { Param } from './param.js';
import { Scratch } from './scratch.js';

export interface AvgPool2dOptions {
  readonly kernel: number;
  readonly stride?: number; // defaults to kernel, as in PyTorch
  readonly pad?: number;
}

/** What backward needs: only the geometry (the gradient of an average does not depend on x). */
interface AvgPool2dCache {
  readonly g: ConvGeometry;
  readonly inShape: readonly number[];
}

/** Average pooling on [rows, H, W, C]; padding counts as zeros in the average (count_include_pad=True). */
export class AvgPool2d implements Layer {
  readonly kind = 'avgpool2d';
  readonly timing = 'per-step';
  private cache: AvgPool2dCache | null = null;
  private readonly out = new Scratch();

  constructor(readonly opts: AvgPool2dOptions) {}

  private geometry(shape: readonly number[]): ConvGeometry {
    if (shape.length !== 4) {
      throw new SpikerepError('E_SHAPE', `avgpool2d: expected input [rows, H, W, C], got [${shape.join(', ')}]`);
    }
    const { kernel, stride = kernel, pad = 0 } = this.opts;
    return poolGeometry(shape[0]!, shape[1]!, shape[2]!, shape[3]!, kernel, stride, pad);
  }

  outputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return [g.batch, g.outH, g.outW, g.outC];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const g = this.geometry(x.shape);
    const y = this.out.get(ctx.k, g.batch * g.outH * g.outW * g.outC);
    ctx.k.avgPool2dForward(x.data, y, g);
    this.cache = isTraining(ctx) ? { g, inShape: x.shape } : null;
    return tensor([g.batch, g.outH, g.outW, g.outC], y);
  }

  /**
   * The geometry over `inputShape` when this is a 2×2 pooling at stride 2 without padding, the one a neuron in
   * front may write itself (nn/neuron-pool.ts); null for any other window or shape.
   */
  halvingGeometry(inputShape: readonly number[]): ConvGeometry | null {
    const { kernel, stride = kernel, pad = 0 } = this.opts;
    if (kernel !== 2 || stride !== 2 || pad !== 0 || inputShape.length !== 4) return null;
    if (inputShape[1]! < 2 || inputShape[2]! < 2) return null;
    return this.geometry(inputShape);
  }

  /**
   * forward's part for an output that the layer in front writes (nn/neuron-pool.ts): the output buffer to fill
   * with the pooling of geometry g, and what backward needs kept.
   */
  outputFor(g: ConvGeometry, ctx: RunContext): Buf {
    this.cache = isTraining(ctx) ? { g, inShape: [g.batch, g.inH, g.inW, g.inC] } : null;
    return this.out.get(ctx.k, g.batch * g.outH * g.outW * g.outC);
  }

  /** The input shape the last training forward kept for backward (null when none is kept). */
  cachedInputShape(): readonly number[] | null {
    return this.cache?.inShape ?? null;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const cached = takeCache(this.cache, 'avgpool2d');
    this.cache = null;
    // dy has B rows in representation mode (nn/grad-mode.ts), T·B otherwise: the geometry follows dy
    const inShape = [dy.shape[0]!, ...cached.inShape.slice(1)];
    const g = dy.shape[0] === cached.g.batch ? cached.g : this.geometry(inShape);
    const dx = takeGrad(ctx.k, g.batch * g.inH * g.inW * g.inC);
    ctx.k.avgPool2dBackward(dy.data, dx, g);
    return tensor(inShape, dx);
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
  }
}
