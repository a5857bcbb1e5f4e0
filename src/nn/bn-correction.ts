/**
 * Representation mode (nn/grad-mode.ts) made exact for the conv/linear layers whose output feeds a batch-norm,
 * directly or through a residual add.
 *
 * With the DSR neuron's uniform gradient d behind the BN, the BN's per-step input gradient is
 *   dz_t = γσ⁻¹·(d − mean(dy)) − v·ẑ_t,   v = γσ⁻¹·mean(dy·ẑ)   (means over all T·B rows)
 * and only the ẑ_t term varies with t. A producer's summed backward x̄ ⊗ Σ_t dz_t (⊗: its weight-gradient
 * product) therefore misses −v·(Σ_t x_t⊗ẑ_t − x̄⊗Σ_t ẑ_t) from the exact Σ_t x_t⊗dz_t. Writing
 * ẑ_t = σ⁻¹(z_t − μ), with z the BN's input, the μ terms cancel:
 *   missing = s·D,   s = −γσ⁻²·dγ/N  (per channel, from the BN backward),   D = Σ_t x_t⊗z_t − T·x̄⊗z̄.
 * The block that owns the producers and the BN (nn/norm-block.ts) gathers Σ_t x_t⊗z_t in its forward, where
 * it holds each producer's input and the BN's input (chunk by chunk in a time-chunked forward); its backward
 * takes s and z̄ (the BN's time-mean input, kept anyway) from the BN's backward and hands them to each producer's
 * backward, which adds T·x̄⊗(−z̄) over B rows and then s·D. D is weight-sized, so memory stays flat in T. For IF
 * this makes every gradient equal to the exact backward's (test/unit/nn.grad-mode.test.ts); for LIF, whose exact
 * per-step gradients are not uniform, it is the same correction under the uniform-gradient assumption.
 */
import type { Buf, Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import type { Layer, RunContext } from './layer.js';
import type { Param } from './param.js';

/** What a producer's backward adds to its weight gradient: s·(cross − T·x̄⊗z̄), per output channel. */
export interface WeightCorrection {
  /** Σ_t x_t⊗z_t gathered by the block's forward; the producer's backward turns it into D in place. */
  readonly cross: Buf;
  /** s per output channel, from the batch-norm's backward. */
  readonly scale: Buf;
  /** −T·z̄ [B, …]: the BN's time-mean input scaled once for all the block's producers. */
  readonly negScaledInputMean: Tensor;
}

/** Where a forward also gathers its input's product with its output: out (+)= Σ_rows x ⊗ y. */
export interface Product {
  readonly out: Buf;
  readonly accumulate: boolean;
}

/** A conv or linear layer as the batch-norm block after it sees it. */
export interface WeightLayer extends Layer {
  readonly weight: Param;
  /** out (+)= Σ_rows x ⊗ z: the weight-gradient product of input x and an output-shaped z. */
  weightProduct(k: Kernels, x: Tensor, z: Tensor, out: Buf, accumulate: boolean): void;
  /**
   * forward(x), and out (+)= weightProduct of x with the output it returns; the event-driven path does both in one
   * pass (kernels' conv2dSparseForwardCross).
   */
  forwardWithProduct(x: Tensor, ctx: RunContext, out: Buf, accumulate: boolean): Tensor;
  /** The ordinary backward, plus the correction to the weight gradient when one is given. */
  backward(dy: Tensor, ctx: RunContext, correction?: WeightCorrection | null): Tensor;
}

/** dW[c, :] += s[c]·D[c, :] with D = cross + x̄⊗(−T·z̄), written into cross; xMean is x̄ [B, …]. */
export function addCorrection(layer: WeightLayer, k: Kernels, c: WeightCorrection, xMean: Tensor): void {
  const dW = layer.weight.grad;
  layer.weightProduct(k, xMean, c.negScaledInputMean, c.cross, true);
  const outC = c.scale.length;
  const row = dW.length / outC;
  for (let ch = 0; ch < outC; ch++) {
    const s = c.scale[ch]!;
    if (s !== 0)
      k.elementwise([c.cross.subarray(ch * row, (ch + 1) * row)], dW.subarray(ch * row, (ch + 1) * row), {
        op: 'scale',
        alpha: s,
        accumulate: true,
      });
  }
}
