import { SpikerepError } from '../errors.js';
import { convGeometry } from '../kernels/geometry.js';
import type { Buf, ConvGeometry, Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import { type Tensor, tensor } from '../tensor.js';
import { correctedWeightGradient, type Product, type WeightCorrection, type WeightLayer } from './bn-correction.js';
import { NO_GRADIENT, takeCache } from './cache.js';
import { type ForwardPath, useEventPath, weightGradient } from './forward-path.js';
import { inputForBackward } from './grad-mode.js';
import { takeGrad } from './grad-pool.js';
import { defaultUniform, kaimingNormalFanOut } from './init.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import { joinName, makeParam, type Param } from './param.js';
import { fakeQuantize, type WeightQuant } from './quant.js';
import { Scratch } from './scratch.js';
import { inputGradientOfSum } from './summed-backward.js';

export interface Conv2dOptions {
  /** Full path of the layer ("layer1.0.conv1"); params are `${name}.weight` and `${name}.bias`. */
  readonly name: string;
  readonly inC: number;
  readonly outC: number;
  readonly kernel: number | readonly [number, number];
  readonly stride?: number | readonly [number, number];
  readonly pad?: number | readonly [number, number];
  readonly bias?: boolean;
  /** 'default': PyTorch's U(−1/√fanIn, 1/√fanIn) (what the CIFAR ResNet keeps); 'zero': as the VGG zeroes it. */
  readonly biasInit?: 'default' | 'zero';
  /**
   * 'event' sums only the weights of non-zero inputs (fast on sparse spike trains), 'dense' is the ordinary
   * convolution, 'auto' (default) measures the input's density each forward and picks (nn/forward-path.ts). The weight
   * gradient takes the same choice for the input it keeps.
   */
  readonly forwardPath?: ForwardPath;
  /** Quantisation-aware training: the forward runs on the quantised weight (nn/quant.ts); absent for float. */
  readonly quant?: WeightQuant;
}

/** What backward needs: the input (for the filter gradient; its time-mean in representation mode) and its geometry. */
interface Conv2dCache {
  readonly x: Tensor;
  readonly g: ConvGeometry;
  /** The weight the forward ran on (the quantised copy under QAT): the input gradient goes through it. */
  readonly w: Buf;
}

/**
 * 2-D convolution on channels-last images [rows, H, W, inC] → [rows, outH, outW, outC], weight
 * [outC, kH, kW, inC]. Weights start kaiming-normal (fan_out, relu): std = √(2/(outC·kH·kW)).
 */
export class Conv2d implements WeightLayer {
  readonly kind = 'conv2d';
  readonly timing = 'per-step';
  readonly weight: Param;
  readonly bias: Param | null;
  /** False on a network's first layer, whose input gradient nobody uses: backward then skips that pass. */
  private computeInputGrad = true;
  private readonly kH: number;
  private readonly kW: number;
  private readonly stride: [number, number];
  private readonly pad: [number, number];
  private cache: Conv2dCache | null = null;
  private readonly out = new Scratch();
  private readonly kept = new Scratch();
  /** The weight as [kH, kW, inC, outC] for the event path, refreshed every forward that takes it. */
  private readonly wT = new Scratch();
  /** The fake-quantised weight the last forward used (with opts.quant), which backward's input gradient reuses. */
  private readonly quantized = new Scratch();
  /** Which path the last forward took (null before the first). */
  lastForwardPath: 'dense' | 'event' | null = null;
  /** The last forward's input and whether it took the event path, for the weight gradients of that input. */
  private counted: { readonly x: Buf; readonly event: boolean } | null = null;

  constructor(
    init: { readonly k: Kernels; readonly rng: Rng },
    readonly opts: Conv2dOptions,
  ) {
    [this.kH, this.kW] = pair(opts.kernel);
    this.stride = pair(opts.stride ?? 1);
    this.pad = pair(opts.pad ?? 0);
    const { inC, outC } = opts;
    this.weight = makeParam(init.k, joinName(opts.name, 'weight'), 'weight', [outC, this.kH, this.kW, inC]);
    kaimingNormalFanOut(this.weight.value, outC * this.kH * this.kW, init.rng);
    this.bias = null;
    if (opts.bias ?? true) {
      this.bias = makeParam(init.k, joinName(opts.name, 'bias'), 'bias', [outC]);
      if ((opts.biasInit ?? 'default') === 'default')
        defaultUniform(this.bias.value, inC * this.kH * this.kW, init.rng);
    }
  }

  private geometry(shape: readonly number[]): ConvGeometry {
    if (shape.length !== 4 || shape[3] !== this.opts.inC) {
      throw new SpikerepError(
        'E_SHAPE',
        `${this.opts.name}: expected input [rows, H, W, ${this.opts.inC}], got [${shape.join(', ')}]`,
      );
    }
    return convGeometry({
      batch: shape[0]!,
      inH: shape[1]!,
      inW: shape[2]!,
      inC: this.opts.inC,
      outC: this.opts.outC,
      kH: this.kH,
      kW: this.kW,
      stride: this.stride,
      pad: this.pad,
    });
  }

  outputShape(inputShape: readonly number[]): number[] {
    const g = this.geometry(inputShape);
    return [g.batch, g.outH, g.outW, g.outC];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    return this.run(x, ctx, null);
  }

  forwardWithProduct(x: Tensor, ctx: RunContext, out: Buf, accumulate: boolean): Tensor {
    return this.run(x, ctx, { out, accumulate });
  }

  /** The forward, and with `product` the filter-gradient product of x with the output (nn/bn-correction.ts). */
  private run(x: Tensor, ctx: RunContext, product: Product | null): Tensor {
    const g = this.geometry(x.shape);
    const shape = [g.batch, g.outH, g.outW, g.outC];
    const y = this.out.get(ctx.k, g.batch * g.outH * g.outW * g.outC);
    const bias = this.bias?.value ?? null;
    const w = this.forwardWeight(ctx.k);
    const event = useEventPath(ctx.k, x.data, this.opts.forwardPath ?? 'auto', 'conv');
    this.counted = { x: x.data, event };
    if (event) {
      const wT = this.wT.get(ctx.k, w.length);
      ctx.k.transpose(w, wT, { rows: g.outC, cols: g.kH * g.kW * g.inC }); // weights change every step
      if (product === null) ctx.k.conv2dSparseForward(x.data, wT, bias, y, g);
      else ctx.k.conv2dSparseForwardCross(x.data, wT, bias, y, product.out, { ...g, accumulate: product.accumulate });
      this.lastForwardPath = 'event';
    } else {
      ctx.k.conv2dForward(x.data, w, bias, y, g);
      if (product !== null) weightGradient(ctx.k, x.data, y, product.out, null, g, product.accumulate, false, 'conv');
      this.lastForwardPath = 'dense';
    }
    if (isTraining(ctx)) {
      const kept = inputForBackward(x, ctx, this.kept);
      this.cache = { x: kept, g: kept === x ? g : this.geometry(kept.shape), w };
    } else this.cache = null;
    return tensor(shape, y);
  }

  /** With a correction (representation mode ahead of a batch-norm, nn/bn-correction.ts) added to the filter gradient. */
  backward(dy: Tensor, ctx: RunContext, correction: WeightCorrection | null = null): Tensor {
    const cache = takeCache(this.cache, this.opts.name);
    this.cache = null;
    this.parameterGradients(ctx.k, cache, dy, correction);
    return this.computeInputGrad ? this.inputGradient(ctx.k, cache, dy) : NO_GRADIENT;
  }

  /**
   * backward with the input gradient summed over the steps first (nn/summed-backward.ts): the convolution is linear
   * and the same at every step, so Σ_t w_t·dx[t] is the input gradient of Σ_t w_t·dy[t], one pass over B rows.
   */
  backwardSummedInput(dy: Tensor, ctx: RunContext, weights: Float64Array, summed?: Tensor): Tensor {
    const cache = takeCache(this.cache, this.opts.name);
    this.cache = null;
    this.parameterGradients(ctx.k, cache, dy, null);
    return inputGradientOfSum(ctx, dy, weights, (sum) => this.inputGradient(ctx.k, cache, sum), summed);
  }

  /** Not for a network's first layer, whose input gradient nobody uses. */
  canSumInputGradient(): boolean {
    return this.computeInputGrad;
  }

  private parameterGradients(k: Kernels, { x, g }: Conv2dCache, dy: Tensor, correction: WeightCorrection | null) {
    const event = this.eventPath(k, x.data);
    correctedWeightGradient(k, dy.data, correction, this.weight.grad, this.bias?.grad ?? null, (d, db) =>
      weightGradient(k, x.data, d, this.weight.grad, db, g, true, event, 'conv'),
    );
  }

  /** The input gradient of dy, whose rows (T·B, or B when summed over time) set the geometry's batch. */
  private inputGradient(k: Kernels, { x, g, w }: Conv2dCache, dy: Tensor): Tensor {
    const rows = dy.shape[0]!;
    const shape = [rows, ...x.shape.slice(1)];
    const geometry = rows === g.batch ? g : this.geometry(shape);
    const dx = takeGrad(k, rows * g.inH * g.inW * g.inC);
    k.conv2dBackwardInput(dy.data, w, dx, geometry);
    return tensor(shape, dx);
  }

  /** out (+)= the filter gradient of input x against an output-shaped z (the batch-norm correction's product). */
  weightProduct(k: Kernels, x: Tensor, z: Tensor, out: Buf, accumulate: boolean): void {
    weightGradient(k, x.data, z.data, out, null, this.geometry(x.shape), accumulate, this.eventPath(k, x.data), 'conv');
  }

  /** The weight the forward runs on: the float weight, or its fake-quantised copy with opts.quant. */
  forwardWeight(k: Kernels): Buf {
    const quant = this.opts.quant;
    if (quant === undefined) return this.weight.value;
    const wq = this.quantized.get(k, this.weight.value.length);
    fakeQuantize(k, this.weight.value, wq, this.opts.outC, quant);
    return wq;
  }

  /** Whether x takes the event path: the last forward's input keeps that forward's answer (one density count). */
  private eventPath(k: Kernels, x: Buf): boolean {
    if (this.counted !== null && x === this.counted.x) return this.counted.event;
    return useEventPath(k, x, this.opts.forwardPath ?? 'auto', 'conv');
  }

  skipInputGradient(): void {
    this.computeInputGrad = false;
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  cachedFloats(): number {
    return this.cache === null ? 0 : this.cache.x.data.length;
  }

  releaseCache(): void {
    this.cache = null;
  }
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
