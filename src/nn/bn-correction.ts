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
 * takes s and z̄ (the BN's time-mean input, kept anyway) from the BN's backward and hands s and −T·s·z̄ to each
 * producer's backward, which adds s·D: s is per output channel, so D's x̄ term rides on the producer's own
 * weight-gradient product over B rows, as x̄ ⊗ (dy − T·s·z̄). D is weight-sized, so memory stays flat in T. For IF
 * this makes every gradient equal to the exact backward's (test/unit/nn.grad-mode.test.ts); for LIF, whose exact
 * per-step gradients are not uniform, it is the same correction under the uniform-gradient assumption.
 */
import type { Buf, Kernels } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import { giveGrad, takeGrad } from './grad-pool.js';
import type { Layer, RunContext } from './layer.js';
import type { Param } from './param.js';

/** What a producer's backward adds to its weight gradient: s·(cross − T·x̄⊗z̄), s per output channel. */
export interface WeightCorrection {
  /** Σ_t x_t⊗z_t gathered by the block's forward. */
  readonly cross: Buf;
  /** s per output channel, from the batch-norm's backward. */
  readonly scale: Buf;
  /** −T·s·z̄ [B, …]: the BN's time-mean input scaled per channel, once for all the block's producers. */
  readonly scaledInputMean: Tensor;
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

/**
 * The weight gradient of a producer's backward, dW += x̄ ⊗ dy (and dbias += Σ_rows dy), with the correction when one
 * is given: dW += x̄ ⊗ dy + s·(cross − T·x̄⊗z̄) = x̄ ⊗ (dy − T·s·z̄) + s·cross, as s is per output channel. So one
 * weight-gradient product over the B rows serves both terms (`product(dy', dbias)`: dW += x̄ ⊗ dy', and
 * dbias += Σ_rows dy' when dbias is given); the bias gradient stays Σ_rows dy.
 */
export function correctedWeightGradient(
  k: Kernels,
  dy: Buf,
  c: WeightCorrection | null,
  dw: Buf,
  dbias: Buf | null,
  product: (dy: Buf, dbias: Buf | null) => void,
): void {
  if (c === null) {
    product(dy, dbias);
    return;
  }
  const outC = c.scale.length;
  const corrected = takeGrad(k, dy.length);
  k.elementwise([dy, c.scaledInputMean.data], corrected, { op: 'add' });
  product(corrected, null);
  giveGrad(k, tensor([corrected.length], corrected));
  if (dbias !== null) k.sumRows(dy, dbias, { rows: dy.length / outC, cols: outC, accumulate: true });
  // dw[ch, :] += s[ch]·cross[ch, :], every channel in one call
  k.elementwise([c.cross, c.scale], dw, { op: 'scaleRows', accumulate: true });
}
