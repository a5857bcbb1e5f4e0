import { SpikerepError } from '../errors.js';
import { linearGeometry } from '../kernels/geometry.js';
import type { Buf, Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import { type Tensor, tensor } from '../tensor.js';
import { correctedWeightGradient, type Product, type WeightCorrection, type WeightLayer } from './bn-correction.js';
import { NO_GRADIENT, takeCache } from './cache.js';
import { type ForwardPath, useEventPath, weightGradient } from './forward-path.js';
import { inputForBackward } from './grad-mode.js';
import { takeGrad } from './grad-pool.js';
import { defaultUniform, normal } from './init.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import { joinName, makeParam, type Param } from './param.js';
import { fakeQuantize, type WeightQuant } from './quant.js';
import { Scratch } from './scratch.js';
import { inputGradientOfSum } from './summed-backward.js';

export interface LinearOptions {
  /** Full path of the layer ("fc"); params are `${name}.weight` and `${name}.bias`. */
  readonly name: string;
  readonly inF: number;
  readonly outF: number;
  readonly bias?: boolean;
  /** 'default': PyTorch's U(−1/√inF, 1/√inF); {normalStd}: N(0, std²) as the VGG head uses (0.01). */
  readonly weightInit?: 'default' | { readonly normalStd: number };
  /** 'default': U(−1/√inF, 1/√inF); 'zero' as both reference models do. */
  readonly biasInit?: 'default' | 'zero';
  /**
   * 'event' sums only the weight rows of non-zero inputs (fast on sparse spike trains), 'dense' is one gemm,
   * 'auto' (default) measures the input's density each forward and picks (nn/forward-path.ts). The weight
   * gradient takes the same choice for the input it keeps.
   */
  readonly forwardPath?: ForwardPath;
  /** Quantisation-aware training: the forward runs on the quantised weight (nn/quant.ts); absent for float. */
  readonly quant?: WeightQuant;
}

/** What backward needs: the input (for the weight gradient; its shape is also dx's shape). */
interface LinearCache {
  readonly x: Tensor;
  /** The weight the forward ran on (the quantised copy under QAT): the input gradient goes through it. */
  readonly w: Buf;
}

/**
 * y[rows, outF] = x[rows, inF] · Wᵀ + b with W [outF, inF]. Any input [rows, …] whose row holds inF values
 * is taken as [rows, inF] (so a flattened image needs no copy); dx comes back in the input's own shape.
 */
export class Linear implements WeightLayer {
  readonly kind = 'linear';
  readonly timing = 'per-step';
  readonly weight: Param;
  readonly bias: Param | null;
  /** False on a network's first layer, whose input gradient nobody uses: backward then skips that pass. */
  private computeInputGrad = true;
  private cache: LinearCache | null = null;
  private readonly out = new Scratch();
  private readonly kept = new Scratch();
  /** The weight as [inF, outF] for the event path, refreshed every forward that takes it. */
  private readonly wT = new Scratch();
  /** The fake-quantised weight the last forward used (with opts.quant), which backward's input gradient reuses. */
  private readonly quantized = new Scratch();
  /** Which path the last forward took (null before the first). */
  lastForwardPath: 'dense' | 'event' | null = null;
  /** The last forward's input and whether it took the event path, for the weight gradients of that input. */
  private counted: { readonly x: Buf; readonly event: boolean } | null = null;

  constructor(
    init: { readonly k: Kernels; readonly rng: Rng },
    readonly opts: LinearOptions,
  ) {
    const { inF, outF } = opts;
    this.weight = makeParam(init.k, joinName(opts.name, 'weight'), 'weight', [outF, inF]);
    const wInit = opts.weightInit ?? 'default';
    if (wInit === 'default') defaultUniform(this.weight.value, inF, init.rng);
    else normal(this.weight.value, wInit.normalStd, init.rng);
    this.bias = null;
    if (opts.bias ?? true) {
      this.bias = makeParam(init.k, joinName(opts.name, 'bias'), 'bias', [outF]);
      if ((opts.biasInit ?? 'default') === 'default') defaultUniform(this.bias.value, inF, init.rng);
    }
  }

  private rows(shape: readonly number[]): number {
    let row = 1;
    for (let i = 1; i < shape.length; i++) row *= shape[i]!;
    if (shape.length < 2 || row !== this.opts.inF) {
      throw new SpikerepError(
        'E_SHAPE',
        `${this.opts.name}: expected input [rows, ${this.opts.inF}], got [${shape.join(', ')}]`,
      );
    }
    return shape[0]!;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [this.rows(inputShape), this.opts.outF];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    return this.run(x, ctx, null);
  }

  forwardWithProduct(x: Tensor, ctx: RunContext, out: Buf, accumulate: boolean): Tensor {
    return this.run(x, ctx, { out, accumulate });
  }

  /** The forward, and with `product` the weight-gradient product of x with the output (nn/bn-correction.ts). */
  private run(x: Tensor, ctx: RunContext, product: Product | null): Tensor {
    const rows = this.rows(x.shape);
    const { inF, outF } = this.opts;
    const y = this.out.get(ctx.k, rows * outF);
    const w = this.forwardWeight(ctx.k);
    const event = useEventPath(ctx.k, x.data, this.opts.forwardPath ?? 'auto', 'linear');
    this.counted = { x: x.data, event };
    if (event) {
      const wT = this.wT.get(ctx.k, inF * outF);
      ctx.k.transpose(w, wT, { rows: outF, cols: inF }); // weights change every step
      const g = linearGeometry(rows, inF, outF);
      const bias = this.bias?.value ?? null;
      if (product === null) ctx.k.conv2dSparseForward(x.data, wT, bias, y, g);
      else ctx.k.conv2dSparseForwardCross(x.data, wT, bias, y, product.out, { ...g, accumulate: product.accumulate });
      this.lastForwardPath = 'event';
    } else {
      ctx.k.gemm(x.data, w, y, { m: rows, n: outF, k: inF, transA: false, transB: true });
      if (this.bias !== null) ctx.k.elementwise([y, this.bias.value], y, { op: 'add' }); // the bias repeats over rows
      if (product !== null) {
        const g = linearGeometry(rows, inF, outF);
        weightGradient(ctx.k, x.data, y, product.out, null, g, product.accumulate, false, 'linear');
      }
      this.lastForwardPath = 'dense';
    }
    this.cache = isTraining(ctx) ? { x: inputForBackward(x, ctx, this.kept), w } : null;
    return tensor([rows, outF], y);
  }

  /** With a correction (representation mode ahead of a batch-norm, nn/bn-correction.ts) added to dW. */
  backward(dy: Tensor, ctx: RunContext, correction: WeightCorrection | null = null): Tensor {
    const cache = takeCache(this.cache, this.opts.name);
    this.cache = null;
    this.parameterGradients(ctx.k, cache.x, dy, correction);
    return this.computeInputGrad ? this.inputGradient(ctx.k, cache, dy) : NO_GRADIENT;
  }

  /**
   * backward with the input gradient summed over the steps first (nn/summed-backward.ts): the layer is linear and
   * the same at every step, so Σ_t w_t·dx[t] = (Σ_t w_t·dy[t])·W, one gemm over B rows.
   */
  backwardSummedInput(dy: Tensor, ctx: RunContext, weights: Float64Array, summed?: Tensor): Tensor {
    const cache = takeCache(this.cache, this.opts.name);
    this.cache = null;
    this.parameterGradients(ctx.k, cache.x, dy, null);
    return inputGradientOfSum(ctx, dy, weights, (sum) => this.inputGradient(ctx.k, cache, sum), summed);
  }

  /** Not for a network's first layer, whose input gradient nobody uses. */
  canSumInputGradient(): boolean {
    return this.computeInputGrad;
  }

  /** dW += dyᵀ · x;  db += Σ_rows dy (with the correction when given). */
  private parameterGradients(k: Kernels, x: Tensor, dy: Tensor, correction: WeightCorrection | null): void {
    const g = linearGeometry(x.shape[0]!, this.opts.inF, this.opts.outF);
    const event = this.eventPath(k, x.data);
    correctedWeightGradient(k, dy.data, correction, this.weight.grad, this.bias?.grad ?? null, (d, db) =>
      weightGradient(k, x.data, d, this.weight.grad, db, g, true, event, 'linear'),
    );
  }

  /** dx = dy · W over dy's rows (T·B, or B when summed over time). */
  private inputGradient(k: Kernels, { x, w }: LinearCache, dy: Tensor): Tensor {
    const rows = dy.shape[0]!;
    const { inF, outF } = this.opts;
    const dx = takeGrad(k, rows * inF);
    k.gemm(dy.data, w, dx, { m: rows, n: inF, k: outF, transA: false, transB: false });
    return tensor([rows, ...x.shape.slice(1)], dx);
  }

  /** out (+)= zᵀ·x over all rows (the batch-norm correction's product). */
  weightProduct(k: Kernels, x: Tensor, z: Tensor, out: Buf, accumulate: boolean): void {
    const { inF, outF } = this.opts;
    const g = linearGeometry(z.data.length / outF, inF, outF);
    weightGradient(k, x.data, z.data, out, null, g, accumulate, this.eventPath(k, x.data), 'linear');
  }

  /** The weight the forward runs on: the float weight, or its fake-quantised copy with opts.quant. */
  forwardWeight(k: Kernels): Buf {
    const quant = this.opts.quant;
    if (quant === undefined) return this.weight.value;
    const wq = this.quantized.get(k, this.weight.value.length);
    fakeQuantize(k, this.weight.value, wq, this.opts.outF, quant);
    return wq;
  }

  /** Whether x takes the event path: the last forward's input keeps that forward's answer (one density count). */
  private eventPath(k: Kernels, x: Buf): boolean {
    if (this.counted !== null && x === this.counted.x) return this.counted.event;
    return useEventPath(k, x, this.opts.forwardPath ?? 'auto', 'linear');
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
