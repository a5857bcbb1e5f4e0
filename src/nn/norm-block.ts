import { SpikerepError } from '../errors.js';
import type { Buf, Kernels } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import type { BatchNorm, NormalizedInput } from './batchnorm.js';
import type { WeightCorrection, WeightLayer } from './bn-correction.js';
import { buffersOf, type NamedBuffer } from './buffers.js';
import { summedGradients } from './grad-mode.js';
import { giveGrad, takeGrad } from './grad-pool.js';
import { type BatchStatistics, isTraining, type Layer, type RunContext, type Timing, totalSteps } from './layer.js';
import type { Param } from './param.js';
import { readsOutput } from './pass-through.js';
import { weightedTimeSum } from './repeat-time.js';
import { Scratch } from './scratch.js';
import { sharedStepsOf } from './shared-steps.js';
import { sumsInputGradient } from './summed-backward.js';

/**
 * One path into the batch-norm: `pre` (or nothing) on the block's input, then `weight` (a conv or linear, or
 * nothing for an identity path). The paths' outputs are summed into the batch-norm's input.
 */
export interface NormBranch {
  readonly pre: Layer | null;
  readonly weight: WeightLayer | null;
}

/**
 * A conv/linear and the batch-norm it feeds, as one layer: y = BN(Σ_branches weight(pre(x))). One branch with
 * no `pre` is the plain conv → BN (or linear → BN1d); two branches are a residual add whose sum a BN normalises,
 * as in the PreAct ResNet, where a block's last conv and its shortcut feed the next block's first BN.
 *
 * The block owns the representation-mode correction of its weight layers (nn/bn-correction.ts): its forward holds
 * each branch's weight input and the BN's input, so it gathers Σ_t x_t⊗z_t there (a single weight layer, whose
 * output z is, gathers it in its own forward pass: forwardWithProduct), and its backward runs the BN
 * first and hands each weight layer what the BN left. Everything it needs is its own, so the result does not
 * depend on anything outside the block.
 */
export class NormBlock implements Layer {
  readonly kind = 'norm-block';
  readonly timing: Timing;
  readonly branches: readonly NormBranch[];
  readonly bn: BatchNorm;
  readonly batchStatistics: BatchStatistics;
  /** The sums Σ_t x_t⊗z_t gathered this pass, one per branch with a weight (null without); null: not gathered. */
  private cache: { readonly cross: readonly (Buf | null)[] } | null = null;
  private readonly cross: Scratch[];
  private readonly sum = new Scratch();
  private readonly scaledMean = new Scratch();
  /** Per-channel vectors of the scaling below: the factor −T·s, and the zeros and ones around it. */
  private readonly factor = new Scratch();
  private readonly zeros = new Scratch();
  private readonly ones = new Scratch();

  constructor(opts: { readonly branches: readonly NormBranch[]; readonly bn: BatchNorm }) {
    if (opts.branches.length === 0 || opts.branches.every((b) => b.weight === null)) {
      throw new SpikerepError(
        'E_ARG',
        `${opts.bn.opts.name}: a batch-norm block needs a conv or linear layer in front of its batch-norm`,
      );
    }
    this.branches = opts.branches;
    this.bn = opts.bn;
    this.cross = opts.branches.map(() => new Scratch());
    const simple = opts.branches.length === 1 && opts.branches[0]!.pre === null;
    this.timing = simple ? 'per-step' : 'whole-pass';
    this.batchStatistics = {
      channels: this.bn.channels,
      normInput: (x, ctx) => this.normInput(x, ctx),
      setBatchStatistics: (mean, variance, count, ctx) => this.bn.setBatchStatistics(mean, variance, count, ctx),
    };
  }

  outputShape(inputShape: readonly number[], ctx: Pick<RunContext, 'T' | 'batch'>): number[] {
    const shapes = this.branches.map((b) => {
      const h = b.pre === null ? [...inputShape] : b.pre.outputShape(inputShape, ctx);
      return b.weight === null ? h : b.weight.outputShape(h, ctx);
    });
    for (const s of shapes) sameShape(s, shapes[0]!, this.bn.opts.name);
    return this.bn.outputShape(shapes[0]!);
  }

  /** The batch-norm's input: the branches' outputs, summed. */
  private normInput(x: Tensor, ctx: RunContext): Tensor {
    return this.branchesForward(x, ctx).z;
  }

  private branchesForward(x: Tensor, ctx: RunContext): { z: Tensor; inputs: Tensor[] } {
    const inputs: Tensor[] = [];
    let z: Tensor | null = null;
    for (const b of this.branches) {
      const h = b.pre === null ? x : b.pre.forward(x, ctx);
      inputs.push(h);
      const out = b.weight === null ? h : b.weight.forward(h, ctx);
      if (z === null) z = out;
      else {
        sameShape(out.shape, z.shape, this.bn.opts.name);
        const y = this.sum.get(ctx.k, out.data.length);
        ctx.k.elementwise([z.data, out.data], y, { op: 'add' });
        z = tensor(z.shape, y);
      }
    }
    return { z: z!, inputs };
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    return this.bn.forward(this.normInputGathering(x, ctx), ctx);
  }

  /**
   * forward without the batch-norm's apply: its input and the constants that normalise it, for the neuron after
   * the block to apply as it reads them (nn/norm-neuron.ts). Statistics, caches and the gathered products are
   * forward's.
   */
  forwardUnapplied(x: Tensor, ctx: RunContext): NormalizedInput {
    return this.bn.forwardStatistics(this.normInputGathering(x, ctx), ctx);
  }

  /**
   * Whether a forward replaced on this block or its batch-norm (a recorder) may read the normalised output, which
   * forwardUnapplied never writes; the step profiler's timers pass it through.
   */
  outputRead(): boolean {
    return readsOutput(this, 'forward') || readsOutput(this.bn, 'forward');
  }

  /** The batch-norm's input, gathering what the representation-mode backward needs on the way. */
  private normInputGathering(x: Tensor, ctx: RunContext): Tensor {
    this.cache = null;
    const gather = isTraining(ctx) && summedGradients(ctx);
    // Σ_t x_t⊗z_t against each weight layer's input, added up chunk by chunk in a time-chunked forward
    const accumulate = ctx.mode.steps.start > 0;
    const only = this.branches.length === 1 ? this.branches[0]! : null;
    if (gather && only !== null && only.weight !== null) {
      // z is the weight layer's own output: its forward gathers the product in the same pass
      const h = only.pre === null ? x : only.pre.forward(x, ctx);
      const out = this.cross[0]!.get(ctx.k, only.weight.weight.value.length);
      const z = only.weight.forwardWithProduct(h, ctx, out, accumulate);
      this.cache = { cross: [out] };
      return z;
    }
    const { z, inputs } = this.branchesForward(x, ctx);
    if (gather) {
      const cross = this.branches.map((b, i) => {
        if (b.weight === null) return null;
        const out = this.cross[i]!.get(ctx.k, b.weight.weight.value.length);
        b.weight.weightProduct(ctx.k, inputs[i]!, z, out, accumulate);
        return out;
      });
      this.cache = { cross };
    }
    return z;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    return this.backwardWith(dy, ctx, null);
  }

  /**
   * backward with the input gradient summed over time (nn/summed-backward.ts): each path sums its own — a conv or
   * linear before its input-gradient pass, a `pre` sequence at its first layer, an identity path the gradient the
   * batch-norm leaves.
   */
  backwardSummedInput(dy: Tensor, ctx: RunContext, weights: Float64Array): Tensor {
    return this.backwardWith(dy, ctx, weights);
  }

  /** Exact mode only (representation mode exchanges summed gradients already), and every path able to. */
  canSumInputGradient(): boolean {
    return (
      this.cache === null &&
      this.branches.every((b) =>
        b.pre === null ? b.weight === null || sumsInputGradient(b.weight) : sumsInputGradient(b.pre),
      )
    );
  }

  /**
   * Exact mode, unhooked, over the whole pass: its batch-norm then reads a gradient held once for all steps as the
   * repeated one (nn/shared-steps.ts).
   */
  takesSharedSteps(ctx: RunContext): boolean {
    return (
      this.cache === null &&
      totalSteps(ctx) === ctx.T &&
      !readsOutput(this, 'backward') &&
      !readsOutput(this.bn, 'backward')
    );
  }

  private backwardWith(dy: Tensor, ctx: RunContext, inputWeights: Float64Array | null): Tensor {
    const { k } = ctx;
    const gathered = this.cache; // null: no representation-mode training forward, the BN's plain backward
    this.cache = null;
    let dz: Tensor;
    let dzSummed: Tensor | null = null;
    const corrections: (WeightCorrection | null)[] = this.branches.map(() => null);
    const steps = sharedStepsOf(dy);
    if (steps > 1) {
      if (gathered !== null)
        throw new SpikerepError('E_ARG', `${this.bn.opts.name}: a shared-step gradient in representation mode`);
      // a single plain conv or linear in front sums its input gradient over time: the batch-norm forms that sum
      const only = this.branches.length === 1 ? this.branches[0]! : null;
      const sumWeights =
        inputWeights !== null && inputWeights.length === steps && only?.pre === null && only.weight !== null
          ? inputWeights
          : null;
      const r = this.bn.backwardShared(dy, ctx, steps, sumWeights);
      dz = r.dx;
      dzSummed = r.summed;
    } else if (gathered === null) dz = this.bn.backward(dy, ctx);
    else {
      const r = this.bn.backwardWithCorrection(dy, ctx);
      dz = r.dx;
      const scaledInputMean = this.scaleByChannel(k, r.inputMean, r.scale, -totalSteps(ctx));
      gathered.cross.forEach((c, i) => {
        if (c !== null) corrections[i] = { cross: c, scale: r.scale, scaledInputMean };
      });
    }
    const dxs =
      dzSummed !== null
        ? [this.branches[0]!.weight!.backwardSummedInput!(dz, ctx, inputWeights!, dzSummed)]
        : this.branches.map((b, i) => branchBackward(b, dz, ctx, corrections[i] ?? null, inputWeights));
    let dx = dxs[0]!;
    if (dxs.length > 1) {
      dx = tensor(dx.shape, takeGrad(k, dx.data.length));
      k.elementwise([dxs[0]!.data, dxs[1]!.data], dx.data, { op: 'add' });
      for (let i = 2; i < dxs.length; i++) k.elementwise([dx.data, dxs[i]!.data], dx.data, { op: 'add' });
      for (const g of dxs) if (g !== dz) giveGrad(k, g, dx);
    }
    giveGrad(k, dz, dx);
    return dx;
  }

  /**
   * z[…, c]·alpha·s[c]: the batch-norm apply with mean 0, gamma 1 and beta 0 is that per-channel scaling in one
   * pass (elementwise repeats only its last input, so s over the rows would go a row at a time).
   */
  private scaleByChannel(k: Kernels, z: Tensor, s: Buf, alpha: number): Tensor {
    const C = s.length;
    const factor = this.factor.get(k, C),
      zeros = this.zeros.get(k, C),
      ones = this.ones.get(k, C);
    for (let c = 0; c < C; c++) {
      factor[c] = alpha * s[c]!;
      zeros[c] = 0;
      ones[c] = 1;
    }
    const out = this.scaledMean.get(k, z.data.length);
    k.batchNormApply(z.data, out, zeros, factor, ones, zeros, { rows: z.data.length / C, channels: C });
    return tensor(z.shape, out);
  }

  /** The network's first layer: the input gradient of a single plain branch is not needed. */
  skipInputGradient(): void {
    const only = this.branches.length === 1 ? this.branches[0]! : null;
    if (only !== null && only.pre === null) only.weight?.skipInputGradient?.();
  }

  children(): readonly Layer[] {
    const out: Layer[] = [];
    for (const b of this.branches) {
      if (b.pre !== null) out.push(b.pre);
      if (b.weight !== null) out.push(b.weight);
    }
    out.push(this.bn);
    return out;
  }

  params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  buffers(): NamedBuffer[] {
    return buffersOf(this.children());
  }

  cachedFloats(): number {
    let n = 0;
    for (const l of this.children()) n += l.cachedFloats();
    for (const c of this.cache?.cross ?? []) n += c?.length ?? 0;
    return n;
  }

  releaseCache(): void {
    for (const l of this.children()) l.releaseCache();
    this.cache = null;
  }
}

function sameShape(a: readonly number[], b: readonly number[], where: string): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new SpikerepError(
      'E_SHAPE',
      `${where}: the paths into the batch-norm give [${a.join(', ')}] and [${b.join(', ')}]`,
    );
  }
}

/**
 * One path's input gradient from dz, the gradient the batch-norm leaves: summed over time with `inputWeights` when
 * given. Where `pre` ends in a neuron that reads only its gradient's time sum, the weight layer hands it that sum
 * (its input-gradient pass over B rows).
 */
function branchBackward(
  b: NormBranch,
  dz: Tensor,
  ctx: RunContext,
  correction: WeightCorrection | null,
  inputWeights: Float64Array | null,
): Tensor {
  const { k, T } = ctx;
  if (b.pre === null) {
    if (b.weight === null) return inputWeights === null ? dz : weightedTimeSum(k, dz, T, inputWeights);
    return inputWeights === null
      ? b.weight.backward(dz, ctx, correction)
      : b.weight.backwardSummedInput!(dz, ctx, inputWeights);
  }
  const pre = b.pre;
  const preBackward = (g: Tensor): Tensor =>
    inputWeights === null ? pre.backward(g, ctx) : pre.backwardSummedInput!(g, ctx, inputWeights);
  if (b.weight === null) return preBackward(dz);
  const summedOutput =
    correction === null && sumsInputGradient(b.weight) && !readsOutput(pre, 'backward')
      ? (pre.summedOutputWeights?.(ctx) ?? null)
      : null;
  const g =
    summedOutput === null
      ? b.weight.backward(dz, ctx, correction)
      : b.weight.backwardSummedInput!(dz, ctx, summedOutput);
  const below = summedOutput === null ? preBackward(g) : pre.backwardFromSummed!(g, ctx, inputWeights);
  giveGrad(k, g, below);
  return below;
}
