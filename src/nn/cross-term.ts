import type { Buf, Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import type { BatchNormCorrection } from './bn-correction.js';
import { summedGradients } from './grad-mode.js';
import { totalSteps, type RunContext } from './layer.js';
import { Scratch } from './scratch.js';

/** A layer's weight-gradient product: out (+)= Σ_rows x ⊗ z (conv filter gradient; zᵀ·x for linear). */
export type WeightProduct = (k: Kernels, x: Tensor, z: Tensor, out: Buf, accumulate: boolean) => void;

/**
 * The conv/linear side of the batch-norm correction (nn/bn-correction.ts): holds this pass's T·B-row input
 * from the layer's forward until the BN's forward hands over z, gathers Σ_t x_t⊗z_t (chunk by chunk in a
 * time-chunked forward), and in backward turns it into dW += s·(Σ_t x_t⊗z_t − T·x̄⊗z̄).
 */
export class CrossTerm {
  /** The batch-norm the layer's output reaches, set by linkBatchNormCorrections; null: no correction. */
  source: { correction(): BatchNormCorrection } | null = null;
  private pending: { readonly x: Tensor; readonly out: Buf; readonly accumulate: boolean } | null = null;
  private readonly buf = new Scratch();
  private readonly scaledMean = new Scratch();

  constructor(private readonly product: WeightProduct) {}

  /** Forward: in a representation-mode training pass ahead of a BN, holds x; returns the buffer the cache keeps. */
  begin(x: Tensor, weightSize: number, ctx: RunContext): Buf | null {
    this.pending = null;
    if (this.source === null || !ctx.training || !summedGradients(ctx) || ctx.statisticsOnly === true) return null;
    const out = this.buf.get(ctx.k, weightSize);
    this.pending = { x, out, accumulate: (ctx.timeWindow?.start ?? 0) > 0 };
    return out;
  }

  /** The BN's forward: Σ_t x_t⊗z_t with z the BN's input (the layer's output, or the sum it went into). */
  gather(z: Tensor, ctx: RunContext): void {
    const p = this.pending;
    if (p === null) return; // the layer's last forward did not run in representation mode
    this.pending = null;
    this.product(ctx.k, p.x, z, p.out, p.accumulate);
  }

  /** Backward: cross becomes D = Σ_t x_t⊗z_t − T·x̄⊗z̄, then dW[c, :] += s[c]·D[c, :]; xMean is x̄ [B, …]. */
  apply(cross: Buf, xMean: Tensor, dW: Buf, outC: number, ctx: RunContext): void {
    const { k } = ctx;
    const { scale, inputMean } = this.source!.correction();
    const zs = this.scaledMean.get(k, inputMean.data.length);
    k.elementwise([inputMean.data], zs, { op: 'scale', alpha: -totalSteps(ctx) });
    this.product(k, xMean, { shape: inputMean.shape, data: zs }, cross, true);
    const row = dW.length / outC;
    for (let c = 0; c < outC; c++) {
      const s = scale[c]!;
      if (s !== 0) k.elementwise([cross.subarray(c * row, (c + 1) * row)], dW.subarray(c * row, (c + 1) * row), { op: 'scale', alpha: s, accumulate: true });
    }
  }

  clear(): void {
    this.pending = null;
  }
}
