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
 * The BN's forward hands its input z to each producer, whose CrossTerm (nn/cross-term.ts) gathers Σ_t x_t⊗z_t against the input it still
 * holds from the same pass (chunk by chunk in a time-chunked forward); the BN's backward leaves s and z̄ (its
 * time-mean input, kept anyway) for the producers' backward, which subtracts T·x̄⊗z̄ over B rows and adds s·D.
 * D is weight-sized, so memory stays flat in T. For IF this makes every gradient equal to the exact backward's
 * (test/nn.grad-mode.test.ts); for LIF, whose exact per-step gradients are not uniform, it is the same
 * correction under the uniform-gradient assumption.
 */
import type { Buf } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm } from './batchnorm.js';
import { Conv2d } from './conv2d.js';
import type { Layer } from './layer.js';
import { Linear } from './linear.js';
import { Residual } from './residual.js';
import { Sequential } from './sequential.js';

/** What the BN's representation-mode backward leaves for its producers: s per channel and z̄ [B, …]. */
export interface BatchNormCorrection {
  readonly scale: Buf;
  readonly inputMean: Tensor;
}

/**
 * Links every conv/linear whose output reaches a batch-norm's input through nothing but sequential nesting and
 * residual adds (mnistnet and VGG: conv → BN; PreAct-ResNet: a block's conv2 and shortcut → the next block's BN).
 */
export function linkBatchNormCorrections(layer: Layer | null, following: BatchNorm | null = null): void {
  if (layer instanceof Conv2d || layer instanceof Linear) {
    if (following === null) return;
    layer.crossTerm.source = following;
    if (!following.producers.includes(layer.crossTerm)) following.producers.push(layer.crossTerm);
  } else if (layer instanceof Residual) {
    linkBatchNormCorrections(layer.main, following);
    linkBatchNormCorrections(layer.shortcut, following);
  } else if (layer instanceof Sequential) {
    layer.layers.forEach((l, i) => {
      const next = layer.layers[i + 1];
      linkBatchNormCorrections(l, next === undefined ? following : batchNormAtInput(next));
    });
  }
}

/** The batch-norm that first sees this layer's input, if any. */
function batchNormAtInput(l: Layer): BatchNorm | null {
  if (l instanceof BatchNorm) return l;
  if (l instanceof Sequential && l.layers.length > 0) return batchNormAtInput(l.layers[0]!);
  return null;
}

